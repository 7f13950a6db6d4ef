// Uploads of 1 GB and 5 GB files of random bytes (GB and MB decimal: 10^9 and 10^6 bytes) through
// each route, on local storage and on moto_server (S3), beside `cp` of the same file on the same
// file system. The API runs as its own process (api/server.ts through tsx, one per case) on a
// Temporal dev server with no worker, so nothing ingests the upload and the peak RSS (VmHWM) is the
// API's alone. A case's time runs from the client's first request to the API's answer to its last,
// which comes once the bytes are in storage at incoming/{videoId} and the workflow is signalled;
// the stored object's size is checked afterwards, outside the time.
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import * as tus from 'tus-js-client';
import { uploadChunkBytes } from '../api/cli/api-client';
import type { Storage } from '../activities/storage/storage';
import { loadConfig } from '../common/config';
import { startMoto } from '../test/helpers/moto';
import { freePort } from '../test/helpers/ports';
import { localEnv } from '../test/helpers/temporal';
import { projectRoot } from '../workers/tools';
import { createStorage } from '../activities/storage/create';
import { incomingKey } from '../contracts/video-commentary';
import { mib, readRss, watchPeakRss } from './process-rss';
import { startTusd, tusdBinary, tusdVersion } from './tusd';

export type Row = Record<string, string | number>;

type StorageKind = 'local' | 's3';

interface Api {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Uploads the file through one route; returns the video id. */
type Route = (api: Api, file: string, size: number) => Promise<string>;

const work = join(__dirname, 'out', 'uploads');
const apiKey = 'bench-uploads-key-0123456789';
const authorization = `Bearer ${apiKey}`;
const bucket = 'bench-uploads';
/** The bound on the API's peak RSS. */
const rssLimitBytes = 300e6;

const gb = (bytes: number): string => `${bytes / 1e9} GB`;
const r1 = (v: number): number => Math.round(v * 10) / 10;
const r2 = (v: number): number => Math.round(v * 100) / 100;
/** The machine's 1-minute load average: it is shared, and its load moves every figure here. */
const load = (): number => r1(loadavg()[0]!);

async function randomFile(path: string, size: number): Promise<void> {
  const chunk = 16 << 20;
  const randomChunk = promisify(randomBytes);
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let left = size; left > 0; left -= chunk) yield await randomChunk(Math.min(chunk, left));
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
}

/** The environment of an API process on a free loopback port with the bench's key. */
async function apiEnv(temporalAddress: string, dataDir: string, storage: StorageKind): Promise<NodeJS.ProcessEnv> {
  const port = await freePort();
  return {
    ...process.env,
    BING_DATA_DIR: dataDir,
    BING_API_HOST: '127.0.0.1',
    BING_API_PORT: String(port),
    BING_API_URL: `http://127.0.0.1:${port}`,
    BING_API_KEYS: `${apiKey}:bench`,
    BING_LOG_LEVEL: 'warn',
    TEMPORAL_ADDRESS: temporalAddress,
    BING_STORAGE: storage,
  };
}

async function startApi(env: NodeJS.ProcessEnv): Promise<Api> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'api', 'server.ts')], { cwd: projectRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]))) child.kill('SIGKILL');
    }
    await exited;
  };
  const url = env.BING_API_URL!;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}: ${stderr}`);
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) return { url, pid: child.pid!, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the API was not ready within 60 s: ${stderr}`);
    }
    await sleep(200);
  }
}

async function readBody(res: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of res) body += (chunk as Buffer).toString();
  return body;
}

async function expectJson<T>(res: Response, status: number): Promise<T> {
  const body = await res.text();
  if (res.status !== status) throw new Error(`${res.url}: HTTP ${res.status}, expected ${status}: ${body.slice(0, 500)}`);
  return JSON.parse(body) as T;
}

/** POST /v1/videos with the file as the raw body, streamed with its Content-Length, as curl -T sends it. */
const rawPost: Route = async (api, file, size) => {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${api.url}/v1/videos?name=bench.bin`, {
      method: 'POST', headers: { authorization, 'content-type': 'application/octet-stream', 'content-length': size },
    }, resolve);
    req.on('error', reject);
    pipeline(createReadStream(file), req).catch(reject);
  });
  const body = await readBody(res);
  if (res.statusCode !== 202) throw new Error(`POST /v1/videos: HTTP ${res.statusCode}: ${body.slice(0, 500)}`);
  return (JSON.parse(body) as { videoId: string }).videoId;
};

/** A tus upload of the file through tus-js-client, the CLI's client, in PATCHes of `chunkSize` bytes; returns the upload's URL. */
const tusClientUpload = (endpoint: string, headers: Record<string, string>, file: string, chunkSize: number) => new Promise<URL>((resolve, reject) => {
  const upload = new tus.Upload(createReadStream(file), {
    endpoint,
    chunkSize,
    headers,
    metadata: { filename: 'bench.bin', filetype: 'application/octet-stream' },
    storeFingerprintForResuming: false,
    onError: reject,
    onSuccess: () => resolve(new URL(upload.url!, endpoint)),
  });
  upload.start();
});

/** tus to BING's endpoint in PATCHes of `chunkSize` bytes. */
const tusUpload = (chunkSize: number): Route => async (api, file) =>
  (await tusClientUpload(`${api.url}/v1/uploads`, { authorization }, file, chunkSize)).pathname.split('/').pop()!;

/** POST /v1/uploads/s3, each presigned part PUT with fetch in turn (as the README's example does), then complete. */
const directS3: Route = async (api, file, size) => {
  const post = (path: string, body: unknown) =>
    fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const started = await expectJson<{ videoId: string; partSize: number; parts: { partNumber: number; url: string }[]; completeUrl: string }>(
    await post('/v1/uploads/s3', { fileName: 'bench.bin', size }), 201);
  const parts: { partNumber: number; etag: string }[] = [];
  const handle = await open(file);
  try {
    const buffer = new Uint8Array(started.partSize);
    for (const { partNumber, url } of started.parts) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, (partNumber - 1) * started.partSize);
      const res = await fetch(url, { method: 'PUT', body: buffer.subarray(0, bytesRead) });
      if (!res.ok) throw new Error(`PUT part ${partNumber}: HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
      await res.arrayBuffer();
      parts.push({ partNumber, etag: res.headers.get('etag')! });
    }
  } finally {
    await handle.close();
  }
  await expectJson(await post(started.completeUrl, { parts }), 202);
  return started.videoId;
};

interface Case {
  route: string;
  storage: StorageKind;
  size: number;
  upload: Route;
}

/**
 * Every route at every size on both storages, tus in 64 MiB PATCHes; tus in the CLI's 8 MiB
 * PATCHes at the smallest size only, as each PATCH costs the S3 store several round trips to moto
 * (5 GB so would take over 10 minutes); direct to S3 at the largest size.
 */
function cases(sizes: number[]): Case[] {
  const all: Case[] = [];
  const [smallest, largest] = [Math.min(...sizes), Math.max(...sizes)];
  for (const size of sizes) {
    for (const storage of ['local', 's3'] as const) {
      all.push({ route: 'POST /v1/videos (raw body)', storage, size, upload: rawPost });
      all.push({ route: 'tus (tus-js-client, 64 MiB PATCHes)', storage, size, upload: tusUpload(64 << 20) });
      if (size === smallest) all.push({ route: `tus (tus-js-client, ${uploadChunkBytes >> 20} MiB PATCHes as the CLI)`, storage, size, upload: tusUpload(uploadChunkBytes) });
    }
  }
  all.push({ route: 'direct to S3 (presigned parts, fetch)', storage: 's3', size: largest, upload: directS3 });
  return all;
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await run();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/** `cp` of the file to a new file on the same file system as the local storage; the page cache is as the uploads find it. */
async function cpSeconds(file: string, dir = work): Promise<number> {
  const target = join(dir, 'cp-copy');
  const { seconds } = await timed(() => promisify(execFile)('cp', ['--reflink=never', file, target]));
  await rm(target, { force: true });
  return seconds;
}

/** Every case, or those `only` picks (to measure one route again after a change). */
export async function uploadsBench(sizes = [1e9, 5e9], only: (c: { route: string; storage: string }) => boolean = () => true): Promise<Row[]> {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const temporal = await localEnv();
  const moto = await startMoto();
  try {
    const files = new Map<number, string>();
    for (const size of sizes) {
      const file = join(work, `random-${gb(size).replace(' ', '')}.bin`);
      await randomFile(file, size);
      files.set(size, file);
    }
    const rows: Row[] = [];
    const cp = new Map<number, number>();
    for (const size of sizes) {
      const seconds = await cpSeconds(files.get(size)!);
      cp.set(size, seconds);
      rows.push({ route: 'cp (baseline)', storage: 'same disk', size: gb(size), seconds: r1(seconds), 'MB/s': Math.round(size / 1e6 / seconds), 'time / cp time': 1, 'load avg': load() });
    }

    for (const c of cases(sizes).filter(only)) {
      const dataDir = join(work, 'data');
      const env: NodeJS.ProcessEnv = {
        ...(await apiEnv(temporal.address, dataDir, c.storage)),
        ...(c.storage === 's3' ? { BING_S3_BUCKET: bucket, BING_S3_ENDPOINT: moto.endpoint } : {}),
      };
      const storage: Storage = createStorage(loadConfig(env));
      if (c.storage === 's3') {
        await moto.reset();
        await new S3Client({ endpoint: moto.endpoint, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: bucket }));
      }
      const api = await startApi(env);
      try {
        const idleKiB = readRss(api.pid)?.rssKiB ?? 0;
        const watch = watchPeakRss(api.pid);
        const { value: videoId, seconds } = await timed(() => c.upload(api, files.get(c.size)!, c.size));
        const peakKiB = watch.stop();
        const stored = await storage.head(incomingKey(videoId));
        if (stored?.size !== c.size) throw new Error(`${c.route} on ${c.storage}: incoming/${videoId} holds ${stored?.size} bytes, not ${c.size}`);
        const row: Row = {
          route: c.route, storage: c.storage === 's3' ? 's3 (moto)' : 'local', size: gb(c.size), seconds: r1(seconds),
          'MB/s': Math.round(c.size / 1e6 / seconds), 'time / cp time': r2(seconds / cp.get(c.size)!),
          'API RSS idle MiB': mib(idleKiB), 'API peak RSS MiB': mib(peakKiB), 'peak < 300 MB': peakKiB * 1024 < rssLimitBytes ? 'yes' : 'NO', 'load avg': load(),
        };
        console.log(row);
        rows.push(row);
      } finally {
        await api.stop();
        await rm(dataDir, { recursive: true, force: true });
        if (c.storage === 's3') await moto.reset();
      }
    }
    return rows;
  } finally {
    await moto.stop();
    await temporal.teardown();
    await rm(work, { recursive: true, force: true });
  }
}

/** The CPU seconds (user and system) a process has used so far, from /proc/PID/stat. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}
/** getconf CLK_TCK: 100 on Linux. */
const clockTicks = 100;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * BING beside the reference servers in the same run: `cp`, the raw POST /v1/videos, BING's tus
 * endpoint and tusd (when Go could build it) take the same file, both tus servers from the same
 * tus-js-client in the CLI's PATCH size, on the same disk. The machine is shared, so the cases are
 * interleaved (each repetition in another order) and compared by their medians. BING runs as one
 * API process on local storage for every repetition, as tusd does; each stored upload is checked
 * and removed outside the time. Beside each server's time, the CPU time its process used: on a
 * loaded machine the share of the CPU a server gets, and so its speed, follows that cost.
 */
export async function referenceBench(size = 1e9, repetitions = 5): Promise<{ reference: Row[]; referenceRatios: Row[] }> {
  const dir = join(__dirname, 'out', 'uploads-reference');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const temporal = await localEnv();
  const stops: (() => Promise<void>)[] = [];
  try {
    const file = join(dir, 'random.bin');
    await randomFile(file, size);
    const env = await apiEnv(temporal.address, join(dir, 'data'), 'local');
    const storage = createStorage(loadConfig(env));
    const api = await startApi(env);
    stops.push(api.stop);
    const stored = async (videoId: string) => {
      const info = await storage.head(incomingKey(videoId));
      if (info?.size !== size) throw new Error(`incoming/${videoId} holds ${info?.size} bytes, not ${size}`);
      await storage.delete(incomingKey(videoId));
    };
    const chunk = uploadChunkBytes;
    const cases: { route: string; server?: number; run(): Promise<number> }[] = [
      { route: 'cp (baseline)', run: () => cpSeconds(file, dir) },
      { route: 'BING POST /v1/videos (raw body)', server: api.pid, run: async () => { const { value, seconds } = await timed(() => rawPost(api, file, size)); await stored(value); return seconds; } },
      { route: `BING tus (tus-js-client, ${chunk >> 20} MiB PATCHes)`, server: api.pid, run: async () => { const { value, seconds } = await timed(() => tusUpload(chunk)(api, file, size)); await stored(value); return seconds; } },
    ];
    const binary = await tusdBinary();
    const notes: Row[] = [];
    if ('path' in binary) {
      const uploadDir = join(dir, 'tusd');
      const tusd = await startTusd(binary.path, uploadDir);
      stops.push(tusd.stop);
      cases.push({
        route: `tusd ${tusdVersion} (tus-js-client, ${chunk >> 20} MiB PATCHes)`,
        server: tusd.pid,
        run: async () => {
          const { value: url, seconds } = await timed(() => tusClientUpload(tusd.endpoint, {}, file, chunk));
          const id = url.pathname.split('/').pop()!;
          const written = (await stat(join(uploadDir, id))).size;
          if (written !== size) throw new Error(`tusd's upload ${id} holds ${written} bytes, not ${size}`);
          await rm(join(uploadDir, id), { force: true });
          await rm(join(uploadDir, `${id}.info`), { force: true });
          return seconds;
        },
      });
    } else {
      notes.push({ route: 'tusd', note: binary.note });
      console.log(binary.note);
    }
    const seconds = new Map(cases.map((c) => [c.route, [] as number[]]));
    const serverCpu = new Map(cases.map((c) => [c.route, [] as number[]]));
    for (let rep = 0; rep < repetitions; rep++) {
      for (let i = 0; i < cases.length; i++) {
        const c = cases[(i + rep) % cases.length]!;
        const cpuBefore = c.server ? await cpuSeconds(c.server) : 0;
        const s = await c.run();
        seconds.get(c.route)!.push(s);
        const cpu = c.server ? (await cpuSeconds(c.server)) - cpuBefore : undefined;
        if (cpu !== undefined) serverCpu.get(c.route)!.push(cpu);
        console.log({ repetition: rep + 1, route: c.route, seconds: r2(s), 'MB/s': Math.round(size / 1e6 / s), 'server CPU s': cpu ?? '', 'load avg': load() });
      }
    }
    const mbps = (route: string) => size / 1e6 / median(seconds.get(route)!);
    const rows: Row[] = cases.map(({ route }) => {
      const all = seconds.get(route)!;
      return {
        route, storage: 'local', size: gb(size), repetitions, 'median s': r2(median(all)), 'median MB/s': Math.round(mbps(route)),
        'MB/s range': `${Math.round(size / 1e6 / Math.max(...all))}-${Math.round(size / 1e6 / Math.min(...all))}`,
        'server CPU s (median)': serverCpu.get(route)!.length > 0 ? r2(median(serverCpu.get(route)!)) : '',
      };
    });
    const ratio = (of: string, to: string, bound: number): Row => {
      const value = r2(mbps(of) / mbps(to));
      return { ratio: `${of} / ${to} (median MB/s)`, value, bound, met: value >= bound ? 'yes' : 'NO' };
    };
    const ratios = [ratio(cases[1]!.route, cases[0]!.route, 0.7)];
    if (cases[3]) ratios.push(ratio(cases[2]!.route, cases[3].route, 0.8));
    return { reference: [...rows, ...notes], referenceRatios: ratios };
  } finally {
    for (const stop of stops.reverse()) await stop();
    await temporal.teardown();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The JSON body of POST /request for a file of random bytes, about `bodyBytes` long; returns its size and the file's. */
async function legacyBodyFile(path: string, bodyBytes: number): Promise<{ size: number; fileBytes: number; sha256: string }> {
  const head = '{"userId": "bench", "file": "';
  const tail = '"}';
  const fileBytes = Math.floor((bodyBytes - head.length - tail.length) / 4) * 3;
  const file = await promisify(randomBytes)(fileBytes);
  const text = file.toString('base64');
  await pipeline(Readable.from([head, text, tail]), createWriteStream(path));
  return { size: head.length + text.length + tail.length, fileBytes, sha256: createHash('sha256').update(file).digest('hex') };
}

/** POST /request with the body file streamed with its Content-Length, as the old clients send it; returns the video id. */
async function legacyPost(api: Api, path: string, size: number): Promise<string> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${api.url}/request`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': size } }, resolve);
    req.on('error', reject);
    pipeline(createReadStream(path), req).catch(reject);
  });
  const body = await readBody(res);
  if (res.statusCode !== 200) throw new Error(`POST /request: HTTP ${res.statusCode}: ${body.slice(0, 500)}`);
  return (JSON.parse(body) as { videoId: string }).videoId;
}

/**
 * The old contract under load: `count` POST /request bodies of about `bodyBytes` (JSON with the file
 * in base64) sent at once to the API as its own process on local storage, its peak RSS read as in the
 * uploads above; beside it, the same bodies sent at once as raw POST /v1/videos uploads, each case in
 * an API process of its own. Every body must be answered and its bytes stored whole.
 */
export async function legacyBench(count = 5, bodyBytes = 95e6): Promise<Row[]> {
  const dir = join(__dirname, 'out', 'legacy');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const temporal = await localEnv();
  try {
    const bodyFile = join(dir, 'body.json');
    const { size, fileBytes, sha256 } = await legacyBodyFile(bodyFile, bodyBytes);
    const cases = [
      { route: 'POST /request (old contract, JSON with the file in base64)', send: (api: Api) => legacyPost(api, bodyFile, size), stored: { size: fileBytes, sha256 } },
      { route: 'POST /v1/videos (raw body; the same bodies as bytes, peer)', send: (api: Api) => rawPost(api, bodyFile, size), stored: { size } },
    ];
    const rows: Row[] = [];
    for (const c of cases) {
      const env = await apiEnv(temporal.address, join(dir, 'data'), 'local');
      const storage = createStorage(loadConfig(env));
      const api = await startApi(env);
      try {
        const idleKiB = readRss(api.pid)?.rssKiB ?? 0;
        const watch = watchPeakRss(api.pid);
        const { value: videoIds, seconds } = await timed(() => Promise.all(Array.from({ length: count }, () => c.send(api))));
        const peakKiB = watch.stop();
        for (const videoId of videoIds) {
          const stored = await storage.head(incomingKey(videoId));
          if (stored?.size !== c.stored.size || (c.stored.sha256 && stored.sha256 !== c.stored.sha256)) {
            throw new Error(`${c.route}: incoming/${videoId} holds ${stored?.size} bytes (sha256 ${stored?.sha256}), not the ${c.stored.size} sent`);
          }
        }
        const row: Row = {
          route: c.route, storage: 'local', bodies: `${count} at once × ${r1(size / 1e6)} MB`,
          accepted: `${videoIds.length}/${count}`, seconds: r1(seconds), 'MB/s': Math.round((count * size) / 1e6 / seconds),
          'API RSS idle MiB': mib(idleKiB), 'API peak RSS MiB': mib(peakKiB), 'peak < 300 MB': peakKiB * 1024 < rssLimitBytes ? 'yes' : 'NO', 'load avg': load(),
        };
        console.log(row);
        rows.push(row);
      } finally {
        await api.stop();
        await rm(join(dir, 'data'), { recursive: true, force: true });
      }
    }
    return rows;
  } finally {
    await temporal.teardown();
    await rm(dir, { recursive: true, force: true });
  }
}
