// Reads and validates processing/input/tracks/tracks.json; every defect is a JobFailure naming it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { JobFailure } from '../contract';
import type { TracksFile } from '../formats';
import { parseJsonDocument } from '../json-input';

const boxSchema = z.object({
  frame: z.number().int().min(1),
  x: z.number(),
  y: z.number(),
  w: z.number().positive(),
  h: z.number().positive(),
  score: z.number(),
});

const trackSchema = z.object({
  id: z.number().int(),
  class: z.enum(['person', 'ball']),
  team: z.union([z.literal(0), z.literal(1), z.null()]),
  color: z.tuple([z.number(), z.number(), z.number()]).nullable(),
  boxes: z.array(boxSchema),
});

const tracksSchema = z.object({
  video: z.object({
    width: z.number().positive(),
    height: z.number().positive(),
    fps: z.number().positive(),
    frames: z.number().int().nonnegative(),
    duration: z.number().nonnegative(),
  }),
  detector: z.record(z.string(), z.unknown()),
  tracks: z.array(trackSchema),
});

export function parseTracks(text: string, source = 'tracks.json'): TracksFile {
  const tracks = parseJsonDocument(text, tracksSchema, source);
  const ids = new Set<number>();
  for (const track of tracks.tracks) {
    if (ids.has(track.id)) throw new JobFailure(`${source} is malformed: track id ${track.id} appears twice`);
    ids.add(track.id);
  }
  return tracks;
}

export function readTracks(dir: string): TracksFile {
  const path = join(dir, 'tracks.json');
  if (!existsSync(path)) {
    const found = existsSync(dir) ? readdirSync(dir).join(', ') || 'nothing' : 'no such directory';
    throw new JobFailure(`input tracks/tracks.json is missing (in ${dir}: ${found})`);
  }
  return parseTracks(readFileSync(path, 'utf8'), 'tracks.json');
}
