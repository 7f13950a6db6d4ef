// The retraining workflow on Temporal's time-skipping server, with the real activities over a
// temporary storage directory and a GPU-job runner whose training jobs score each candidate by the
// number in its weight file's name (w-0.70.pt scores 0.70). Virtual time passes only while no
// activity runs (the test server holds its clock during activities), so the jobs end at once,
// except one that must still be running when it is cancelled.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import * as tar from 'tar';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../activities';
import type { JobSpec } from '../contracts/gpu-jobs';
import type { ModelKind } from '../contracts/models';
import { readRegistry } from '../activities/registry';
import { LocalStorage } from '../activities/storage/local';
import { RetrainingService } from '../client/retraining-service';
import { workflowsPath } from '../workers/tools';
import { gpuTaskQueue } from '../contracts/video-commentary';
import {
  retrainingStateQuery, retrainingWorkflowId, weightsArrivedSignal, weightsIdentity, type RetrainingState, type WeightsArrived,
} from '../contracts/retraining';
import { FakeRunner, type FakeJob } from './helpers/fake-runner';
import { noRetraining } from './helpers/retraining';
import { timeSkippingEnv } from './helpers/temporal';

const minute = 60_000;
const hour = 60 * minute;
const kind: ModelKind = 'action';
const builtinScore = 0.5;

let env: TestWorkflowEnvironment;
let dir: string;
let storage: LocalStorage;
let runner: FakeRunner;
let service: RetrainingService;
let taskQueue: string;
let stopWorkers: () => Promise<void>;
let queueNumber = 0;

/** The candidate scores what its file's name says; the current model what its own file said. */
const scoreOfKey = (key: string | undefined): number => {
  const match = key ? /(\d\.\d+)\.pt$/.exec(key) : null;
  return match ? Number(match[1]) : builtinScore;
};
const scoreOfVersion = new Map<string, number>();

function trainedModel(spec: JobSpec): Buffer {
  const version = spec.hyperparameters!.version!;
  const candidate = scoreOfKey(spec.inputs.pretrained);
  scoreOfVersion.set(version, candidate);
  const currentVersion = spec.inputs.current ? /models\/action\/(\d+)\//.exec(spec.inputs.current)![1]! : undefined;
  const current = currentVersion ? scoreOfVersion.get(currentVersion)! : builtinScore;
  const work = mkdtempSync(join(dir, 'model-'));
  writeFileSync(join(work, 'model.json'), JSON.stringify({ version, params: {} }));
  writeFileSync(join(work, 'metrics.json'), JSON.stringify({ kind, metric: 'f1', candidate: { f1: candidate }, current: { f1: current } }));
  tar.create({ gzip: true, sync: true, cwd: work, file: join(work, 'model.tar.gz') }, ['model.json', 'metrics.json']);
  return readFileSync(join(work, 'model.tar.gz'));
}

function plan(spec: JobSpec): FakeJob {
  if (spec.inputs.pretrained?.endsWith('bad.pt')) return { durationMs: 0, outputs: {}, failureReason: 'pretrained weights bad.pt are not a BING action model: not valid JSON' };
  return { durationMs: spec.inputs.pretrained?.endsWith('slow.pt') ? hour : 0, outputs: { 'model.tar.gz': trainedModel(spec) } };
}

beforeAll(async () => {
  env = await timeSkippingEnv();
});

afterAll(async () => {
  await env?.teardown();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bing-retrain-'));
  storage = new LocalStorage(join(dir, 'storage'));
  await storage.put('training/action/clip-1/tracks.json', '{}');
  runner = new FakeRunner(storage, async () => env.currentTimeMs(), plan);
  taskQueue = `retrain-${++queueNumber}`;
  service = new RetrainingService(env.client, { ...noRetraining, taskQueue });
  const activities = createActivities({ storage, runner, jobPolling: { intervalMs: 20 } });
  const { runGpuJob, ...light } = activities;
  const main = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities: light });
  const gpu = await Worker.create({ connection: env.nativeConnection, taskQueue: gpuTaskQueue(taskQueue), activities: { runGpuJob }, maxHeartbeatThrottleInterval: '1ms' });
  const running = Promise.all([main.run(), gpu.run()]);
  stopWorkers = async () => {
    main.shutdown();
    gpu.shutdown();
    await running;
  };
});

afterEach(async () => {
  await env.client.workflow.getHandle(retrainingWorkflowId(kind)).terminate('test over').catch(() => undefined);
  await stopWorkers();
  rmSync(dir, { recursive: true, force: true });
});

let eventSeconds = 0;
async function arrive(name: string, extra: Partial<WeightsArrived> = {}): Promise<WeightsArrived> {
  const key = `models/incoming/action/${name}`;
  if (!(await storage.head(key))) await storage.put(key, `weights ${name}`);
  const file = { key, etag: name, size: 10, eventTime: new Date(Date.UTC(2026, 10, 25, 10, 0, eventSeconds++)).toISOString(), ...extra };
  await service.weightsArrived(kind, file);
  return file;
}

const state = (): Promise<RetrainingState> => env.client.workflow.getHandle(retrainingWorkflowId(kind)).query(retrainingStateQuery);

const trainingJobs = () => [...runner.jobs.values()].filter((j) => j.kind === 'train');

/**
 * Lets virtual time pass until the workflow has an outcome for `file`, no training running and
 * nothing queued. A query can answer before the workflow has handled the signal that brought
 * `file`, so an earlier outcome does not count. While a training job runs, its activity moves the
 * clock between polls; the test only watches the runner, since queries while it runs would hold
 * the time-skipping server's clock.
 */
async function settle(file: WeightsArrived): Promise<RetrainingState> {
  const decided = (s: RetrainingState) => s.recent.some((o) => o.file.key === file.key && o.file.etag === file.etag);
  for (;;) {
    const s = await state();
    if (!s.running && s.queued.length === 0 && decided(s)) return s;
    if (!s.running) {
      await env.sleep(minute);
      continue;
    }
    const job = () => runner.jobs.get(s.running!.jobName);
    while (job()?.status !== 'Completed' && job()?.status !== 'Failed') await sleep(50);
    await sleep(500);
  }
}

describe('retraining workflow', () => {
  it('trains once for a burst inside the debounce window, on the newest file, and again for a file after it', async () => {
    await arrive('w-0.60.pt');
    await env.sleep(2 * minute);
    await arrive('w-0.65.pt');
    await env.sleep(2 * minute);
    let s = await settle(await arrive('w-0.70.pt'));
    expect(trainingJobs()).toHaveLength(1);
    expect(trainingJobs()[0]!.spec.inputs.pretrained).toBe('models/action/2/weights/w-0.70.pt');
    expect(s.recent.map((o) => o.result)).toEqual(['promoted', 'superseded', 'superseded']);

    s = await settle(await arrive('w-0.90.pt'));
    expect(trainingJobs()).toHaveLength(2);
    expect((await readRegistry(storage, kind)).current).toBe('3');
    expect(s.trainings).toBe(2);
  });

  it('the storm: one event 100 times and three other files in the window give exactly one training, on the newest', async () => {
    const repeated = await arrive('w-0.55.pt');
    await Promise.all(Array.from({ length: 100 }, () => service.weightsArrived(kind, repeated)));
    await arrive('w-0.60.pt');
    await arrive('w-0.61.pt');
    const newest = await arrive('w-0.62.pt');
    const s = await settle(newest);
    expect(trainingJobs()).toHaveLength(1);
    expect(trainingJobs()[0]!.spec.inputs.pretrained).toBe('models/action/2/weights/w-0.62.pt');
    expect(s.recent.filter((o) => o.result !== 'superseded').map((o) => o.file.key)).toEqual([newest.key]);
    expect(s.recent.filter((o) => o.result === 'superseded')).toHaveLength(3);
  });

  it('keeps a registry history of three promotions and one rejected candidate with the reason', async () => {
    for (const name of ['w-0.60.pt', 'w-0.70.pt', 'w-0.65.pt', 'w-0.80.pt']) {
      await settle(await arrive(name));
    }
    const registry = await readRegistry(storage, kind);
    expect(registry.versions.map((v) => [v.version, v.status, v.source.key.split('/').pop()])).toEqual([
      ['2', 'promoted', 'w-0.60.pt'], ['3', 'promoted', 'w-0.70.pt'], ['4', 'rejected', 'w-0.65.pt'], ['5', 'promoted', 'w-0.80.pt'],
    ]);
    expect(registry.versions[2]!.reason).toBe('candidate f1 0.650 vs current 0.700 + margin 0.01: not better by the margin');
    expect(registry.current).toBe('5');
    expect(await storage.head('models/action/5/model.tar.gz')).toBeDefined();
  });

  it('a bad weight file fails with its reason and leaves the registry unchanged; the next good file trains normally', async () => {
    await settle(await arrive('w-0.60.pt'));
    const before = await readRegistry(storage, kind);
    let s = await settle(await arrive('bad.pt'));
    expect(s.recent[0]).toMatchObject({ result: 'failed', file: { key: 'models/incoming/action/bad.pt' } });
    expect(s.recent[0]!.reason).toContain('pretrained weights bad.pt are not a BING action model');
    expect(await readRegistry(storage, kind)).toEqual(before);
    s = await settle(await arrive('w-0.75.pt'));
    expect(s.recent[0]).toMatchObject({ result: 'promoted', version: '3' });
  });

  it('takes over what the run before it carried through continue-as-new: seen files, queue, results, pause', async () => {
    const seenBefore = { key: 'models/incoming/action/w-0.60.pt', etag: 'w-0.60.pt', size: 10, eventTime: '2026-11-25T09:00:00.000Z' };
    const queued = { key: 'models/incoming/action/w-0.70.pt', etag: 'w-0.70.pt', size: 10, eventTime: '2026-11-25T09:30:00.000Z' };
    await storage.put(queued.key, 'weights');
    const handle = await env.client.workflow.start('retraining', {
      taskQueue, workflowId: retrainingWorkflowId(kind),
      args: [{
        kind, debounce: '5m', margin: 0.01, trainingData: 'training/action/',
        carried: { seen: [weightsIdentity(seenBefore), weightsIdentity(queued)], queued: [queued], recent: [], paused: true, trainings: 7 },
      }],
    });
    await handle.signal(weightsArrivedSignal, seenBefore);
    expect(await state()).toMatchObject({ paused: true, trainings: 7, queued: [{ key: queued.key }] });
    await service.setPaused(kind, false);
    const s = await settle(queued);
    expect(s.recent.map((o) => [o.result, o.file.key])).toEqual([['promoted', queued.key]]);
    expect(s.trainings).toBe(8);
    expect(trainingJobs()).toHaveLength(1);
  });

  it('waits while paused, trains after resume, and a cancel stops the running training job', async () => {
    await arrive('slow.pt');
    await service.setPaused(kind, true);
    await env.sleep(30 * minute);
    expect(trainingJobs()).toHaveLength(0);
    expect(await state()).toMatchObject({ paused: true, queued: [{ key: 'models/incoming/action/slow.pt' }] });
    await service.setPaused(kind, false);
    const handle = env.client.workflow.getHandle(retrainingWorkflowId(kind));
    while (trainingJobs().length === 0) await sleep(50);
    expect(trainingJobs()[0]!.status).toBe('InProgress');
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    expect(trainingJobs()[0]!.status).toBe('Stopped');
  });
});
