// The activity behind every GPU job: start the job under its deterministic name (or adopt the one
// already running under it), heartbeat while it runs, stop it when the workflow cancels.
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { JobVanished } from '../../common/errors';
import { jobFailed, toFailure } from '../failures';
import { gpuJobCompleted, gpuJobStarted } from '../metrics';
import { jobNameFor } from './job-name';
import type { GpuJobHeartbeat, GpuJobRequest, GpuJobResult, JobDescription, JobSpec } from '../../contracts/gpu-jobs';
import { JobAlreadyExists, type GpuJobRunner } from './runner';
import { userLimitedStart, type UserLimitedStart } from './user-gpu-limit';

export interface JobPolling {
  intervalMs: number;
  /** How to wait between polls; the activity context's cancellable sleep unless a test brings its clock. */
  sleep?: (ms: number) => Promise<void>;
}

const maxUnseenPolls = 120;

/**
 * `userGpuJobs`: how many jobs one user's requests may run at once (BING_USER_GPU_JOBS); an attempt
 * refused at the limit comes back after one polling interval.
 */
export function createRunGpuJob(runner: GpuJobRunner, polling: JobPolling, userGpuJobs?: number) {
  const limited = userGpuJobs === undefined ? undefined : userLimitedStart(runner, { jobs: userGpuJobs, retryAfterMs: polling.intervalMs });
  const startOrAdopt = (jobName: string, request: GpuJobRequest) => startOrAdoptJob(runner, jobName, request, limited);
  return async function runGpuJob(request: GpuJobRequest): Promise<GpuJobResult> {
    const ctx = Context.current();
    const owner = ctx.info.workflowExecution?.workflowId ?? ctx.info.activityId;
    const jobName = jobNameFor(owner, request.step, request.run);
    const resumed = (ctx.info.heartbeatDetails as GpuJobHeartbeat | undefined)?.jobName === jobName;
    if (!resumed) await startOrAdopt(jobName, request);

    let unseenPolls = 0;
    for (;;) {
      const job = await runner.describe(jobName);
      if (job) {
        unseenPolls = 0;
        ctx.heartbeat({ jobName, status: job.status, progress: job.progress, startedAt: job.startedAt } satisfies GpuJobHeartbeat);
        const result = outcome(job);
        if (result) return result;
        if (job.status === 'Lost') {
          ctx.log.warn('job process lost; starting it again', { jobName });
          await startOrAdopt(jobName, request);
        }
      } else {
        // Another attempt may still be fetching the job's inputs before it launches; one whose worker
        // died meanwhile left its launch lock, which a start takes over once it is stale.
        if (++unseenPolls > maxUnseenPolls) throw toFailure(new JobVanished(`job ${jobName} vanished after it was started`));
        ctx.heartbeat({ jobName, status: 'Starting', progress: 0, startedAt: '' } satisfies GpuJobHeartbeat);
        await startOrAdopt(jobName, request);
      }
      try {
        await (polling.sleep ?? ctx.sleep)(polling.intervalMs);
      } catch (err) {
        if (cancelRequested(err, ctx)) {
          ctx.log.info('cancelled: stopping job', { jobName });
          // A SageMaker job can take minutes to stop: keep heartbeating meanwhile.
          const beat = setInterval(() => ctx.heartbeat({ jobName, status: 'Stopping', progress: 0, startedAt: '' } satisfies GpuJobHeartbeat), 5000);
          try {
            await runner.stop(jobName);
          } finally {
            clearInterval(beat);
          }
        }
        throw err;
      }
    }
  };
}

/**
 * The workflow asked for the job to end (not a worker shutting down or a timed-out attempt, which
 * leave the job running for the next attempt to adopt).
 */
function cancelRequested(err: unknown, ctx: Context): boolean {
  if (!(err instanceof CancelledFailure)) return false;
  return ctx.cancellationDetails?.cancelRequested === true || err.message === 'CANCELLED';
}

async function startOrAdoptJob(runner: GpuJobRunner, jobName: string, spec: JobSpec, limited?: UserLimitedStart): Promise<void> {
  try {
    if (limited && spec.user) {
      // A job that runs (or ran) under this name is adopted whatever its user runs besides it.
      const existing = await runner.describe(jobName);
      if (existing && existing.status !== 'Lost') throw new JobAlreadyExists(jobName);
      await limited(spec.user, () => runner.start(jobName, spec));
    } else {
      await runner.start(jobName, spec);
    }
    gpuJobStarted(spec.kind);
  } catch (err) {
    if (!(err instanceof JobAlreadyExists)) throw err;
  }
}

function outcome(job: JobDescription): GpuJobResult | undefined {
  switch (job.status) {
    case 'Completed': {
      const seconds = (Date.parse(job.endedAt ?? new Date().toISOString()) - Date.parse(job.startedAt)) / 1000;
      gpuJobCompleted(job.kind, seconds);
      return { jobName: job.name, outputs: job.outputs ?? [], starts: job.starts, seconds };
    }
    case 'Failed':
      throw jobFailed(`${job.kind} job ${job.name} failed: ${job.failureReason ?? 'no reason given'}`, job);
    case 'Stopped':
      throw jobFailed(`${job.kind} job ${job.name} stopped without being asked`, job);
    default:
      return undefined;
  }
}
