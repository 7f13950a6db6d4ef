// A long video's results from its segments: stitch every segment, write each one's actions and its
// commentary of its core (the real commentary activity, template backend), assemble, and check the
// whole: one id per player over the video, no frame doubled, every event once, the lines in order,
// the files in the form the MOT job writes them.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsFileSchema, commentaryFileSchema, tracksFileSchema, type ActionsFile, type Commentary, type TracksFile } from '../activities/commentary/actions';
import { templateCommentator } from '../activities/commentary/template';
import { createWriteCommentary } from '../activities/commentary/write-commentary';
import { createAssembleSegments, type AssembleResult } from '../activities/segments/assemble';
import { createStitchSegment } from '../activities/segments/stitch';
import { LocalStorage } from '../activities/storage/local';
import { readJson } from '../activities/storage/storage';
import { segmentPrefix, type Segment } from '../contracts/segments';
import { readMot, score } from '../jobs/mot-metrics';
import { writeTracks } from '../jobs/mot/output';
import { scratchDir } from './helpers/scratch';
import { ballless, followedPlayer, fps, frames, groundTruth, groundTruthEvents, players, segments, segmentTracks, teamOf } from './helpers/segmented-match';
import { syntheticMatch } from './helpers/synthetic-match';

const storage = new LocalStorage(scratchDir('segments-assemble'));
const stitchSegment = createStitchSegment(storage);
const assembleSegments = createAssembleSegments(storage);
const writeCommentary = createWriteCommentary(storage, templateCommentator());
const videoId = 'v-long';
const prefix = `results/${videoId}/run-1/`;
const at = (k: number, name: string) => `${segmentPrefix(prefix, k)}${name}`;
const core = (s: Segment) => ({ from: s.coreFirstFrame / fps, to: s.coreEndFrame / fps });
const text = async (key: string) => Buffer.concat(await (await storage.get(key)).toArray()).toString('utf8');
const failureOf = (promise: Promise<unknown>) => promise.then(() => expect.fail('expected a failure'), (err: unknown) => err as ApplicationFailure);

/** What an action job on segment `k`'s stitched tracks would write: the events it sees, numbered e1.. by itself. */
function segmentActions(segment: Segment, video: TracksFile['video'], globalId: Map<number, number>): ActionsFile {
  const seen = groundTruthEvents().filter((e) => e.start >= segment.firstFrame / fps && e.start < segment.endFrame / fps);
  return {
    video, model: { name: 'synthetic', version: '1' },
    events: seen.map((e, i) => ({ id: `e${i + 1}`, start: e.start, end: e.end, trackIds: e.players.map((p) => globalId.get(p)!), action: e.action, confidence: 0.9 })),
  };
}

describe('assembling three segments', () => {
  let result: AssembleResult;
  let tracks: TracksFile;
  let actions: ActionsFile;
  let commentary: Commentary;
  const segmentCommentary: Commentary[] = [];
  /** Ground-truth player to global id, from the stitched segments. */
  const globalId = new Map<number, number>();

  beforeAll(async () => {
    let nextId = 1;
    for (const segment of segments) {
      const k = segment.index;
      await storage.put(at(k, 'mot/tracks.json'), JSON.stringify(segmentTracks(segment)));
      const stitched = await stitchSegment({
        segment, rawTracksKey: at(k, 'mot/tracks.json'), tracksKey: at(k, 'tracks.json'), nextId,
        ...(k > 0 ? { previous: segments[k - 1]!, previousTracksKey: at(k - 1, 'tracks.json') } : {}),
      });
      nextId = stitched.nextId;
      const file = tracksFileSchema.parse(await readJson(storage, stitched.tracksKey));
      for (const track of file.tracks.filter((t) => t.class === 'person')) globalId.set(followedPlayer(track).player!, track.id);
      await storage.put(at(k, 'actions.json'), JSON.stringify(segmentActions(segment, file.video, globalId)));
      await writeCommentary({
        videoId, actionsKey: at(k, 'actions.json'), tracksKey: stitched.tracksKey, resultsPrefix: segmentPrefix(prefix, k), language: 'en', window: core(segment),
      });
      segmentCommentary.push(commentaryFileSchema.parse(await readJson(storage, at(k, 'commentary.json'))));
    }
    result = await assembleSegments({ resultsPrefix: prefix, segments, videoId });
    tracks = tracksFileSchema.parse(await readJson(storage, result.tracksKey));
    actions = actionsFileSchema.parse(await readJson(storage, result.actionsKey));
    commentary = commentaryFileSchema.parse(await readJson(storage, result.commentaryKey));
  });

  it('gives each player one id over the whole video, with each of their boxes once', () => {
    const people = tracks.tracks.filter((t) => t.class === 'person');
    expect(people).toHaveLength(players);
    expect(result.tracks).toBe(players);
    const truth = groundTruth();
    for (const track of people) {
      const { player, strays } = followedPlayer(track);
      expect(strays, `track ${track.id}`).toBe(0);
      expect(track.id).toBe(globalId.get(player!));
      expect(track.team, `player ${player}`).toBe(teamOf(player!));
      expect(track.boxes.map((b) => b.frame)).toEqual(truth.filter((g) => g.id === player! + 1).map((g) => g.frame));
    }
    const [ball, ...more] = tracks.tracks.filter((t) => t.class === 'ball');
    expect(more).toHaveLength(0);
    const ballFrames = segments.filter((s) => !ballless.has(s.index)).reduce((n, s) => n + s.coreEndFrame - s.coreFirstFrame, 0);
    expect(ball!.boxes).toHaveLength(ballFrames);
    expect(tracks.video).toEqual({ width: 1280, height: 720, fps, frames, duration: frames / fps });
  });

  it('scores perfectly against the ground truth with the project’s MOT metrics', () => {
    const scored = score(groundTruth(), readMot(storage.localPath(result.tracksTxtKey)));
    expect(scored).toMatchObject({ mota: 1, idf1: 1, idSwitches: 0, falseNegatives: 0, falsePositives: 0, gtIds: players, hypIds: players });
  });

  it('writes tracks.json and tracks.txt byte for byte as the MOT job writes them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bing-mot-form-'));
    try {
      writeTracks(dir, { ...tracks, tracks: tracks.tracks.map((t) => ({ ...t })) });
      expect(await text(result.tracksKey)).toBe(await readFile(join(dir, 'tracks.json'), 'utf8'));
      expect(await text(result.tracksTxtKey)).toBe(await readFile(join(dir, 'tracks.txt'), 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps every event once, boundary events included, under ids unique across segments', () => {
    const key = (e: { start: number; action: string; trackIds: number[] }) => `${e.start}:${e.action}:${e.trackIds.join('+')}`;
    const expected = groundTruthEvents().map((e) => key({ ...e, trackIds: e.players.map((p) => globalId.get(p)!) }));
    expect(actions.events.map(key).sort()).toEqual(expected.sort());
    expect(result.events).toBe(expected.length);
    expect(new Set(actions.events.map((e) => e.id)).size).toBe(actions.events.length);
    for (const e of actions.events) {
      const owner = segments.find((s) => core(s).from <= e.start && e.start < core(s).to)!;
      expect(e.id).toMatch(new RegExp(`^s${owner.index}-e\\d+$`));
    }
    expect(actions.video).toEqual(tracks.video);
  });

  it('comments each segment on its core only, with its own phrasing', () => {
    segments.forEach((segment, k) => {
      const own = actionsFileSchema.parse(segmentActions(segment, tracks.video, globalId)).events;
      const lines = segmentCommentary[k]!.lines;
      expect(lines.length).toBeGreaterThan(3);
      for (const id of lines.flatMap((l) => l.eventIds)) {
        const start = own.find((e) => e.id === id)!.start;
        expect(start).toBeGreaterThanOrEqual(core(segment).from);
        expect(start).toBeLessThan(core(segment).to);
      }
    });
  });

  it('merges the segments’ lines in time order, their event ids renamed as the events are', async () => {
    expect(commentary.lines).toHaveLength(segmentCommentary.reduce((n, c) => n + c.lines.length, 0));
    expect(result.lines).toBe(commentary.lines.length);
    for (let i = 1; i < commentary.lines.length; i++) expect(commentary.lines[i]!.start).toBeGreaterThanOrEqual(commentary.lines[i - 1]!.start);
    const byId = new Map(actions.events.map((e) => [e.id, e]));
    for (const line of commentary.lines) {
      for (const id of line.eventIds) {
        const event = byId.get(id);
        expect(event, id).toBeDefined();
        expect(line.start).toBeGreaterThanOrEqual(event!.start);
      }
    }
    const renamed = segmentCommentary.flatMap((c, k) => c.lines.map((l) => l.eventIds.map((id) => `s${k}-${id}`).join(',')));
    expect(commentary.lines.map((l) => l.eventIds.join(',')).sort()).toEqual(renamed.sort());
    expect(commentary.text).toBe(commentary.lines.map((l) => l.text).join(' '));
    expect(commentary).toMatchObject({ language: 'en', model: segmentCommentary[0]!.model });
    expect((await text(result.vttKey)).match(/-->/g)).toHaveLength(commentary.lines.length);
    expect((await text(result.srtKey)).match(/-->/g)).toHaveLength(commentary.lines.length);
  });

  it('writes the same files on a retry, heartbeating segment by segment as an activity', async () => {
    const before = await Promise.all([result.tracksKey, result.tracksTxtKey, result.actionsKey, result.commentaryKey, result.vttKey].map(text));
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    expect(await env.run(assembleSegments, { resultsPrefix: prefix, segments, videoId })).toEqual(result);
    expect(beats).toEqual(segments.map((s) => ({ segment: s.index })));
    expect(await Promise.all([result.tracksKey, result.tracksTxtKey, result.actionsKey, result.commentaryKey, result.vttKey].map(text))).toEqual(before);
  });

  it('refuses segments whose cores do not follow each other, and a malformed segment file, for good', async () => {
    const gap = segments.map((s, k) => (k === 1 ? { ...s, coreFirstFrame: s.coreFirstFrame + 1 } : s));
    expect((await failureOf(assembleSegments({ resultsPrefix: prefix, segments: gap, videoId }))).type).toBe('BadInput');
    expect((await failureOf(assembleSegments({ resultsPrefix: prefix, segments: [], videoId }))).type).toBe('BadInput');
    const other = 'results/v-bad/run-1/';
    for (const s of segments) {
      for (const name of ['tracks.json', 'actions.json', 'commentary.json']) await storage.copy(at(s.index, name), `${segmentPrefix(other, s.index)}${name}`);
    }
    await storage.put(`${segmentPrefix(other, 2)}commentary.json`, JSON.stringify({ ...segmentCommentary[2], lines: [{ start: 1, text: 'no end' }] }));
    const failure = await failureOf(assembleSegments({ resultsPrefix: other, segments, videoId: 'v-bad' }));
    expect(failure).toMatchObject({ type: 'BadInput', nonRetryable: true });
    expect(failure.message).toContain('segments/2/commentary.json');
  });
});

describe('commentary of one window', () => {
  const windowStorage = new LocalStorage(scratchDir('commentary-window'));
  const write = createWriteCommentary(windowStorage, templateCommentator());
  // The same 20 s of play twice over: two segments with the same events must not read alike.
  const half = syntheticMatch(20, 3);
  const match: ActionsFile = {
    ...half, video: { ...half.video, duration: 40 },
    events: [...half.events, ...half.events.map((e) => ({ ...e, id: `${e.id}b`, start: e.start + 20, end: e.end + 20 }))],
  };
  const request = (window?: { from: number; to: number }, resultsPrefix = `w/${window?.from ?? 'all'}/`) => ({
    videoId: 'v-window', actionsKey: 'w/actions.json', tracksKey: 'w/tracks.json', resultsPrefix, language: 'en' as const, ...(window ? { window } : {}),
  });

  beforeAll(async () => {
    await windowStorage.put('w/actions.json', JSON.stringify(match));
    await windowStorage.put('w/tracks.json', JSON.stringify({ tracks: [] }));
  });

  it('comments only the events that start in the window, phrased by the window', async () => {
    const first = await write(request({ from: 0, to: 20 }));
    const second = await write(request({ from: 20, to: 40 }));
    expect(first.events).toBe(half.events.length);
    expect(second.events).toBe(half.events.length);
    const [a, b] = await Promise.all([first, second].map(async (r) => commentaryFileSchema.parse(await readJson(windowStorage, r.commentaryKey))));
    expect(a!.lines.flatMap((l) => l.eventIds).every((id) => !id.endsWith('b'))).toBe(true);
    expect(b!.lines.flatMap((l) => l.eventIds).every((id) => id.endsWith('b'))).toBe(true);
    expect(b!.lines.map((l) => l.eventIds.map((id) => id.slice(0, -1)))).toEqual(a!.lines.map((l) => l.eventIds));
    expect(b!.lines.map((l) => l.text)).not.toEqual(a!.lines.map((l) => l.text));
  });

  it('refuses a window that ends before it starts', async () => {
    const failure = await failureOf(write(request({ from: 20, to: 10 })));
    expect(failure).toMatchObject({ type: 'BadInput', nonRetryable: true });
  });
});
