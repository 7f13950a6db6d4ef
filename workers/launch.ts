// `npm start`: the whole of BING on this machine. Starts the Temporal dev server (SQLite under
// BING_DATA_DIR, Web UI), the workers and the API; restarts a worker or API that dies; Ctrl-C
// stops everything it started, the GPU-job processes included.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { killJobProcesses } from '../activities/gpu/local-runner';
import { loadConfig } from '../common/config';
import { devServerEnv, temporalConnection } from '../common/temporal-connection';
import { searchAttributeTypes } from '../workflows/definitions';
import { projectRoot, temporalCli } from './tools';
import { jobsDir } from './wiring';

const config = loadConfig();
const [temporalHost = '127.0.0.1', temporalPort = '7233'] = config.TEMPORAL_ADDRESS.split(':');
mkdirSync(config.BING_DATA_DIR, { recursive: true });

/** The local API key, made once and kept in the data directory. */
function localApiKey(): string {
  const file = join(config.BING_DATA_DIR, 'api-key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const key = randomBytes(24).toString('hex');
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    return key;
  }
}

const portOpen = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host, port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

const apiKey = localApiKey();
// The children reach this dev server, whatever Temporal cluster the user's own settings name.
const childEnv = {
  ...devServerEnv(config, join(config.BING_DATA_DIR, 'temporal.toml')),
  BING_DATA_DIR: config.BING_DATA_DIR,
  BING_API_KEYS: process.env.BING_API_KEYS ?? `${apiKey}:*`,
};
let stopping = false;
const children = new Map<string, ChildProcess>();

const quickExits = new Map<string, number>();

/** Starts a child process; one that dies is started again, unless it keeps dying at once. */
function startChild(name: string, command: string, args: string[], restart: boolean): void {
  const startedAt = Date.now();
  const child = spawn(command, args, { cwd: projectRoot, env: childEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (stopping) return;
    const quick = Date.now() - startedAt < 10_000 ? (quickExits.get(name) ?? 0) + 1 : 0;
    quickExits.set(name, quick);
    if (!restart || quick >= 3) {
      process.stderr.write(`${name} exited (${signal ?? code}); stopping BING\n`);
      void stop(1);
      return;
    }
    process.stderr.write(`${name} exited (${signal ?? code}); starting it again\n`);
    setTimeout(() => startChild(name, command, args, restart), 1000);
  });
}

async function waitForTemporal(): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      const connection = await Connection.connect({ ...temporalConnection(config, childEnv).connectionOptions, connectTimeout: 1000 });
      await connection.healthService.check({});
      await connection.close();
      return;
    } catch {
      await sleep(500);
    }
  }
  throw new Error(`the Temporal dev server did not answer on ${config.TEMPORAL_ADDRESS}`);
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const exits = [...children.entries()].filter(([name]) => name !== 'temporal').map(([, child]) => exited(child));
  for (const [name, child] of children) if (name !== 'temporal') child.kill('SIGTERM');
  await Promise.race([Promise.all(exits), sleep(10_000)]);
  await killJobProcesses(jobsDir(config));
  const temporal = children.get('temporal');
  temporal?.kill('SIGTERM');
  if (temporal) await Promise.race([exited(temporal), sleep(10_000)]);
  for (const child of children.values()) child.kill('SIGKILL');
  process.exit(code);
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => child.once('exit', () => resolve()));

/** The ports this launcher serves on must differ: a clash shows only as a server that will not start. */
function checkPortsDiffer(): void {
  const ports: [string, number][] = [
    ['TEMPORAL_ADDRESS', Number(temporalPort)],
    ['BING_TEMPORAL_UI_PORT', config.BING_TEMPORAL_UI_PORT],
    ['BING_API_PORT', config.BING_API_PORT],
  ];
  for (const [i, [name, port]] of ports.entries()) {
    const clash = ports.slice(i + 1).find(([, other]) => other === port);
    if (clash) throw new Error(`${name} and ${clash[0]} both name port ${port}; give each its own`);
  }
}

async function main(): Promise<void> {
  checkPortsDiffer();
  if (await portOpen(temporalHost, Number(temporalPort))) {
    throw new Error(`something already listens on ${config.TEMPORAL_ADDRESS}; stop it, or set TEMPORAL_ADDRESS to a free port`);
  }
  if (await portOpen(config.BING_API_HOST, config.BING_API_PORT)) {
    throw new Error(`something already listens on ${config.BING_API_HOST}:${config.BING_API_PORT}; stop it, or set BING_API_PORT`);
  }
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  const searchAttributeFlags = Object.entries(searchAttributeTypes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
  startChild('temporal', temporalCli(), [
    'server', 'start-dev', '--db-filename', join(config.BING_DATA_DIR, 'temporal.db'),
    '--ip', temporalHost, '--port', temporalPort, '--ui-port', String(config.BING_TEMPORAL_UI_PORT),
    '--log-level', 'error', ...searchAttributeFlags,
  ], false);
  await waitForTemporal();
  const tsx = ['--import', 'tsx'];
  startChild('worker', process.execPath, [...tsx, join(projectRoot, 'workers', 'worker.ts')], true);
  startChild('api', process.execPath, [...tsx, join(projectRoot, 'api', 'server.ts')], true);
  const api = `http://${config.BING_API_HOST}:${config.BING_API_PORT}`;
  process.stdout.write([
    '',
    'BING is running. Ctrl-C stops it.',
    `  API         ${api}`,
    `  API key     ${apiKey}   (also in ${join(config.BING_DATA_DIR, 'api-key')})`,
    `  Web UI      http://${temporalHost}:${config.BING_TEMPORAL_UI_PORT}`,
    `  Temporal    ${config.TEMPORAL_ADDRESS}`,
    `  Data        ${config.BING_DATA_DIR}`,
    '',
    'Process a video:  npx bing process FILE [--user NAME]',
    '',
  ].join('\n'));
}

main().catch((err: unknown) => {
  process.stderr.write(`bing: ${err instanceof Error ? err.message : String(err)}\n`);
  void stop(1);
});
