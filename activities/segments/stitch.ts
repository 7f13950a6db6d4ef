// Stitching one segment's tracks to the previous segment's: the segment's MOT job numbered its
// tracks on its own; here each track that continues one of the previous segment's (by their boxes
// in the frames both read) takes that track's global id, the others take new ones, the teams are
// turned to the previous segment's, and the ball keeps the one id it was first given.
import { z } from 'zod';
import type { Segment } from '../../contracts/segments';
import { readArtifact, tracksFileSchema, type Track } from '../commentary/actions';
import { badInput } from '../failures';
import type { Storage } from '../storage/storage';
import { matchAcrossOverlap } from './overlap';
import { teamsSwapped } from './teams';

export interface StitchRequest {
  segment: Segment;
  /** The segment before this one; absent for the first. */
  previous?: Segment;
  /** The segment's MOT output: boxes on 1-based frames of the whole video, ids of the segment's own. */
  rawTracksKey: string;
  /** The previous segment's stitched tracks (global ids); with `previous` and only with it. */
  previousTracksKey?: string;
  /** Where the segment's tracks with global ids go. */
  tracksKey: string;
  /** The first global id not given yet. */
  nextId: number;
}

export interface StitchResult {
  tracksKey: string;
  /** The first global id not given yet, after this segment's new tracks. */
  nextId: number;
  /** Person tracks written. */
  tracks: number;
  /** Person tracks that continue one of the previous segment's. */
  joined: number;
}

/** A segment's stitched tracks.json: the MOT job's file with global ids, and the ball's global id once any segment so far had a ball. */
export const stitchedTracksSchema = tracksFileSchema.extend({ ballId: z.number().int().optional() });
export type StitchedTracks = z.infer<typeof stitchedTracksSchema>;

/** Refuses what would stitch wrongly: ids given twice, boxes out of frame order or outside the frames the segment read. */
function checkTracks(tracks: readonly Track[], key: string, segment: Segment): void {
  const ids = new Set<number>();
  for (const track of tracks) {
    if (ids.has(track.id)) throw badInput(`${key} is malformed: track id ${track.id} appears twice`);
    ids.add(track.id);
    track.boxes.forEach((box, i) => {
      if (box.frame <= segment.firstFrame || box.frame > segment.endFrame) {
        throw badInput(`${key}: track ${track.id} has a box on frame ${box.frame}, outside segment ${segment.index}'s frames ${segment.firstFrame + 1}..${segment.endFrame} (1-based frames of the whole video)`);
      }
      if (i > 0 && box.frame <= track.boxes[i - 1]!.frame) throw badInput(`${key}: track ${track.id}'s boxes are not in increasing frame order at frame ${box.frame}`);
    });
  }
}

export function createStitchSegment(storage: Storage) {
  return async function stitchSegment(request: StitchRequest): Promise<StitchResult> {
    const { segment, previous, previousTracksKey } = request;
    if ((previous === undefined) !== (previousTracksKey === undefined)) throw badInput('stitching needs both the previous segment and its tracks, or neither');
    if (!Number.isSafeInteger(request.nextId)) throw badInput(`nextId must be an integer, got ${request.nextId}`);
    const raw = await readArtifact(storage, request.rawTracksKey, tracksFileSchema);
    checkTracks(raw.tracks, request.rawTracksKey, segment);
    const before = previous && previousTracksKey ? await readArtifact(storage, previousTracksKey, stitchedTracksSchema) : undefined;
    const continues = before && previous ? matchAcrossOverlap(before.tracks, raw.tracks, segment.firstFrame + 1, previous.endFrame) : new Map<number, number>();
    const swap = before ? teamsSwapped(before.tracks, raw.tracks, continues) : false;

    let nextId = request.nextId;
    let ballId = before?.ballId ?? before?.tracks.find((t) => t.class === 'ball')?.id;
    let ballGiven = false;
    const tracks = [...raw.tracks].sort((a, b) => a.id - b.id).map((track) => {
      let id: number;
      if (track.class === 'ball' && !ballGiven) {
        id = ballId ??= nextId++;
        ballGiven = true;
      } else {
        id = continues.get(track.id) ?? nextId++;
      }
      const team = swap && track.team !== null ? ((1 - track.team) as 0 | 1) : track.team;
      return { ...track, id, team };
    }).sort((a, b) => a.id - b.id);

    const stitched: StitchedTracks = { video: raw.video, detector: raw.detector, ...(ballId === undefined ? {} : { ballId }), tracks };
    await storage.put(request.tracksKey, `${JSON.stringify(stitched)}\n`, { 'content-type': 'application/json' });
    return { tracksKey: request.tracksKey, nextId, tracks: tracks.filter((t) => t.class === 'person').length, joined: continues.size };
  };
}
