// The whole local stack as a user starts it (`npm start`), in a temporary data directory and on
// free ports, plus the `bing` command line pointed at it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { projectRoot } from '../../workers/tools';
import { BingApi } from './bing-api';
import { freePorts } from './ports';

const run = promisify(execFile);

/** Runs `bing ARGS...` as a user would, in the environment given. */
export async function bing(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(projectRoot, 'api', 'cli', 'bin.cjs'), ...args], { env, maxBuffer: 32 << 20 });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

export class LocalStack extends BingApi {
  private launcher?: ChildProcess;
  log = '';

  private constructor(readonly dataDir: string, readonly env: NodeJS.ProcessEnv, apiUrl: string, readonly temporalAddress: string) {
    // The local key, as `npm start` keeps it.
    super(apiUrl, async () => (await readFile(join(dataDir, 'api-key'), 'utf8')).trim());
  }

  static async create(extraEnv: Record<string, string> = {}): Promise<LocalStack> {
    const dataDir = await mkdtemp(join(tmpdir(), 'bing-stack-'));
    const [temporalPort, uiPort, apiPort, workerMetricsPort] = await freePorts(4);
    const temporalAddress = `127.0.0.1:${temporalPort}`;
    const env = {
      ...process.env,
      BING_DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: temporalAddress,
      BING_TEMPORAL_UI_PORT: String(uiPort),
      BING_API_PORT: String(apiPort),
      BING_API_URL: `http://127.0.0.1:${apiPort}`,
      BING_WORKER_METRICS_ADDRESS: `127.0.0.1:${workerMetricsPort}`,
      ...extraEnv,
    };
    return new LocalStack(dataDir, env, env.BING_API_URL, temporalAddress);
  }

  /** Starts `npm start`'s launcher and waits until the API answers. */
  async start(): Promise<void> {
    this.launcher = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'workers', 'launch.ts')], { cwd: projectRoot, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.launcher.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    this.launcher.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (this.launcher.exitCode !== null) throw new Error(`the launcher exited:\n${this.log}`);
      const up = await fetch(`${this.apiUrl}/healthz`).then((r) => r.ok, () => false);
      if (up && this.log.includes('workers polling')) return;
      await sleep(250);
    }
    throw new Error(`the stack did not start:\n${this.log}`);
  }

  /** Stops it as Ctrl-C does. */
  async stop(): Promise<void> {
    const launcher = this.launcher;
    if (!launcher || launcher.exitCode !== null) return;
    const exited = new Promise((resolve) => launcher.once('exit', resolve));
    launcher.kill('SIGINT');
    await exited;
  }

  /** The pid of the launcher's child running `script` now. */
  async childPid(script: 'workers/worker.ts' | 'api/server.ts'): Promise<number> {
    const { stdout } = await run('pgrep', ['-P', String(this.launcher!.pid), '-f', script]);
    return Number(stdout.trim().split('\n')[0]);
  }

  /** The pid of the Temporal dev server the launcher runs now, from the file it keeps. */
  async temporalPid(): Promise<number> {
    return Number((await readFile(join(this.dataDir, 'temporal.pid'), 'utf8')).trim());
  }

  /** Waits until the API answers again (after its process was killed, say). */
  async apiAnswers(): Promise<void> {
    for (let tries = 0; !(await fetch(`${this.apiUrl}/healthz`).then((r) => r.ok, () => false)); tries++) {
      if (tries === 600) throw new Error(`the API did not come back:\n${this.log}`);
      await sleep(100);
    }
  }

  /** Runs `bing ARGS...` against this stack. */
  bing(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    return bing(this.env, ...args);
  }

  async temporalClient(): Promise<{ client: Client; close: () => Promise<void> }> {
    const connection = await Connection.connect({ address: this.temporalAddress });
    return { client: new Client({ connection }), close: () => connection.close() };
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
