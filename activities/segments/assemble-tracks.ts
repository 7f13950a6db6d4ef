// One tracks.json and tracks.txt from the segments' stitched tracks, the same files a MOT job writes
// for the whole video: each frame's boxes come from the segment whose core holds the frame. A
// 3-hour match has millions of boxes, so one segment is read at a time and the boxes wait in a
// temporary file until every track's team is known and its boxes can be written in track order.
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { segmentPrefix, type Segment } from '../../contracts/segments';
import { activityContext } from '../activity-context';
import { readArtifact, type TrackBox, type TracksFile } from '../commentary/actions';
import { badInput } from '../failures';
import type { Storage } from '../storage/storage';
import { stitchedTracksSchema } from './stitch';

type Video = TracksFile['video'];

/** What is known of one global track while the segments are read. */
interface Assembling {
  class: 'person' | 'ball';
  /** Boxes seen in each team, and the first team seen: the majority decides, the first breaks a tie. */
  votes: [number, number];
  firstTeam: 0 | 1 | null;
  /** Colour sums weighted by boxes, and the weight. */
  color: [number, number, number, number];
  /** Where its boxes' JSON lies in the temporary file, segment by segment. */
  pieces: { offset: number; length: number }[];
}

export interface AssembledTracks {
  tracksKey: string;
  tracksTxtKey: string;
  /** Person tracks. */
  tracks: number;
  /** The whole video's facts, as the segments' files give them. */
  video: Video;
}

/** A box as jobs/mot/output.ts writes it, keys in its order. */
const boxJson = (b: TrackBox) => JSON.stringify({ frame: b.frame, x: b.x, y: b.y, w: b.w, h: b.h, score: b.score });

/** A tracks.txt line as jobs/mot/output.ts writes it (MOTChallenge). */
const motLine = (id: number, b: TrackBox) => `${b.frame},${id},${b.x},${b.y},${b.w},${b.h},${b.score},-1,-1,-1\n`;

/** The whole video's facts: the last segment reaches its last frame; its job may have counted only its own frames. */
function wholeVideo(last: Video, segments: readonly Segment[]): Video {
  const frames = Math.max(last.frames, segments.at(-1)!.endFrame);
  return { width: last.width, height: last.height, fps: last.fps, frames, duration: Math.max(last.duration, frames / last.fps) };
}

function teamOf(track: Assembling): 0 | 1 | null {
  const [zero, one] = track.votes;
  if (zero !== one) return zero > one ? 0 : 1;
  return zero > 0 ? track.firstTeam : null;
}

function colorOf(track: Assembling): [number, number, number] | null {
  const [r, g, b, n] = track.color;
  return n ? [Math.round(r / n), Math.round(g / n), Math.round(b / n)] : null;
}

export async function assembleTracks(storage: Storage, resultsPrefix: string, segments: readonly Segment[]): Promise<AssembledTracks> {
  const dir = await mkdtemp(join(tmpdir(), 'bing-assemble-'));
  try {
    const txtPath = join(dir, 'tracks.txt');
    const jsonPath = join(dir, 'tracks.json');
    const boxes = await open(join(dir, 'boxes'), 'w+');
    let collected: Collected;
    try {
      collected = await collectSegments(storage, resultsPrefix, segments, boxes, txtPath);
      await writeTracksJson(jsonPath, boxes, collected);
    } finally {
      await boxes.close();
    }
    const tracksKey = `${resultsPrefix}tracks.json`;
    const tracksTxtKey = `${resultsPrefix}tracks.txt`;
    await storage.upload(jsonPath, tracksKey, { 'content-type': 'application/json' });
    await storage.upload(txtPath, tracksTxtKey, { 'content-type': 'text/plain; charset=utf-8' });
    const people = [...collected.tracks.values()].filter((t) => t.class === 'person').length;
    return { tracksKey, tracksTxtKey, tracks: people, video: collected.video };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Collected {
  video: Video;
  detector: Record<string, unknown>;
  tracks: Map<number, Assembling>;
}

/**
 * Reads the segments one at a time: each track's core boxes go to `boxes` as JSON, the people's
 * MOTChallenge lines to the file at `txtPath` in frame order (cores follow each other).
 */
async function collectSegments(storage: Storage, resultsPrefix: string, segments: readonly Segment[], boxes: FileHandle, txtPath: string): Promise<Collected> {
  const txt = await open(txtPath, 'w');
  try {
    let offset = 0;
    const tracks = new Map<number, Assembling>();
    let first: { detector: Record<string, unknown> } | undefined;
    let last: Video | undefined;
    const context = activityContext();
    for (const segment of segments) {
      context?.heartbeat({ segment: segment.index });
      const key = `${segmentPrefix(resultsPrefix, segment.index)}tracks.json`;
      const file = await readArtifact(storage, key, stitchedTracksSchema);
      first ??= file;
      last = file.video;
      const lines: { frame: number; id: number; line: string }[] = [];
      const ids = new Set<number>();
      for (const track of file.tracks) {
        if (ids.has(track.id)) throw badInput(`${key} is malformed: track id ${track.id} appears twice`);
        ids.add(track.id);
        const core = track.boxes.filter((b) => b.frame > segment.coreFirstFrame && b.frame <= segment.coreEndFrame);
        if (!core.length) continue;
        const entry: Assembling = tracks.get(track.id) ?? { class: track.class, votes: [0, 0], firstTeam: null, color: [0, 0, 0, 0], pieces: [] };
        if (entry.class !== track.class) throw badInput(`${key}: track ${track.id} is a ${track.class} here and a ${entry.class} in an earlier segment`);
        tracks.set(track.id, entry);
        if (track.team !== null) {
          entry.votes[track.team] += core.length;
          entry.firstTeam ??= track.team;
        }
        if (track.color) {
          const [r, g, b] = track.color;
          const [sr, sg, sb, n] = entry.color;
          entry.color = [sr + r * core.length, sg + g * core.length, sb + b * core.length, n + core.length];
        }
        const json = Buffer.from(core.map(boxJson).join(','));
        await boxes.write(json, 0, json.length, offset);
        entry.pieces.push({ offset, length: json.length });
        offset += json.length;
        if (track.class === 'person') lines.push(...core.map((b) => ({ frame: b.frame, id: track.id, line: motLine(track.id, b) })));
      }
      lines.sort((p, q) => p.frame - q.frame || p.id - q.id);
      await txt.write(lines.map((l) => l.line).join(''));
    }
    if (!first || !last) throw badInput('there are no segments to assemble');
    return { video: wholeVideo(last, segments), detector: { ...first.detector, segments: segments.length }, tracks };
  } finally {
    await txt.close();
  }
}

/** tracks.json byte for byte as jobs/mot/output.ts writes it (`JSON.stringify` of the file, then a newline), tracks in id order. */
async function writeTracksJson(path: string, boxes: FileHandle, { video, detector, tracks }: Collected): Promise<void> {
  const out = await open(path, 'w');
  try {
    await out.write(`{"video":${JSON.stringify(video)},"detector":${JSON.stringify(detector)},"tracks":[`);
    const ids = [...tracks.keys()].sort((a, b) => a - b);
    for (const [i, id] of ids.entries()) {
      const track = tracks.get(id)!;
      const header = JSON.stringify({ id, class: track.class, team: teamOf(track), color: colorOf(track) });
      await out.write(`${i ? ',' : ''}${header.slice(0, -1)},"boxes":[`);
      for (const [j, piece] of track.pieces.entries()) {
        const { buffer } = await boxes.read(Buffer.alloc(piece.length), 0, piece.length, piece.offset);
        if (j) await out.write(',');
        await out.write(buffer);
      }
      await out.write(']}');
    }
    await out.write(']}\n');
  } finally {
    await out.close();
  }
}
