// A GPU job runner: SageMaker in production, child processes locally. Jobs are named by the
// caller, and a name is used once: starting a name that exists throws JobAlreadyExists, except a
// Lost job (its process vanished without an exit code: local runner only), which starts again.
import type { JobDescription, JobSpec, JobView } from '../../contracts/gpu-jobs';

export { JobAlreadyExists } from '../../common/errors';

/** A runner is also a view of its jobs: its list() is read-only too. */
export interface GpuJobRunner extends JobView {
  start(name: string, spec: JobSpec): Promise<void>;
  describe(name: string): Promise<JobDescription | undefined>;
  /** Stops the job, waits until it has stopped, and removes its partial outputs. */
  stop(name: string): Promise<void>;
  /**
   * Runs `fn`, which counts `user`'s running jobs and starts one, while no other caller does so for
   * the same user on these jobs (other worker processes included); undefined when another caller
   * held it for too long. A runner without it has its callers serialized within their process.
   */
  admit?<T>(user: string, fn: () => Promise<T>): Promise<T | undefined>;
}
