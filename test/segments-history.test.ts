// A 3-hour match in segments (#18) keeps the videoCommentary workflow's history and payloads
// bounded without child workflows or continue-as-new: the real workflow on the time-skipping
// server, real activities over local storage, and GPU jobs that write each segment's tracks and
// events from the frames the job was given.
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionsFile } from '../activities/commentary/actions';
import { sourceKey } from '../activities/ingest';
import { LocalStorage } from '../activities/storage/local';
import type { JobSpec } from '../contracts/gpu-jobs';
import { frameCount, planSegments, type SegmentSettings } from '../contracts/segments';
import { progressQuery, type IngestedSource, type VideoCommentaryInput } from '../contracts/video-commentary';
import type { TrackBox, TracksFile } from '../jobs/formats';
import { FakeRunner, type FakeJob } from './helpers/fake-runner';
import { scratchDir } from './helpers/scratch';
import { timeSkippingEnv } from './helpers/temporal';
import { testPattern } from './helpers/videos';
import { runWithVideoWorkers } from './helpers/video-workers';

const fps = 25;
const matchSeconds = 3 * 3600;
const settings: SegmentSettings = { seconds: 120, maxParallel: 4, overlapSeconds: 4 };
const segments = planSegments(frameCount(matchSeconds, fps), fps, settings);
const video = { width: 1280, height: 720, fps, frames: frameCount(matchSeconds, fps), duration: matchSeconds };
const players = 3;
const jobMs = 60_000;

/** What the design allows: a handful of activities per segment, each a few events and workflow tasks, plus the request's own stages. */
const maxEventsPerSegment = 50;
const maxOtherEvents = 200;
const maxPayloadBytes = 256 * 1024;

/** Player p's box on a 1-based frame: the same in every segment that reads the frame, so the overlap joins the tracks. */
const box = (p: number, frame: number): TrackBox => ({ frame, x: 100 + 300 * p + 80 * Math.sin(frame / 500), y: 300, w: 40, h: 90, score: 0.9 });

/** A segment MOT job's tracks: every player on every tenth frame it read, numbered its own way (reversed in odd segments). */
function segmentTracks(spec: JobSpec): TracksFile {
  const first = Number(spec.environment?.BING_FIRST_FRAME);
  const end = Number(spec.environment?.BING_END_FRAME);
  const frames = Array.from({ length: end - first }, (_, i) => first + 1 + i).filter((f) => f % 10 === 0);
  const index = segments.findIndex((s) => s.firstFrame === first && s.endFrame === end);
  return {
    video, segment: { firstFrame: first, endFrame: end }, detector: { name: 'fake' },
    tracks: Array.from({ length: players }, (_, p) => ({
      id: index % 2 ? players - p : p + 1, class: 'person' as const, team: (p % 2) as 0 | 1, color: p % 2 ? [30, 30, 200] : [200, 30, 30],
      boxes: frames.map((f) => box(p, f)),
    })),
  };
}

/** A segment action job's events: two inside the segment's core, between the players' global ids. */
function segmentActions(spec: JobSpec): ActionsFile {
  const index = Number(/segments\/(\d+)\/$/.exec(spec.outputs.actions!)![1]);
  const from = segments[index]!.coreFirstFrame / fps;
  return {
    video, model: { name: 'fake', version: '1' },
    events: [
      { id: 'e1', start: from + 10, end: from + 11, trackIds: [1, 2], action: 'pass', confidence: 0.9 },
      { id: 'e2', start: from + 60, end: from + 62, trackIds: [3], action: 'dribble', confidence: 0.8 },
    ],
  };
}

const dir = scratchDir('segments-history');
const storage = new LocalStorage(join(dir, 'storage'));
let env: TestWorkflowEnvironment;
let runner: FakeRunner;

beforeAll(async () => {
  env = await timeSkippingEnv();
  runner = new FakeRunner(storage, async () => env.currentTimeMs(), (spec): FakeJob => ({
    durationMs: jobMs,
    outputs: spec.kind === 'mot' ? { 'tracks.json': JSON.stringify(segmentTracks(spec)) } : { 'actions.json': JSON.stringify(segmentActions(spec)) },
  }));
});

afterAll(async () => {
  await env?.teardown();
});

describe('a 3-hour match in 120 s segments', () => {
  it('completes all 90 segments with a bounded history, every event and the progress under 256 KB, each job started once', async () => {
    expect(segments).toHaveLength(90);
    const videoId = 'match3h';
    const userId = 'alice';
    // The stored source is a short real video (speech reads it); its facts say a 3-hour match, which is what the segments are cut from.
    const stored = await storage.upload(await testPattern(join(dir, 'clip.mp4')), sourceKey(userId, videoId));
    const source: IngestedSource = {
      key: sourceKey(userId, videoId), size: stored.size, sha256: stored.sha256,
      facts: { durationSeconds: matchSeconds, fps, width: video.width, height: video.height, codec: 'h264', container: 'mp4' },
    };
    const input: VideoCommentaryInput = { videoId, userId, fileName: 'match.mp4', language: 'en', uploadTimeout: '24h', source, segments: settings };

    const { manifest, progress, history } = await runWithVideoWorkers(env, { storage, runner }, 'segments-history', async () => {
      const handle = await env.client.workflow.start('videoCommentary', { taskQueue: 'segments-history', workflowId: `video-${videoId}`, args: [input] });
      const result = await handle.result();
      return { manifest: result, progress: await handle.query(progressQuery), history: await handle.fetchHistory() };
    });

    expect(progress.stage).toBe('done');
    expect(progress.segments).toHaveLength(90);
    expect(progress.segments!.every((s) => s.mot === 'done' && s.action === 'done' && s.commentary === 'done')).toBe(true);
    // Stitching joined every player's tracks over all 89 boundaries; each segment's two events are in the result once.
    expect(manifest.summary).toMatchObject({ tracks: players, events: 2 * segments.length });

    const events = history.events ?? [];
    const sizes = events.map((e) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length);
    const largest = Math.max(...sizes);
    const largestType = temporal.api.enums.v1.EventType[events[sizes.indexOf(largest)]!.eventType!];
    const progressBytes = Buffer.byteLength(JSON.stringify(progress));
    console.log(`3-hour match, ${segments.length} segments: ${events.length} history events (${(events.length / segments.length).toFixed(1)} a segment), largest event ${largest} bytes (${largestType}), progress ${progressBytes} bytes`);
    expect(events.length).toBeLessThan(maxEventsPerSegment * segments.length + maxOtherEvents);
    expect(events.length).toBeLessThan(10_240);
    expect(largest).toBeLessThan(maxPayloadBytes);
    expect(progressBytes).toBeLessThan(maxPayloadBytes);

    const jobs = [...runner.jobs.values()];
    expect(jobs.filter((j) => j.kind === 'mot')).toHaveLength(segments.length);
    expect(jobs.filter((j) => j.kind === 'action')).toHaveLength(segments.length);
    for (const job of jobs) {
      expect(job.starts).toBe(1);
      expect(runner.startCalls.filter((name) => name === job.name)).toHaveLength(1);
    }
  }, 600_000);
});
