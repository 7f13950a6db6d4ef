// A critical section under a lock file (proper-lockfile's lock directory). A lock whose holder
// stopped refreshing it for `staleMs` is taken over; the holder that lost it learns so from
// `stillHeld()`, which it calls right before its write, instead of racing the new holder.
import { lstat, rm } from 'node:fs/promises';
import { lock, type LockOptions } from 'proper-lockfile';

export class LockLost extends Error {
  override readonly name = 'LockLost';
  constructor(lockfilePath: string, options?: ErrorOptions) {
    super(`${lockfilePath} was taken over by another writer (not refreshed in time)`, options);
  }
}

export interface FileLockOptions {
  /** The lock directory's path. */
  lockfilePath: string;
  staleMs: number;
  retries?: LockOptions['retries'];
}

/** Runs `fn` holding the lock; undefined when another holder keeps it for all the retries. */
export async function withFileLock<T>(path: string, options: FileLockOptions, fn: (stillHeld: () => void) => Promise<T>): Promise<T | undefined> {
  await removeStaleLockFileOfOldVersion(options);
  let lost: Error | undefined;
  const release = await lock(path, {
    realpath: false,
    lockfilePath: options.lockfilePath,
    stale: options.staleMs,
    retries: options.retries,
    onCompromised: (err) => (lost = err),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ELOCKED') return undefined;
    throw err;
  });
  if (!release) return undefined;
  try {
    return await fn(() => {
      if (lost) throw new LockLost(options.lockfilePath, { cause: lost });
    });
  } finally {
    await release().catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ERELEASED') throw err;
    });
  }
}

/** BING before proper-lockfile locked with a plain file at the same path: a stale one would block the lock directory for good. */
async function removeStaleLockFileOfOldVersion({ lockfilePath, staleMs }: FileLockOptions): Promise<void> {
  const stats = await lstat(lockfilePath).catch(() => undefined);
  if (stats?.isFile() && Date.now() - stats.mtimeMs > staleMs) await rm(lockfilePath, { force: true });
}
