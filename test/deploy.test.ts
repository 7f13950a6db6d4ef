// BING as it is deployed: the build output run with plain Node, and the deployment files (the
// Dockerfiles, docker-compose.yml, .env.example) checked against the code and the README.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { readFile, readdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configVariables } from '../common/config';
import { projectRoot } from '../workers/tools';
import { makeClip } from './fixtures/clip';
import { BingApi } from './helpers/bing-api';
import { BingProcess } from './helpers/bing-process';
import { distDir, ensureBuilt } from './helpers/build';
import { freePort } from './helpers/ports';
import { localEnv } from './helpers/temporal';

/** Every JavaScript file under DIR. */
async function scripts(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.js')).map((e) => join(e.parentPath, e.name));
}

describe('the build output', () => {
  let env: TestWorkflowEnvironment;
  let dataDir: string;
  let worker: BingProcess;
  let api: BingProcess;
  let apiUrl: string;
  let processEnv: NodeJS.ProcessEnv;
  const apiKey = 'deploy-test-key-0123456789';

  beforeAll(async () => {
    await ensureBuilt();
    env = await localEnv();
    dataDir = await mkdtemp(join(tmpdir(), 'bing-dist-'));
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    processEnv = {
      PATH: process.env.PATH, HOME: process.env.HOME,
      TEMPORAL_ADDRESS: env.address, BING_DATA_DIR: dataDir, BING_API_PORT: String(port), BING_API_KEYS: `${apiKey}:*`,
      BING_LOG_LEVEL: 'debug',
    };
    worker = new BingProcess('dist/workers/worker.js', processEnv);
    api = new BingProcess('dist/api/server.js', processEnv);
    await worker.waitFor(() => worker.log.includes('workers polling'));
    await api.waitFor(() => fetch(`${apiUrl}/healthz`).then((r) => r.ok, () => false));
  }, 300_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.teardown();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('holds no TypeScript loader: nothing in dist/ loads tsx, and the local runner starts the compiled jobs with plain node', async () => {
    for (const file of await scripts(distDir)) expect(await readFile(file, 'utf8'), file).not.toMatch(/require\(["']tsx|import\(["']tsx/);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled module, as the worker in dist/ loads it
    const { jobCommands } = require(join(distDir, 'common', 'job-programs.js')) as typeof import('../common/job-programs');
    expect(jobCommands()).toEqual({
      mot: [process.execPath, join(distDir, 'jobs', 'mot', 'main.js')],
      action: [process.execPath, join(distDir, 'jobs', 'action', 'main.js')],
      train: [process.execPath, join(distDir, 'jobs', 'train', 'main.js')],
    });
  });

  it('loads only packages the images install: every package the build output requires is a production dependency', async () => {
    const { dependencies } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const required = new Set<string>();
    for (const file of await scripts(distDir)) {
      if (/workflow-bundle(-traced)?\.js$/.test(file)) continue;
      for (const [, name] of (await readFile(file, 'utf8')).matchAll(/require\("([^".][^"]*)"\)/g)) {
        const pkg = name!.split('/').slice(0, name!.startsWith('@') ? 2 : 1).join('/');
        if (!name!.startsWith('node:') && !builtinModules.includes(pkg)) required.add(pkg);
      }
    }
    expect(required.size).toBeGreaterThan(10);
    expect([...required].filter((pkg) => !(pkg in dependencies))).toEqual([]);
  });

  it('polls one task queue per worker process with BING_WORKER_ROLE, as compose\'s worker and gpu-worker do', async () => {
    for (const [role, queues] of [['workflows', 'bing'], ['gpu', 'bing-gpu']]) {
      const one = new BingProcess('dist/workers/worker.js', { ...processEnv, BING_WORKER_ROLE: role });
      try {
        await one.waitFor(() => one.log.includes('workers polling'));
        expect(/workers polling ([^"]*)"/.exec(one.log)?.[1], role).toBe(queues);
      } finally {
        await one.stop();
      }
    }
  });

  it('processes a video with `node dist/api/server.js` and `node dist/workers/worker.js`, the workflows prebundled', async () => {
    const clip = await makeClip({ seed: 17, outDir: join(dataDir, 'clip'), seconds: 4 });
    const gateway = new BingApi(apiUrl, async () => apiKey);
    const videoId = await gateway.upload(clip.videoPath, 'ops');
    const status = await gateway.waitFor(videoId, 'ops', (s) => s.status !== 'running');
    expect(status.status, status.error).toBe('completed');
    expect(status.result!.results.commentary).toBe(`results/${videoId}/commentary.json`);
    // At debug level the SDK says when it bundles workflow code; the prebundled worker never does.
    expect(worker.log).not.toContain('Workflow bundle created');
  });
});

const run = promisify(execFile);

/** Runs a tool infra/install-tools put in its own pip environment, .tools/ENV; resolves to its exit code and output. */
async function pipTool(env: string, args: string[]): Promise<{ code: number; output: string }> {
  const dir = join(projectRoot, '.tools', env);
  try {
    const { stdout, stderr } = await run(join(dir, 'bin', env), args, { cwd: projectRoot, env: { ...process.env, PYTHONPATH: dir } });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

interface ComposeService {
  build?: { context: string; target: string };
  image?: string;
  environment?: Record<string, string>;
  env_file?: string;
  ports?: string[];
  volumes?: string[];
  healthcheck?: object;
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
}

/** .env.example's variables, set or commented out (`#NAME=value`), with the values of those it sets. */
async function envExample(): Promise<{ names: string[]; values: Record<string, string> }> {
  const lines = (await readFile(join(projectRoot, '.env.example'), 'utf8')).split('\n');
  const entries = lines.flatMap((line) => {
    const m = /^(#?)([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    return m ? [{ set: !m[1], name: m[2]!, value: m[3]! }] : [];
  });
  return { names: entries.map((e) => e.name), values: Object.fromEntries(entries.filter((e) => e.set).map((e) => [e.name, e.value])) };
}

interface DockerStage {
  cmd?: string[];
  entrypoint?: string[];
  healthcheck: boolean;
}

/** Each stage of a multi-stage Dockerfile with its command and entry point (exec form), inherited from the stage it is built on. */
function dockerStages(text: string): Map<string, DockerStage> {
  const stages = new Map<string, DockerStage>();
  let current: DockerStage | undefined;
  for (const line of text.split('\n')) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      const parent = stages.get(from[1]!);
      current = { cmd: parent?.cmd, entrypoint: parent?.entrypoint, healthcheck: parent?.healthcheck ?? false };
      if (from[2]) stages.set(from[2], current);
    } else if (current && /^CMD\s+\[/.test(line)) {
      current.cmd = JSON.parse(line.slice(3)) as string[];
    } else if (current && /^ENTRYPOINT\s+\[/.test(line)) {
      current.entrypoint = JSON.parse(line.slice(10)) as string[];
    } else if (current && /^HEALTHCHECK\s/.test(line)) {
      current.healthcheck = true;
    }
  }
  return stages;
}

/** `${NAME:-default}` and `${NAME}` as compose resolves them with .env. */
const interpolate = (text: string, env: Record<string, string>) =>
  text.replace(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => env[name] ?? fallback ?? '');

/** The README's table of compose services: service -> host ports and named volumes. */
function readmeServices(readme: string): Map<string, { ports: string[]; volumes: string[] }> {
  const start = readme.indexOf('| service | from | host ports | volumes |');
  expect(start, 'the README\'s compose services table').toBeGreaterThan(0);
  const rows = readme.slice(start).split('\n').slice(2);
  const table = new Map<string, { ports: string[]; volumes: string[] }>();
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    const [, name, , ports, volumes] = row.split('|').map((cell) => cell.trim());
    table.set(name!.replace(/`/g, ''), {
      ports: [...ports!.replace(/\(.*?\)/g, '').matchAll(/\b\d{2,5}\b/g)].map((m) => m[0]).sort(),
      volumes: [...volumes!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).sort(),
    });
  }
  return table;
}

describe('the deployment files', () => {
  let compose: { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
  let services: [string, ComposeService][];
  let bingServices: [string, ComposeService][];
  let stages: Map<string, DockerStage>;

  beforeAll(async () => {
    await ensureBuilt();
    compose = parse(await readFile(join(projectRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as typeof compose;
    services = Object.entries(compose.services);
    bingServices = services.filter(([, s]) => s.build);
    stages = dockerStages(await readFile(join(projectRoot, 'Dockerfile'), 'utf8'));
  }, 300_000);

  it('docker-compose.yml follows the Compose Specification, and the check finds a service key it does not know', async () => {
    const valid = await pipTool('check-jsonschema', ['--builtin-schema', 'vendor.compose-spec', 'docker-compose.yml']);
    expect(valid.code, valid.output).toBe(0);
    const dir = await mkdtemp(join(tmpdir(), 'bing-compose-'));
    try {
      const broken = join(dir, 'docker-compose.yml');
      await writeFile(broken, (await readFile(join(projectRoot, 'docker-compose.yml'), 'utf8')).replace('  worker:\n', '  worker:\n    restart_after: always\n'));
      const invalid = await pipTool('check-jsonschema', ['--builtin-schema', 'vendor.compose-spec', broken]);
      expect(invalid.code).toBe(1);
      expect(invalid.output).toMatch(/restart_after/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('hadolint passes on every Dockerfile', async () => {
    const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*Dockerfile*'], { cwd: projectRoot });
    const dockerfiles = stdout.split('\n').filter((f) => f && existsSync(join(projectRoot, f)));
    expect(dockerfiles).toEqual(expect.arrayContaining(['Dockerfile', 'jobs/Dockerfile']));
    const lint = await pipTool('hadolint', dockerfiles);
    expect(lint.code, lint.output).toBe(0);
  });

  it('builds each reference job\'s SageMaker image from its target of jobs/Dockerfile, the entry point its program in the build output', async () => {
    const jobStages = dockerStages(await readFile(join(projectRoot, 'jobs', 'Dockerfile'), 'utf8'));
    for (const job of ['mot', 'action', 'train']) {
      const script = `dist/jobs/${job}/main.js`;
      expect(jobStages.get(job)?.entrypoint, `jobs/Dockerfile target ${job}`).toEqual(['node', script]);
      expect(existsSync(join(projectRoot, script)), `${script} after npm run build`).toBe(true);
    }
  });

  it('runs the API, both workers and the SQS consumer from the Dockerfile\'s targets, each command a file of the build output', () => {
    expect(bingServices.map(([name]) => name).sort()).toEqual(['api', 'gpu-worker', 's3-events', 'worker']);
    for (const [name, service] of bingServices) {
      const stage = stages.get(service.build!.target);
      expect(stage?.cmd, `${name}: Dockerfile target ${service.build!.target}`).toBeDefined();
      const [node, script] = stage!.cmd!;
      expect(node).toBe('node');
      expect(script, name).toMatch(/^dist\/.+\.js$/);
      expect(existsSync(join(projectRoot, script!.replace(/^dist\//, '').replace(/\.js$/, '.ts'))), `${name}: the source of ${script}`).toBe(true);
      expect(existsSync(join(projectRoot, script!)), `${name}: ${script} after npm run build`).toBe(true);
    }
    expect(compose.services.worker!.environment).toEqual({ BING_WORKER_ROLE: 'workflows' });
    expect(compose.services['gpu-worker']!.environment).toEqual({ BING_WORKER_ROLE: 'gpu' });
  });

  it('passes BING only variables common/config.ts knows or the standard ones, and .env.example holds every setting', async () => {
    const standard = /^(TEMPORAL|AWS|OTEL|OPENAI)_/;
    const example = await envExample();
    for (const [name, service] of bingServices) {
      expect(service.env_file, name).toBe('.env');
      const passed = [...Object.keys(service.environment ?? {}), ...example.names];
      expect(passed.filter((v) => !configVariables.includes(v) && !standard.test(v)), name).toEqual([]);
    }
    expect(configVariables.filter((v) => !example.names.includes(v))).toEqual([]);
  });

  it('waits only on what says it is ready, and gives the workers longer to stop than Docker\'s default 10 s', () => {
    for (const [name, service] of services) {
      for (const [on, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = compose.services[on];
        expect(target, `${name} depends on ${on}`).toBeDefined();
        if (condition === 'service_healthy') {
          const healthy = target!.healthcheck !== undefined || (target!.build !== undefined && stages.get(target!.build.target)!.healthcheck);
          expect(healthy, `${name} waits for ${on} to be healthy`).toBe(true);
        } else {
          expect(condition, `${name} on ${on}`).toBe('service_completed_successfully');
        }
      }
    }
    for (const [name, service] of bingServices) {
      expect(service.depends_on, name).toEqual({ 'temporal-setup': { condition: 'service_completed_successfully' }, 'storage-setup': { condition: 'service_completed_successfully' } });
    }
    for (const name of ['worker', 'gpu-worker']) expect(Number.parseInt(compose.services[name]!.stop_grace_period!)).toBeGreaterThan(10);
  });

  it('publishes the ports and mounts the volumes the README\'s production section names', async () => {
    const { values } = await envExample();
    const table = readmeServices(await readFile(join(projectRoot, 'README.md'), 'utf8'));
    const named = new Set(Object.keys(compose.volumes));
    for (const [name, service] of services) {
      const ports = (service.ports ?? []).map((p) => interpolate(p, values).split(':')[0]!).sort();
      const volumes = (service.volumes ?? []).filter((v) => named.has(v.split(':')[0]!)).sort();
      if (!table.has(name)) {
        expect({ ports, volumes, built: Boolean(service.build) }, `${name} is not in the README's table`).toEqual({ ports: [], volumes: [], built: false });
        continue;
      }
      expect({ ports, volumes }, name).toEqual(table.get(name));
    }
    expect([...table.keys()].filter((name) => !compose.services[name])).toEqual([]);
  });
});
