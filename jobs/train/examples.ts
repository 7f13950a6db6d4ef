// The labelled examples of the train channel: one directory per example holding tracks.json (the
// MOT job's output) and events.json (`{events: ActionEvent[]}`, the true events). Every defect is a
// JobFailure naming the example.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseTracks } from '../action/input';
import { JobFailure } from '../contract';
import type { ActionEvent, ActionName, TracksFile } from '../formats';
import { parseJsonDocument } from '../json-input';
import { channelItems } from './channel';

export interface Example {
  name: string;
  tracks: TracksFile;
  events: ActionEvent[];
}

const ACTIONS = ['start-moving', 'stop', 'sprint', 'meet', 'possession', 'pass', 'shot', 'dribble', 'tackle'] as const satisfies readonly ActionName[];

const eventsSchema = z.object({
  events: z.array(z.object({
    id: z.string(),
    start: z.number().nonnegative(),
    end: z.number().nonnegative(),
    trackIds: z.array(z.number().int()),
    action: z.enum(ACTIONS),
    confidence: z.number().min(0).max(1).default(1),
  }).refine((e) => e.end >= e.start, 'end is before start')),
});

function readExample(dir: string, name: string): Example {
  const read = (file: string) => {
    const path = join(dir, file);
    if (!existsSync(path)) throw new JobFailure(`example ${name}: ${file} is missing (found ${readdirSync(dir).join(', ') || 'nothing'})`);
    return readFileSync(path, 'utf8');
  };
  const tracks = parseTracks(read('tracks.json'), `example ${name}: tracks.json`);
  const { events } = parseJsonDocument(read('events.json'), eventsSchema, `example ${name}: events.json`);
  return { name, tracks, events };
}

/** The examples of a channel directory, in name order. */
export function readExamples(dir: string): Example[] {
  return channelItems(dir, 'example', 'tracks.json and events.json').map((name) => readExample(join(dir, name), name));
}
