// The local GPU-job runner and the runGpuJob activity around it, with a stand-in job program.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunGpuJob, type GpuJobHeartbeat, type GpuJobRequest, type GpuJobResult } from '../activities/gpu/run-gpu-job';
import { LocalJobRunner } from '../activities/gpu/local-runner';
import { jobNameFor } from '../activities/gpu/job-name';
import { LocalStorage } from '../activities/storage/local';
import { countingJob as jobProgram } from './helpers/counting-job';

let dir: string;
let storage: LocalStorage;
let runner: LocalJobRunner;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bing-runner-'));
  storage = new LocalStorage(join(dir, 'storage'));
  runner = new LocalJobRunner({ jobsDir: join(dir, 'jobs'), storage, commands: { mot: jobProgram, action: jobProgram, train: jobProgram }, stopGraceMs: 2000 });
  await storage.put('in/n.txt', '1 2 3 4');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const request = (step: string, environment: Record<string, string> = {}): GpuJobRequest => ({
  kind: 'mot', step, run: 1, inputs: { numbers: 'in/n.txt' }, outputs: { sum: `out/${step}/` }, environment,
});

function activityEnv(workflowId: string) {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId, runId: 'r1' }, heartbeatTimeoutMs: 30_000 });
  const beats: GpuJobHeartbeat[] = [];
  env.on('heartbeat', (d: GpuJobHeartbeat) => beats.push(d));
  return { env, beats };
}

const runIn = (env: MockActivityEnvironment, req: GpuJobRequest): Promise<GpuJobResult> =>
  env.run(createRunGpuJob(runner, { intervalMs: 50 }), req);
const processesOf = (name: string) => {
  try {
    return execFileSync('pgrep', ['-f', join(dir, 'jobs', name)]).toString().trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};

describe('runGpuJob on the local runner', () => {
  it('runs the job, heartbeats its progress, and returns its outputs from storage', async () => {
    const { env, beats } = activityEnv('video-a');
    const result = await runIn(env, request('sum', { STEPS: '8' }));
    expect(result.outputs).toEqual(['out/sum/sum.txt']);
    expect(result.starts).toBe(1);
    expect(await readFile(storage.localPath('out/sum/sum.txt'), 'utf8')).toBe('10');
    const progress = beats.map((b) => b.progress);
    expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
    expect(beats.every((b) => b.jobName === jobNameFor('video-a', 'sum', 1))).toBe(true);
  });

  it('adopts the job of the same name on a retry instead of starting another', async () => {
    const first = activityEnv('video-b');
    const second = activityEnv('video-b');
    const [a, b] = await Promise.all([runIn(first.env, request('sum', { STEPS: '10' })), runIn(second.env, request('sum', { STEPS: '10' }))]);
    expect([a.jobName, a.outputs, a.starts]).toEqual([b.jobName, b.outputs, 1]);
  });

  it('fails without retry, with the reason the job wrote', async () => {
    const { env } = activityEnv('video-c');
    const err = await runIn(env, request('sum', { STEPS: '2', FAIL_WITH: 'the tracks are upside down' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toMatch(/the tracks are upside down/);
  });

  it('stops the job when the activity is cancelled, and removes its partial outputs', async () => {
    const { env, beats } = activityEnv('video-d');
    const name = jobNameFor('video-d', 'sum', 1);
    const running = runIn(env, request('sum', { STEPS: '1000' })).catch((e: unknown) => e);
    while (!beats.some((b) => b.progress > 0)) await new Promise((r) => setTimeout(r, 20));
    expect(processesOf(name)).toBeGreaterThan(0);
    env.cancel('CANCELLED', new ActivityCancellationDetails({ cancelRequested: true }));
    expect(await running).toBeInstanceOf(CancelledFailure);
    expect(processesOf(name)).toBe(0);
    expect((await runner.describe(name))?.status).toBe('Stopped');
    expect(await storage.list('out/')).toEqual(['out/sum/sum.txt']);
    expect(await readFile(join(dir, 'jobs', name, 'processing', 'output', 'sum', 'sum.txt')).catch(() => undefined)).toBeUndefined();
  });

  it('leaves the job running when the worker shuts down, for the next attempt to adopt', async () => {
    const first = activityEnv('video-e');
    const name = jobNameFor('video-e', 'sum', 1);
    const running = runIn(first.env, request('sum', { STEPS: '40' })).catch((e: unknown) => e);
    while (!first.beats.length) await new Promise((r) => setTimeout(r, 20));
    first.env.cancel('WORKER_SHUTDOWN', new ActivityCancellationDetails({ workerShutdown: true }));
    expect(await running).toBeInstanceOf(CancelledFailure);
    expect(processesOf(name)).toBeGreaterThan(0);
    const retry = activityEnv('video-e');
    const result = await runIn(retry.env, request('sum', { STEPS: '40' }));
    expect(result.starts).toBe(1);
  });

  it('starts a job again whose process vanished without an exit code, once', async () => {
    const first = activityEnv('video-f');
    const name = jobNameFor('video-f', 'sum', 1);
    const running = runIn(first.env, request('sum', { STEPS: '40' })).catch((e: unknown) => e);
    while (!first.beats.length) await new Promise((r) => setTimeout(r, 20));
    first.env.cancel('WORKER_SHUTDOWN', new ActivityCancellationDetails({ workerShutdown: true }));
    await running;
    const state = JSON.parse(await readFile(join(dir, 'jobs', name, 'state.json'), 'utf8')) as { pid: number };
    process.kill(-state.pid, 'SIGKILL');
    while (processesOf(name) > 0) await new Promise((r) => setTimeout(r, 20));
    const retries = [activityEnv('video-f'), activityEnv('video-f')];
    const results = await Promise.all(retries.map((r) => runIn(r.env, request('sum', { STEPS: '10' }))));
    expect(results.map((r) => r.starts)).toEqual([2, 2]);
  });
});
