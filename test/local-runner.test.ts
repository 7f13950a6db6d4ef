// The local GPU-job runner and the runGpuJob activity around it, with a stand-in job program.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuJobRequest, GpuJobResult } from '../contracts/gpu-jobs';
import { LocalJobRunner } from '../activities/gpu/local-runner';
import { jobNameFor } from '../activities/gpu/job-name';
import { LocalStorage } from '../activities/storage/local';
import { countingJob as jobProgram } from './helpers/counting-job';
import { gpuActivityEnv, runGpuJobIn } from './helpers/gpu-activity';

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

const runIn = (env: MockActivityEnvironment, req: GpuJobRequest): Promise<GpuJobResult> => runGpuJobIn(env, runner, req, 50);
/** A 40-step job of `workflowId` whose worker shuts down once it has heartbeated: the attempt's end, and the job's name. */
async function shutDownWhileRunning(workflowId: string): Promise<{ name: string; ended: unknown }> {
  const { env, beats } = gpuActivityEnv(workflowId);
  const running = runIn(env, request('sum', { STEPS: '40' })).catch((e: unknown) => e);
  while (!beats.length) await new Promise((r) => setTimeout(r, 20));
  env.cancel('WORKER_SHUTDOWN', new ActivityCancellationDetails({ workerShutdown: true }));
  return { name: jobNameFor(workflowId, 'sum', 1), ended: await running };
}

const processesOf = (name: string) => {
  try {
    return execFileSync('pgrep', ['-f', join(dir, 'jobs', name)]).toString().trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};

describe('runGpuJob on the local runner', () => {
  it('runs the job, heartbeats its progress, and returns its outputs from storage', async () => {
    const { env, beats } = gpuActivityEnv('video-a');
    const result = await runIn(env, request('sum', { STEPS: '8' }));
    expect(result.outputs).toEqual(['out/sum/sum.txt']);
    expect(result.starts).toBe(1);
    expect(await readFile(storage.localPath('out/sum/sum.txt'), 'utf8')).toBe('10');
    const progress = beats.map((b) => b.progress);
    expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
    expect(beats.every((b) => b.jobName === jobNameFor('video-a', 'sum', 1))).toBe(true);
  });

  it('adopts the job of the same name on a retry instead of starting another', async () => {
    const first = gpuActivityEnv('video-b');
    const second = gpuActivityEnv('video-b');
    const [a, b] = await Promise.all([runIn(first.env, request('sum', { STEPS: '10' })), runIn(second.env, request('sum', { STEPS: '10' }))]);
    expect([a.jobName, a.outputs, a.starts]).toEqual([b.jobName, b.outputs, 1]);
  });

  it('fails without retry, with the reason the job wrote', async () => {
    const { env } = gpuActivityEnv('video-c');
    const err = await runIn(env, request('sum', { STEPS: '2', FAIL_WITH: 'the tracks are upside down' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toMatch(/the tracks are upside down/);
  });

  it('stops the job when the activity is cancelled, and removes its partial outputs', async () => {
    const { env, beats } = gpuActivityEnv('video-d');
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
    const { name, ended } = await shutDownWhileRunning('video-e');
    expect(ended).toBeInstanceOf(CancelledFailure);
    expect(processesOf(name)).toBeGreaterThan(0);
    const retry = gpuActivityEnv('video-e');
    const result = await runIn(retry.env, request('sum', { STEPS: '40' }));
    expect(result.starts).toBe(1);
  });

  it('adopts the process of a launch whose worker died before recording it, running or ended, instead of starting another', async () => {
    for (const [workflowId, waitForExit] of [['video-g', false], ['video-h', true]] as const) {
      const { name } = await shutDownWhileRunning(workflowId);
      const jobDir = join(dir, 'jobs', name);
      const { pid } = JSON.parse(await readFile(join(jobDir, 'state.json'), 'utf8')) as { pid: number };
      while (waitForExit && processesOf(name) > 0) await new Promise((r) => setTimeout(r, 20));
      await rm(join(jobDir, 'state.json'));
      const result = await runIn(gpuActivityEnv(workflowId).env, request('sum', { STEPS: '40' }));
      expect(result.starts).toBe(1);
      expect(JSON.parse(await readFile(join(jobDir, 'state.json'), 'utf8'))).toMatchObject({ pid, status: 'Completed' });
    }
  });

  it('starts a job again whose process vanished without an exit code, once', async () => {
    const { name } = await shutDownWhileRunning('video-f');
    const state = JSON.parse(await readFile(join(dir, 'jobs', name, 'state.json'), 'utf8')) as { pid: number };
    process.kill(-state.pid, 'SIGKILL');
    while (processesOf(name) > 0) await new Promise((r) => setTimeout(r, 20));
    const retries = [gpuActivityEnv('video-f'), gpuActivityEnv('video-f')];
    const results = await Promise.all(retries.map((r) => runIn(r.env, request('sum', { STEPS: '10' }))));
    expect(results.map((r) => r.starts)).toEqual([2, 2]);
  });
});
