// The build output (`npm run build`, dist/) for tests that run BING as production does: built once,
// and again only when a source it is made from changed after the last build.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../workers/tools';

const run = promisify(execFile);

export const distDir = join(projectRoot, 'dist');

/** What the build is made from: tsconfig.build.json's folders, the web page, the build's own files. */
function buildInputs(): string[] {
  const { include } = JSON.parse(readFileSync(join(projectRoot, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
  return [...include, 'tsconfig.json', 'tsconfig.build.json', 'infra/build', 'package-lock.json'].map((p) => join(projectRoot, p));
}

async function newestChange(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  const times = await Promise.all(entries.filter((e) => e.isFile()).map((e) => stat(join(e.parentPath, e.name)).then((s) => s.mtimeMs)));
  return Math.max(info.mtimeMs, ...times);
}

/** Runs `npm run build` unless dist/ is newer than every file it is built from. */
export async function ensureBuilt(): Promise<void> {
  const built = await stat(join(distDir, '.built')).then((s) => s.mtimeMs, () => 0);
  const changed = Math.max(...(await Promise.all(buildInputs().map(newestChange))));
  if (built > changed) return;
  await run('npm', ['run', 'build'], { cwd: projectRoot, maxBuffer: 32 << 20 }).catch((err: { stdout: string; stderr: string }) => {
    throw new Error(`npm run build failed:\n${err.stdout}${err.stderr}`);
  });
}
