// The lock file around local conditional writes and job launches: one holder at a time, a holder
// that lost its lock learns so before it writes, and a stale lock file of the previous version is
// no obstacle.
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { LockLost, withFileLock } from '../common/file-lock';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function lockedFile(): Promise<{ path: string; lockfilePath: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'bing-file-lock-'));
  dirs.push(dir);
  const path = join(dir, 'doc.json');
  await writeFile(path, '{}');
  return { path, lockfilePath: `${path}.lock` };
}

describe('withFileLock', () => {
  it('lets one holder in at a time: the other gets undefined when it does not wait', async () => {
    const { path, lockfilePath } = await lockedFile();
    const inner = await withFileLock(path, { lockfilePath, staleMs: 10_000 }, () => withFileLock(path, { lockfilePath, staleMs: 10_000 }, async () => 'second'));
    expect(inner).toBeUndefined();
    expect(await withFileLock(path, { lockfilePath, staleMs: 10_000 }, async () => 'after')).toBe('after');
  });

  it('tells a holder whose lock was taken from it, before its write, and releases without a second error', async () => {
    const { path, lockfilePath } = await lockedFile();
    const run = withFileLock(path, { lockfilePath, staleMs: 2000 }, async (stillHeld) => {
      stillHeld();
      await rm(lockfilePath, { recursive: true });
      await sleep(2500);
      stillHeld();
      return 'written';
    });
    await expect(run).rejects.toBeInstanceOf(LockLost);
  });

  it('takes over a stale lock file left by the previous version, and respects a fresh one', async () => {
    const { path, lockfilePath } = await lockedFile();
    await writeFile(lockfilePath, '');
    expect(await withFileLock(path, { lockfilePath, staleMs: 2000 }, async () => 'x')).toBeUndefined();
    const old = new Date(Date.now() - 60_000);
    await utimes(lockfilePath, old, old);
    expect(await withFileLock(path, { lockfilePath, staleMs: 2000 }, async () => 'x')).toBe('x');
  });
});
