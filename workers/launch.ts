// `npm start`: the whole of BING on this machine. Starts the Temporal dev server (SQLite under
// BING_DATA_DIR, Web UI), the workers and the API. A dev server that dies is started again on the
// same database and ports, and the workers and API reconnect (GPU-job processes run on, detached,
// and are adopted by their activities); a worker or API that dies is started again once the dev
// server answers. Ctrl-C stops everything it started, the GPU-job processes included.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import pRetry, { AbortError } from 'p-retry';
import { killJobProcesses } from '../activities/gpu/local-runner';
import { loadConfig } from '../common/config';
import { devServerEnv, temporalConnection } from '../common/temporal-connection';
import { keptSecret } from '../common/secret-file';
import { searchAttributeTypes } from '../contracts/video-commentary';
import { dynamicConfigFlags, taskQueueFairness } from './task-queue-fairness';
import { projectRoot, temporalCli } from './tools';
import { jobsDir } from '../activities/job-view';

const config = loadConfig();
const [temporalHost = '127.0.0.1', temporalPort = '7233'] = config.TEMPORAL_ADDRESS.split(':');
/** The worker's Prometheus endpoint; empty switches it off. */
const workerMetrics = config.BING_WORKER_METRICS_ADDRESS ?? '127.0.0.1:9464';
const workerMetricsHost = workerMetrics.slice(0, workerMetrics.lastIndexOf(':')).replace(/^\[|\]$/g, '');
const workerMetricsPort = Number(workerMetrics.slice(workerMetrics.lastIndexOf(':') + 1));
mkdirSync(config.BING_DATA_DIR, { recursive: true });
const temporalDb = join(config.BING_DATA_DIR, 'temporal.db');
/** The running dev server's pid, for an operator (or a test) who wants that process. */
const temporalPidFile = join(config.BING_DATA_DIR, 'temporal.pid');

const portOpen = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host, port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

/** The local API key, made once and kept in the data directory. */
const apiKey = keptSecret(join(config.BING_DATA_DIR, 'api-key'), 24);
// The children reach this dev server, whatever Temporal cluster the user's own settings name.
const childEnv = {
  ...devServerEnv(config, join(config.BING_DATA_DIR, 'temporal.toml')),
  BING_DATA_DIR: config.BING_DATA_DIR,
  BING_API_KEYS: process.env.BING_API_KEYS ?? `${apiKey}:*`,
  // The checkout started is the one to run: its worker version becomes the deployment's current one.
  BING_DEPLOYMENT_SET_CURRENT: process.env.BING_DEPLOYMENT_SET_CURRENT ?? 'always',
  // Stopping waits 10 s for the workers before it ends the GPU jobs: a worker must be gone by then, or its
  // GPU activity, still running, would start a job the launcher has just ended.
  BING_WORKER_SHUTDOWN_GRACE: process.env.BING_WORKER_SHUTDOWN_GRACE ?? '5s',
  // Local receivers (a backend on this machine) may get completion webhooks.
  BING_CALLBACK_ALLOW_PRIVATE: process.env.BING_CALLBACK_ALLOW_PRIVATE ?? 'true',
  BING_WORKER_METRICS_ADDRESS: workerMetrics,
};
let stopping = false;
const children = new Map<string, ChildProcess>();

const quickExits = new Map<string, number>();

/** Counts an exit; true when the process has now died within seconds of starting three times in a row. */
function keepsDying(name: string, ranMs: number): boolean {
  const quick = ranMs < 10_000 ? (quickExits.get(name) ?? 0) + 1 : 0;
  quickExits.set(name, quick);
  return quick >= 3;
}

function giveUp(name: string, how: string): void {
  process.stderr.write(`${name} exited (${how}) three times within seconds of starting; stopping BING\n`);
  void stop(1);
}

/** Starts a child process; `onExit` hears how it ended and how long it ran, unless BING is stopping. */
function spawnChild(name: string, command: string, args: string[], onExit: (how: string, ranMs: number) => void): ChildProcess {
  const startedAt = Date.now();
  const child = spawn(command, args, { cwd: projectRoot, env: childEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) onExit(String(signal ?? code), Date.now() - startedAt);
  });
  return child;
}

let temporalUp = false;
const temporalWaiters: (() => void)[] = [];
/** Resolves once the dev server answers (at once when it does now). */
const temporalAnswers = () => (temporalUp ? Promise.resolve() : new Promise<void>((resolve) => temporalWaiters.push(resolve)));

const searchAttributeFlags = Object.entries(searchAttributeTypes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);

/** The dev server; one that dies is started again on the same database and ports. */
function startTemporal(): void {
  const child = spawnChild('temporal', temporalCli(), [
    'server', 'start-dev', '--db-filename', temporalDb,
    '--ip', temporalHost, '--port', temporalPort, '--ui-port', String(config.BING_TEMPORAL_UI_PORT),
    '--log-level', 'error', ...searchAttributeFlags, ...dynamicConfigFlags(taskQueueFairness),
  ], (how, ranMs) => {
    temporalUp = false;
    if (keepsDying('the Temporal dev server', ranMs)) return giveUp('the Temporal dev server', how);
    process.stderr.write(`the Temporal dev server exited (${how}); starting it again on ${temporalDb}\n`);
    setTimeout(() => {
      if (!stopping) startTemporal();
    }, 500);
  });
  writeFileSync(temporalPidFile, `${child.pid}\n`);
  void waitForTemporal(child).then((answered) => {
    if (!answered || stopping) return;
    temporalUp = true;
    for (const resolve of temporalWaiters.splice(0)) resolve();
  }, (err: unknown) => {
    process.stderr.write(`bing: ${err instanceof Error ? err.message : String(err)}\n`);
    void stop(1);
  });
}

/** True once the dev server answers; false when the process exits first (it is started again). */
async function waitForTemporal(server: ChildProcess): Promise<boolean> {
  const exited = () => server.exitCode !== null || server.signalCode !== null;
  try {
    await pRetry(async () => {
      if (exited()) throw new AbortError('the dev server exited');
      const connection = await Connection.connect({ ...temporalConnection(config, childEnv).connectionOptions, connectTimeout: 1000 });
      try {
        await connection.healthService.check({});
      } finally {
        await connection.close();
      }
    }, { retries: 119, factor: 1, minTimeout: 500 });
    return true;
  } catch (err) {
    if (exited()) return false;
    throw new Error(`the Temporal dev server did not answer on ${config.TEMPORAL_ADDRESS}`, { cause: err });
  }
}

/**
 * A worker or the API: one that dies is started again once the dev server answers. Exits while the
 * dev server is down are its fault, not the process's: they never count towards giving up.
 */
function startService(name: string, script: string): void {
  spawnChild(name, process.execPath, ['--import', 'tsx', join(projectRoot, ...script.split('/'))], (how, ranMs) => {
    if (temporalUp && keepsDying(name, ranMs)) return giveUp(name, how);
    process.stderr.write(`${name} exited (${how}); starting it again${temporalUp ? '' : ' once the Temporal dev server answers'}\n`);
    setTimeout(() => void temporalAnswers().then(() => {
      if (!stopping) startService(name, script);
    }), 1000);
  });
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const resolve of temporalWaiters.splice(0)) resolve();
  const exits = [...children.entries()].filter(([name]) => name !== 'temporal').map(([, child]) => exited(child));
  for (const [name, child] of children) if (name !== 'temporal') child.kill('SIGTERM');
  await Promise.race([Promise.all(exits), sleep(10_000)]);
  // A worker still there could start a GPU job again once its job is ended: it goes first.
  for (const [name, child] of children) if (name !== 'temporal') child.kill('SIGKILL');
  await Promise.all(exits);
  await killJobProcesses(jobsDir(config));
  const temporal = children.get('temporal');
  temporal?.kill('SIGTERM');
  if (temporal) await Promise.race([exited(temporal), sleep(10_000)]);
  for (const child of children.values()) child.kill('SIGKILL');
  rmSync(temporalPidFile, { force: true });
  process.exit(code);
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => child.once('exit', () => resolve()));

/** The ports this launcher serves on must differ: a clash shows only as a server that will not start. */
function checkPortsDiffer(): void {
  const ports: [string, number][] = [
    ['TEMPORAL_ADDRESS', Number(temporalPort)],
    ['BING_TEMPORAL_UI_PORT', config.BING_TEMPORAL_UI_PORT],
    ['BING_API_PORT', config.BING_API_PORT],
    ...(workerMetrics ? [['BING_WORKER_METRICS_ADDRESS', workerMetricsPort] as [string, number]] : []),
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
  if (workerMetrics && await portOpen(workerMetricsHost, workerMetricsPort)) {
    throw new Error(`something already listens on ${workerMetrics}; stop it, or set BING_WORKER_METRICS_ADDRESS (empty: no worker metrics)`);
  }
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  startTemporal();
  await temporalAnswers();
  if (stopping) return;
  startService('worker', 'workers/worker.ts');
  startService('api', 'api/server.ts');
  const api = `http://${config.BING_API_HOST}:${config.BING_API_PORT}`;
  process.stdout.write([
    '',
    'BING is running. Ctrl-C stops it.',
    `  API         ${api}`,
    `  API key     ${apiKey}   (also in ${join(config.BING_DATA_DIR, 'api-key')})`,
    `  Web UI      http://${temporalHost}:${config.BING_TEMPORAL_UI_PORT}`,
    `  Temporal    ${config.TEMPORAL_ADDRESS}   (dev server pid in ${temporalPidFile})`,
    `  Data        ${config.BING_DATA_DIR}`,
    `  Metrics     ${api}/metrics (API)   ${workerMetrics ? `http://${workerMetrics}/metrics (worker)` : 'worker: off (BING_WORKER_METRICS_ADDRESS is empty)'}`,
    '',
    'Process a video:  npx bing process FILE [--user NAME]',
    '',
  ].join('\n'));
}

main().catch((err: unknown) => {
  process.stderr.write(`bing: ${err instanceof Error ? err.message : String(err)}\n`);
  void stop(1);
});
