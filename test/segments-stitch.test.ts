// Stitching segments' tracks: global ids through the overlaps, teams turned to the first
// segment's, the ball's one id, the same file on a retry, and bad files refused for good.
import { ApplicationFailure } from '@temporalio/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { tracksFileSchema, type Track } from '../activities/commentary/actions';
import { createStitchSegment, stitchedTracksSchema, type StitchRequest, type StitchResult } from '../activities/segments/stitch';
import { teamsSwapped } from '../activities/segments/teams';
import { segmentPrefix } from '../contracts/segments';
import { LocalStorage } from '../activities/storage/local';
import { readJson } from '../activities/storage/storage';
import { scratchDir } from './helpers/scratch';
import { ballless, followedPlayer, players, segments, segmentTracks, swappedSegment, teamOf } from './helpers/segmented-match';

const storage = new LocalStorage(scratchDir('segments-stitch'));
const stitchSegment = createStitchSegment(storage);
const prefix = 'results/v1/run-1/';
const rawKey = (k: number) => `${segmentPrefix(prefix, k)}mot/tracks.json`;
const stitchedKey = (k: number) => `${segmentPrefix(prefix, k)}tracks.json`;

const request = (k: number, nextId: number): StitchRequest => ({
  segment: segments[k]!, rawTracksKey: rawKey(k), tracksKey: stitchedKey(k), nextId,
  ...(k > 0 ? { previous: segments[k - 1]!, previousTracksKey: stitchedKey(k - 1) } : {}),
});

const stitched = async (k: number) => stitchedTracksSchema.parse(await readJson(storage, stitchedKey(k)));

/** The ground-truth player a stitched track follows, every one of its boxes on that player. */
function playerOf(track: Track): number {
  const { player, strays } = followedPlayer(track);
  expect(strays, `boxes of track ${track.id} off its player`).toBe(0);
  return player!;
}

const failureOf = (promise: Promise<unknown>) => promise.then(() => expect.fail('expected a failure'), (err: unknown) => err as ApplicationFailure);

describe('stitching three segments', () => {
  const results: StitchResult[] = [];

  beforeAll(async () => {
    for (const segment of segments) await storage.put(rawKey(segment.index), JSON.stringify(segmentTracks(segment)));
    let nextId = 1;
    for (const segment of segments) {
      const result = await stitchSegment(request(segment.index, nextId));
      results.push(result);
      nextId = result.nextId;
    }
  });

  it('gives every player one global id in every segment, and new ids only to new players', async () => {
    const idOf = new Map<number, number>();
    for (const segment of segments) {
      const file = await stitched(segment.index);
      for (const track of file.tracks.filter((t) => t.class === 'person')) {
        const p = playerOf(track);
        expect(idOf.get(p) ?? track.id, `player ${p} in segment ${segment.index}`).toBe(track.id);
        idOf.set(p, track.id);
      }
    }
    expect(idOf.size).toBe(players);
    expect(new Set(idOf.values()).size).toBe(players);
    expect(results.map((r) => r.tracks)).toEqual([12, 13, 13]);
    expect(results.map((r) => r.joined)).toEqual([0, 12, 13]);
    // Twelve players and the ball in the first segment, one player new in the second.
    expect(results.map((r) => r.nextId)).toEqual([14, 15, 15]);
  });

  it('turns the swapped segment’s teams to the first segment’s', async () => {
    for (const segment of segments) {
      for (const track of (await stitched(segment.index)).tracks.filter((t) => t.class === 'person')) {
        expect(track.team, `segment ${segment.index} (raw teams swapped: ${segment.index === swappedSegment})`).toBe(teamOf(playerOf(track)));
      }
    }
  });

  it('keeps the ball’s id through a segment without a ball', async () => {
    const balls = await Promise.all(segments.map(async (s) => (await stitched(s.index)).tracks.filter((t) => t.class === 'ball')));
    expect(balls.map((b) => b.length)).toEqual(segments.map((s) => (ballless.has(s.index) ? 0 : 1)));
    const ids = balls.flat().map((b) => b.id);
    expect(new Set(ids).size).toBe(1);
    expect((await stitched(1)).ballId).toBe(ids[0]);
  });

  it('writes the same file and answers the same on a retry', async () => {
    const before = await storage.get(stitchedKey(1)).then((s) => s.toArray()).then((c) => Buffer.concat(c));
    expect(await stitchSegment(request(1, results[0]!.nextId))).toEqual(results[1]);
    const after = await storage.get(stitchedKey(1)).then((s) => s.toArray()).then((c) => Buffer.concat(c));
    expect(after.equals(before)).toBe(true);
  });

  it('numbers the first segment’s tracks from nextId, keeping everything else of its file', async () => {
    const key = 'results/v1/run-2/segments/0/tracks.json';
    const result = await stitchSegment({ ...request(0, 40), tracksKey: key });
    const file = stitchedTracksSchema.parse(await readJson(storage, key));
    const raw = tracksFileSchema.parse(await readJson(storage, rawKey(0)));
    expect(file.tracks.map((t) => t.id)).toEqual(Array.from({ length: 13 }, (_, i) => 40 + i));
    expect(result.nextId).toBe(53);
    expect(file.video).toEqual(raw.video);
    expect(file.detector).toEqual(raw.detector);
    const rawById = new Map(raw.tracks.map((t) => [t.id, t]));
    const byOrder = [...rawById.keys()].sort((a, b) => a - b);
    file.tracks.forEach((t, i) => expect({ ...t, id: byOrder[i] }).toEqual(rawById.get(byOrder[i]!)));
  });
});

describe('teams by kit colour', () => {
  const track = (id: number, team: 0 | 1, color: [number, number, number]): Track => ({ id, class: 'person', team, color, boxes: [{ frame: 1, x: 0, y: 0, w: 10, h: 20, score: 1 }] });
  const red: [number, number, number] = [200, 30, 30];
  const blue: [number, number, number] = [30, 50, 200];
  const previous = [track(1, 0, red), track(2, 1, blue)];

  it('decide when no player continues', () => {
    expect(teamsSwapped(previous, [track(5, 0, blue), track(6, 1, red)], new Map())).toBe(true);
    expect(teamsSwapped(previous, [track(5, 0, red), track(6, 1, blue)], new Map())).toBe(false);
  });

  it('give way to the players both segments saw', () => {
    expect(teamsSwapped(previous, [track(5, 0, blue), track(6, 1, red)], new Map([[5, 1], [6, 2]]))).toBe(false);
  });
});

describe('bad tracks', () => {
  const first = segmentTracks(segments[0]!);
  it.each([
    ['not JSON', 0, '{"video": ', 'not valid JSON'],
    ['a track without boxes', 0, JSON.stringify({ ...first, tracks: [{ id: 1, class: 'person', team: null, color: null }] }), 'tracks.0.boxes'],
    ['frames of the segment rather than of the video', 2, JSON.stringify({ ...first, tracks: [{ ...first.tracks[0], boxes: [{ frame: 3, x: 1, y: 1, w: 5, h: 5, score: 1 }] }] }), 'outside segment 2'],
    ['boxes out of order', 0, JSON.stringify({ ...first, tracks: [{ ...first.tracks[0], boxes: [...first.tracks[0]!.boxes].reverse() }] }), 'increasing frame order'],
    ['an id twice', 0, JSON.stringify({ ...first, tracks: [first.tracks[0], first.tracks[0]] }), 'appears twice'],
  ])('refuses %s for good', async (_what, k, body, reason) => {
    await storage.put('bad/mot/tracks.json', body);
    const failure = await failureOf(stitchSegment({ segment: segments[k]!, rawTracksKey: 'bad/mot/tracks.json', tracksKey: 'bad/tracks.json', nextId: 1 }));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('BadInput');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('bad/mot/tracks.json');
    expect(failure.message).toContain(reason);
    expect(await storage.head('bad/tracks.json')).toBeUndefined();
  });

  it('refuses a previous segment without its tracks', async () => {
    const failure = await failureOf(stitchSegment({ ...request(1, 20), previousTracksKey: undefined }));
    expect(failure.type).toBe('BadInput');
  });
});
