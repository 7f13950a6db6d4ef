// A video longer than BING_SEGMENT_SECONDS under `npm start`, as a user runs it: processed in
// overlapping segments on two GPU slots, stitched into the same result files as a whole-video run,
// cancelled with every segment job stopped, and finished through a kill -9 of its worker with no
// job started twice.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../activities/storage/local';
import type { VideoStatus } from '../client/videos-service';
import { makeClip } from './fixtures/clip';
import { LocalStack } from './helpers/stack';

const run = promisify(execFile);

let stack: LocalStack;
let clip: string;

beforeAll(async () => {
  stack = await LocalStack.create({ BING_SEGMENT_SECONDS: '10', BING_GPU_SLOTS: '2', BING_MAX_PARALLEL_SEGMENTS: '2' });
  // 34 s in 10 s segments overlapping by 4 s: [0, 14), [10, 24), [20, 34).
  clip = (await makeClip({ seed: 105, outDir: join(stack.dataDir, 'clip'), seconds: 34 })).videoPath;
  await stack.start();
}, 300_000);

afterAll(async () => {
  await stack?.dispose();
});

const user = 'sam';
const ended = (s: VideoStatus) => s.status !== 'running';
const waitFor = (videoId: string, done: (s: VideoStatus) => boolean, timeoutMs?: number) => stack.waitFor(videoId, user, done, timeoutMs);

interface JobRow { name: string; status: string; starts: number }
async function jobsOf(videoId: string): Promise<JobRow[]> {
  const { jobs } = (await (await stack.api('/v1/jobs', user)).json()) as { jobs: JobRow[] };
  return jobs.filter((j) => j.name.startsWith(`video-${videoId}-`)).sort((a, b) => a.name.localeCompare(b.name));
}

const segmentJobs = (videoId: string, status: string) =>
  ['action-s0', 'action-s1', 'action-s2', 'mot-s0', 'mot-s1', 'mot-s2'].map((step) => ({ name: `video-${videoId}-${step}-1`, status, starts: 1 }));

const twoSegmentsTracking = (s: VideoStatus) => (s.segments?.filter((g) => g.mot === 'running').length ?? 0) >= 2 || ended(s);

describe('a video longer than a segment', () => {
  it('is processed in three overlapping segments, two at once, into the same result files, each box and line once', async () => {
    const videoId = await stack.upload(clip, user);
    const firstCommented = await waitFor(videoId, (s) => s.segments?.some((g) => g.commentaryKey) || ended(s), 300_000);
    expect(firstCommented.status).toBe('running');
    const partial = await stack.api(`/v1/videos/${videoId}/commentary`, user);
    expect(partial.status).toBe(200);
    expect(await partial.json()).toMatchObject({ partial: true, segments: { total: 3 } });
    const status = await waitFor(videoId, ended, 300_000);
    expect(status.status, status.error).toBe('completed');
    expect(status.segments?.map((s) => [s.index, s.startSeconds, s.endSeconds, s.mot, s.action, s.commentary]))
      .toEqual([[0, 0, 14, 'done', 'done', 'done'], [1, 10, 24, 'done', 'done', 'done'], [2, 20, 34, 'done', 'done', 'done']]);
    expect(await jobsOf(videoId)).toEqual(segmentJobs(videoId, 'Completed').map((j) => expect.objectContaining(j)));

    const storage = new LocalStorage(join(stack.dataDir, 'storage'));
    const read = async (key: string) => text(await storage.get(key));
    const { results } = status.result!;
    const rows = (await read(results.tracksTxt)).trim().split('\n').map((line) => line.split(',').map(Number));
    const boxes = new Set(rows.map(([frame, id]) => `${frame}/${id}`));
    expect(boxes.size).toBe(rows.length);
    const frames = rows.map(([frame]) => frame!);
    expect(Math.min(...frames)).toBeLessThanOrEqual(25);
    expect(Math.max(...frames)).toBeGreaterThan(33 * 25);
    const actions = JSON.parse(await read(results.actions)) as { events: { id: string; start: number }[] };
    expect(new Set(actions.events.map((e) => e.id)).size).toBe(actions.events.length);
    const commentary = JSON.parse(await read(results.commentary)) as { lines: { start: number; eventIds: string[] }[] };
    expect(commentary.lines.length).toBe(status.result!.summary.lines);
    expect(commentary.lines.map((l) => l.start)).toEqual([...commentary.lines.map((l) => l.start)].sort((a, b) => a - b));
    const eventIds = new Set(actions.events.map((e) => e.id));
    for (const line of commentary.lines) for (const id of line.eventIds) expect(eventIds).toContain(id);
  }, 400_000);

  it('stops every running segment job within 10 s of a cancel', async () => {
    const videoId = await stack.upload(clip, user);
    expect((await waitFor(videoId, twoSegmentsTracking, 120_000)).status).toBe('running');
    const asked = Date.now();
    expect((await stack.api(`/v1/videos/${videoId}/cancel`, user, { method: 'POST' })).status).toBe(202);
    const status = await waitFor(videoId, ended, 30_000);
    expect(status).toMatchObject({ status: 'cancelled', stage: 'cancelled' });
    expect(Date.now() - asked).toBeLessThan(10_000);
    const { stdout } = await run('pgrep', ['-f', join(stack.dataDir, 'jobs', `video-${videoId}-`)]).catch(() => ({ stdout: '' }));
    expect(stdout.trim()).toBe('');
    const jobs = await jobsOf(videoId);
    expect(jobs.filter((j) => j.name.includes('-mot-s')).map((j) => j.status)).toEqual(['Stopped', 'Stopped']);
    expect(jobs.every((j) => j.status !== 'InProgress')).toBe(true);
  }, 300_000);

  it('finishes through a kill -9 of its worker while two segment jobs run, no job started twice', async () => {
    const videoId = await stack.upload(clip, user);
    expect((await waitFor(videoId, twoSegmentsTracking, 120_000)).status).toBe('running');
    const worker = await stack.childPid('workers/worker.ts');
    process.kill(worker, 'SIGKILL');
    const status = await waitFor(videoId, ended, 400_000);
    expect(status.status, status.error).toBe('completed');
    expect(await stack.childPid('workers/worker.ts')).not.toBe(worker);
    expect(await jobsOf(videoId)).toEqual(segmentJobs(videoId, 'Completed').map((j) => expect.objectContaining(j)));
  }, 500_000);
});
