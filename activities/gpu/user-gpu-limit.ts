// BING_USER_GPU_JOBS: before a new job of a user starts, that user's running jobs are counted in
// the runner's view; at the limit the attempt fails, to be retried soon, so that its GPU slot
// serves other users' tasks meanwhile and the task comes back after the delay.
import { Transient } from '../../common/errors';
import { toFailure } from '../failures';
import type { GpuJobRunner } from './runner';

export class UserAtGpuLimit extends Transient {}

export interface UserGpuLimit {
  /** Jobs one user's requests may run at once. */
  jobs: number;
  /** When an attempt refused at the limit comes back. */
  retryAfterMs: number;
}

/** Runs `start` for a job of `user` unless the user runs `limit.jobs` jobs already. */
export type UserLimitedStart = (user: string, start: () => Promise<void>) => Promise<void>;

export function userLimitedStart(runner: GpuJobRunner, limit: UserGpuLimit): UserLimitedStart {
  const admit = runner.admit?.bind(runner) ?? serializedPerKey();
  const refuse = (message: string) => toFailure(new UserAtGpuLimit(`${message}; trying again in ${limit.retryAfterMs} ms`, limit.retryAfterMs));
  return async (user, start) => {
    const admitted = await admit(user, async () => {
      const running = (await runner.list({ running: true })).filter((job) => job.user === user).length;
      if (running >= limit.jobs) throw refuse(`user ${user} runs ${running} GPU jobs, as many as BING_USER_GPU_JOBS allows`);
      await start();
      return true;
    });
    if (!admitted) throw refuse(`another GPU job of user ${user} is being started`);
  };
}

/** Within this process: each call for a key waits for the calls before it. */
function serializedPerKey() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
