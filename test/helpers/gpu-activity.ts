// The runGpuJob activity run outside a worker, in a mock activity context of one workflow, with
// the heartbeats it sends recorded.
import { MockActivityEnvironment } from '@temporalio/testing';
import { createRunGpuJob } from '../../activities/gpu/run-gpu-job';
import type { GpuJobHeartbeat, GpuJobRequest, GpuJobResult } from '../../contracts/gpu-jobs';
import type { GpuJobRunner } from '../../activities/gpu/runner';

export function gpuActivityEnv(workflowId: string): { env: MockActivityEnvironment; beats: GpuJobHeartbeat[] } {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId, runId: 'r1' }, heartbeatTimeoutMs: 30_000 });
  const beats: GpuJobHeartbeat[] = [];
  env.on('heartbeat', (d: GpuJobHeartbeat) => beats.push(d));
  return { env, beats };
}

/** runGpuJob on `runner`, polling the job every `intervalMs`. */
export const runGpuJobIn = (env: MockActivityEnvironment, runner: GpuJobRunner, request: GpuJobRequest, intervalMs: number): Promise<GpuJobResult> =>
  env.run(createRunGpuJob(runner, { intervalMs }), request);
