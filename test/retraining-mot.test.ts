// MOT retraining end to end on the local stack as `npm start` runs it: labelled sequences under
// training/mot/ and a MOT weight file written under models/incoming/mot/ (the local door) go through
// the retraining workflow, the reference training job and the promotion gate into the registry; a
// video request afterwards records the new version and its MOT job runs that model's settings. The
// deployment starts with a current version 2 whose thresholds are far too strict for its camera.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tar from 'tar';
import { updateRegistry } from '../activities/registry';
import { modelKey } from '../contracts/models';
import type { Registry } from '../contracts/registry';
import { LocalStorage } from '../activities/storage/local';
import { jobNameFor } from '../activities/gpu/job-name';
import { videoWorkflowId } from '../common/ids';
import { motModelFromFile } from '../jobs/mot/model';
import { DEFAULT_MOT_SETTINGS, type MotSettings } from '../jobs/mot/settings';
import { searchAttributes } from '../contracts/video-commentary';
import { makeClip } from './fixtures/clip';
import { writeMotSequences } from './fixtures/training/mot-sequences';
import { LocalStack } from './helpers/stack';

let stack: LocalStack;
let objects: string;

/** Thresholds lower than the built-in model's and a track from its first match, as these low frame-rate clips need. */
const UPSTREAM = { name: 'upstream-mot', version: 'u1', settings: { people: { tracker: { minHits: 1, highScore: 0.11, lowScore: 0.05, newTrackScore: 0.125 } } } };
/** The version in use: only the surest detections start tracks, and only after six matches. */
const STRICT = { name: 'site-mot', version: '2', settings: { people: { tracker: { highScore: 0.6, newTrackScore: 0.7, minHits: 6 } } } };

/** Version 2, STRICT, as a promoted training would have left it: its archive and its registry entry. */
async function installCurrentModel(): Promise<void> {
  const storage = new LocalStorage(join(stack.dataDir, 'storage'));
  const work = join(stack.dataDir, 'strict-model');
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'model.json'), JSON.stringify(STRICT));
  tar.create({ gzip: true, sync: true, cwd: work, file: join(work, 'model.tar.gz') }, ['model.json']);
  await storage.upload(join(work, 'model.tar.gz'), modelKey('mot', '2'));
  await updateRegistry(storage, 'mot', (registry) => ({
    ...registry,
    current: '2',
    versions: [{
      version: '2', status: 'promoted', reason: 'installed by the test', source: { key: 'models/incoming/mot/site.pt', size: 1, eventTime: new Date().toISOString() },
      model: modelKey('mot', '2'), metrics: { metric: 'idf1_hota', candidate: { idf1_hota: 0.5 }, current: { idf1_hota: 0.4 } }, trainingJob: 'site', createdAt: new Date().toISOString(),
    }],
  }));
}

beforeAll(async () => {
  stack = await LocalStack.create({
    BING_RETRAIN_DEBOUNCE: '1s',
    BING_RETRAIN_MARGIN: '0',
    // One sweep of the search, stopped by its rounds rather than a clock: the same result every time.
    BING_TRAIN_HYPERPARAMETERS: JSON.stringify({ rounds: '1', max_seconds: '3600', seed: '2' }),
  });
  objects = join(stack.dataDir, 'storage', 'objects');
  await writeMotSequences({ out: join(objects, 'training', 'mot'), count: 3, seconds: 3, players: 6 });
  await installCurrentModel();
  await stack.start();
}, 300_000);

afterAll(async () => {
  await stack?.dispose();
});

async function until<T>(what: string, read: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms:\n${stack.log.slice(-4000)}`);
    await sleep(500);
  }
}

describe('MOT retraining through the local door', () => {
  it('trains a MOT model from labelled sequences, promotes it with its scores, and the next request runs it', async () => {
    const incoming = join(objects, 'models', 'incoming', 'mot');
    mkdirSync(incoming, { recursive: true });
    writeFileSync(join(incoming, 'mot-upstream.pt'), JSON.stringify(UPSTREAM));

    const registryFile = join(objects, 'models', 'mot', 'registry.json');
    const registry = await until('the MOT candidate\'s record', () => {
      if (!existsSync(registryFile)) return undefined;
      const r = JSON.parse(readFileSync(registryFile, 'utf8')) as Registry;
      return r.versions.length > 1 ? r : undefined;
    }, 600_000);
    const entry = registry.versions[1];
    console.log(`MOT version ${entry!.version}: ${entry!.status}, ${entry!.reason}; held-out ${JSON.stringify(entry!.metrics)}`);
    expect(entry).toMatchObject({ version: '3', status: 'promoted', model: 'models/mot/3/model.tar.gz', source: { key: 'models/incoming/mot/mot-upstream.pt' } });
    expect(entry!.reason).toMatch(/candidate idf1_hota 0\.\d{3} vs current 0\.\d{3}/);
    expect(entry!.metrics).toMatchObject({ kind: 'mot', metric: 'idf1_hota', examples: { train: 2, heldOut: 1 } });
    for (const which of ['candidate', 'current'] as const) expect(Object.keys(entry!.metrics[which]).sort()).toEqual(['hota', 'idf1', 'idf1_hota', 'mota']);
    expect(entry!.metrics.candidate.idf1_hota).toBeGreaterThanOrEqual(entry!.metrics.current.idf1_hota!);
    expect(registry.current).toBe('3');

    const clip = await makeClip({ seed: 601, outDir: join(stack.dataDir, 'clip'), seconds: 3, width: 640, height: 360, fps: 10, players: 6 });
    const videoId = await stack.upload(clip.videoPath, 'erin');
    const status = await stack.waitFor(videoId, 'erin', (s) => s.status !== 'running', 300_000);
    expect(status.status, status.error).toBe('completed');
    expect(status.result!.models).toEqual({ mot: '3', action: 'builtin' });
    const manifest = JSON.parse(readFileSync(join(objects, 'results', videoId, 'manifest.json'), 'utf8')) as { models: Record<string, string> };
    expect(manifest.models.mot).toBe('3');
    const { client, close } = await stack.temporalClient();
    try {
      const described = await client.workflow.getHandle(videoWorkflowId(videoId)).describe();
      expect(described.typedSearchAttributes.get(searchAttributes.modelVersions)).toContain('mot:3');
    } finally {
      await close();
    }

    // The MOT job ran version 3 with the settings training wrote into it.
    const trained = motModelFromFile(join(objects, 'models', 'mot', '3', 'model.tar.gz'), 'model.tar.gz');
    expect(trained.settings.people).not.toEqual(DEFAULT_MOT_SETTINGS.people);
    const tracks = JSON.parse(readFileSync(join(objects, 'results', videoId, 'tracks.json'), 'utf8')) as { detector: { model: unknown; settings: MotSettings } };
    expect(tracks.detector.model).toEqual({ name: 'upstream-mot', version: '3' });
    expect(tracks.detector.settings).toEqual(trained.settings);
    const log = readFileSync(join(stack.dataDir, 'jobs', jobNameFor(videoWorkflowId(videoId), 'mot', 1), 'stderr.log'), 'utf8');
    const settingsLine = /^mot: model upstream-mot version 3; settings (\{.*\})$/m.exec(log);
    expect(settingsLine, log).not.toBeNull();
    expect(JSON.parse(settingsLine![1]!)).toEqual(trained.settings);
  }, 900_000);
});
