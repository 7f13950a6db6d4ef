// The videoCommentary workflow on Temporal's time-skipping server, with real activities over a
// temporary storage directory and a GPU-job runner whose jobs take hours of virtual time.
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../activities/storage/local';
import { incomingKey, progressQuery, uploadCompletedSignal, type VideoCommentaryInput } from '../contracts/video-commentary';
import { fakeActions, fakeTracks, FakeRunner, type FakeJob } from './helpers/fake-runner';
import { scratchDir } from './helpers/scratch';
import { timeSkippingEnv } from './helpers/temporal';
import { testPattern } from './helpers/videos';
import { runWithVideoWorkers, storedUpload } from './helpers/video-workers';

const hour = 3_600_000;

const dir = scratchDir('wf');
const storage = new LocalStorage(join(dir, 'storage'));
let env: TestWorkflowEnvironment;
let runner: FakeRunner;

beforeAll(async () => {
  env = await timeSkippingEnv();
  runner = new FakeRunner(storage, async () => env.currentTimeMs(), (spec): FakeJob =>
    spec.kind === 'mot'
      ? { durationMs: 6 * hour, outputs: { 'tracks.json': fakeTracks, 'tracks.txt': '' } }
      : { durationMs: 0, outputs: { 'actions.json': fakeActions } });
});

afterAll(async () => {
  await env?.teardown();
});

const runWithWorkers = <T>(taskQueue: string, fn: () => Promise<T>): Promise<T> => runWithVideoWorkers(env, { storage, runner }, taskQueue, fn);
const upload = (videoId: string, file: string | Buffer) => storedUpload(storage, videoId, file);

const input = (videoId: string): VideoCommentaryInput => ({ videoId, userId: 'alice', fileName: 'clip.mp4', language: 'en', uploadTimeout: '24h' });

describe('videoCommentary', () => {
  it('runs a six-hour GPU job in virtual time and delivers the manifest', async () => {
    const video = await testPattern(join(dir, 'clip.mp4'));
    const manifest = await runWithWorkers('wf-long-job', async () => {
      const handle = await env.client.workflow.start('videoCommentary', { taskQueue: 'wf-long-job', workflowId: 'video-long1', args: [input('long1')] });
      await handle.signal(uploadCompletedSignal, await upload('long1', video));
      const result = await handle.result();
      expect((await handle.query(progressQuery)).stage).toBe('done');
      return result;
    });
    expect(manifest.stageSeconds.mot).toBeGreaterThanOrEqual(6 * 3600);
    expect(manifest.source.facts).toMatchObject({ width: 160, height: 120, codec: 'h264' });
    expect(manifest.summary).toMatchObject({ tracks: 2, events: 1, lines: 1 });
    expect(await storage.head(manifest.results.commentaryVtt)).toBeDefined();
    const motJob = [...runner.jobs.values()].find((j) => j.kind === 'mot')!;
    expect(motJob.starts).toBe(1);
    expect(runner.startCalls.filter((n) => n === motJob.name)).toHaveLength(1);
  });

  it('fails a file that is not a video with the reason, and removes it', async () => {
    const failure = await runWithWorkers('wf-not-video', async () => {
      const handle = await env.client.workflow.start('videoCommentary', { taskQueue: 'wf-not-video', workflowId: 'video-notvideo1', args: [input('notvideo1')] });
      await handle.signal(uploadCompletedSignal, await upload('notvideo1', Buffer.from('this is a text file, not a video')));
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const progress = await handle.query(progressQuery);
      expect(progress.stage).toBe('failed');
      expect(progress.stages.ingest.state).toBe('failed');
      return progress.error;
    });
    expect(failure).toBe('not a readable video: Invalid data found when processing input');
    expect(await storage.head(incomingKey('notvideo1'))).toBeUndefined();
  });
});
