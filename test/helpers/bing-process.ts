// One of BING's processes (the API, the worker) started from source as `npm run api` and
// `npm run worker` start it, or from the build output with plain `node` as the images do, in the
// environment a test gives, its output kept.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../../workers/tools';

export class BingProcess {
  log = '';
  private readonly child: ChildProcess;

  /** SCRIPT is a source file, run through tsx, or a file of the build output (dist/, ensureBuilt()), run with plain node. */
  constructor(readonly script: 'api/server.ts' | 'workers/worker.ts' | 'dist/api/server.js' | 'dist/workers/worker.js', env: NodeJS.ProcessEnv) {
    const args = script.endsWith('.ts') ? ['--import', 'tsx', join(projectRoot, script)] : [join(projectRoot, script)];
    this.child = spawn(process.execPath, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
  }

  /** Resolves once `ready` says so; throws with the process's output when it exits first or takes over a minute. */
  async waitFor(ready: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`${this.script} exited:\n${this.log}`);
      if (await ready()) return;
      await sleep(200);
    }
    throw new Error(`${this.script} did not start:\n${this.log}`);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Kills it with SIGKILL, as a crash would, and resolves once it is gone. */
  kill(): Promise<void> {
    return this.end('SIGKILL');
  }

  stop(): Promise<void> {
    return this.end('SIGTERM');
  }

  private async end(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(signal);
    await exited;
  }
}
