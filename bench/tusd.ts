// tusd, the reference tus server (Go module github.com/tus/tusd/v2), as the uploads bench's peer:
// built once with `go install` into .tools/tusd/VERSION/ when Go is present, and run on a local
// directory with nothing else (no hooks, no metrics), as BING's tus endpoint runs on local storage.
import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from '../test/helpers/ports';
import { projectRoot } from '../workers/tools';

export const tusdVersion = 'v2.9.1';
const binDir = join(projectRoot, '.tools', 'tusd', tusdVersion);
const binary = join(binDir, 'tusd');

export interface Tusd {
  /** The tus creation endpoint. */
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** The tusd binary, built first if need be; a note saying why not when Go is absent or the build fails. */
export async function tusdBinary(): Promise<{ path: string } | { note: string }> {
  if (await access(binary, constants.X_OK).then(() => true, () => false)) return { path: binary };
  const go = await promisify(execFile)('go', ['version']).then(() => true, () => false);
  if (!go) return { note: `Go is absent: tusd ${tusdVersion} was not built, so BING's tus endpoint is not compared with it` };
  try {
    await promisify(execFile)('go', ['install', `github.com/tus/tusd/v2/cmd/tusd@${tusdVersion}`], {
      env: { ...process.env, GOBIN: binDir }, timeout: 15 * 60_000,
    });
    return { path: binary };
  } catch (err) {
    return { note: `go install of tusd ${tusdVersion} failed: ${(err as Error).message.slice(0, 500)}` };
  }
}

/** tusd on a free loopback port, keeping its uploads in `uploadDir`. */
export async function startTusd(path: string, uploadDir: string): Promise<Tusd> {
  const port = await freePort();
  const child = spawn(path, ['-host', '127.0.0.1', '-port', String(port), '-upload-dir', uploadDir, '-base-path', '/files/', '-disable-download'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const endpoint = `http://127.0.0.1:${port}/files/`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tusd exited with ${child.exitCode}: ${stderr}`);
    if (await fetch(endpoint, { method: 'OPTIONS' }).then((r) => r.status < 500, () => false)) return { endpoint, pid: child.pid!, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`tusd did not answer within 30 s: ${stderr}`);
    }
    await sleep(100);
  }
}
