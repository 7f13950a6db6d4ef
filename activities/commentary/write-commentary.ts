// The commentary activity: actions.json in, commentary.json and commentary.vtt out.
import type { z } from 'zod';
import { badInput } from '../failures';
import { readJson, type Storage } from '../storage/storage';
import { actionsFileSchema, trackTeamsSchema, type Commentary } from './actions';
import type { Language } from './phrases';
import { seedOf, templateCommentary, type TeamInfo } from './template';
import { toWebVtt } from './webvtt';

export interface CommentaryRequest {
  videoId: string;
  actionsKey: string;
  tracksKey: string;
  resultsPrefix: string;
  language: Language;
}

export interface CommentaryResult {
  commentaryKey: string;
  vttKey: string;
  lines: number;
  events: number;
  tracks: number;
  model: string;
}

async function readValid<S extends z.ZodType>(storage: Storage, key: string, schema: S): Promise<z.output<S>> {
  const parsed = schema.safeParse(await readJson(storage, key));
  if (!parsed.success) throw badInput(`${key} is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export function createWriteCommentary(storage: Storage) {
  return async function writeCommentary(request: CommentaryRequest): Promise<CommentaryResult> {
    const actions = await readValid(storage, request.actionsKey, actionsFileSchema);
    const tracks = await readValid(storage, request.tracksKey, trackTeamsSchema);
    const teams = new Map<number, TeamInfo>(tracks.tracks.map((t) => [t.id, { team: t.team, color: t.color }]));
    const commentary: Commentary = templateCommentary(actions, teams, request.language, seedOf(request.videoId));
    const commentaryKey = `${request.resultsPrefix}commentary.json`;
    const vttKey = `${request.resultsPrefix}commentary.vtt`;
    await storage.put(commentaryKey, JSON.stringify(commentary, null, 2), { 'content-type': 'application/json' });
    await storage.put(vttKey, toWebVtt(commentary.lines), { 'content-type': 'text/vtt' });
    return {
      commentaryKey, vttKey, model: commentary.model, lines: commentary.lines.length,
      events: actions.events.length, tracks: tracks.tracks.filter((t) => t.class === 'person').length,
    };
  };
}
