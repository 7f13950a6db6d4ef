// The commentary activity: actions.json and tracks.json in; commentary.json, commentary.vtt and
// commentary.srt out, written only once every line is grounded in the events it names.
import { activityContext } from '../activity-context';
import { z } from 'zod';
import { CommentaryRejected } from '../../common/errors';
import { badInput, toFailure } from '../failures';
import { readJson, type Storage } from '../storage/storage';
import { actionsFileSchema, trackTeamsSchema, type Commentary, type Roster, type Style, type TeamNames } from './actions';
import { languages, type Language } from '../../contracts/video-commentary';
import type { Commentator } from './backend';
import { createCommentator } from './commentator';
import { groundingProblems } from './grounding';
import type { TrackTeam } from './phrases';
import { seedOf } from './seed';
import { toSrt, toWebVtt } from './subtitles';

export interface CommentaryRequest {
  videoId: string;
  actionsKey: string;
  tracksKey: string;
  resultsPrefix: string;
  language: Language;
  /** 'play-by-play' when absent. */
  style?: Style;
  /** `{0: 'Reds', 1: 'Blues'}`: used in the text instead of shirt colours. */
  teamNames?: TeamNames;
  /** Player names by track id, used in the text instead of numbers. */
  roster?: Roster;
}

export interface CommentaryResult {
  commentaryKey: string;
  vttKey: string;
  srtKey: string;
  lines: number;
  events: number;
  tracks: number;
  model: string;
  backend: Commentator['name'];
  language: Language;
  style: Style;
  usage?: Commentary['usage'];
}

const optionsSchema = z.object({
  style: z.enum(['play-by-play', 'summary']).default('play-by-play'),
  language: z.enum(languages),
  teamNames: z.object({ 0: z.string().trim().min(1).max(60).optional(), 1: z.string().trim().min(1).max(60).optional() }).strict().optional(),
  roster: z.record(z.string().regex(/^-?\d+$/, 'roster keys are track ids'), z.string().trim().min(1).max(60)).optional(),
});

async function readValid<S extends z.ZodType>(storage: Storage, key: string, schema: S): Promise<z.output<S>> {
  const parsed = schema.safeParse(await readJson(storage, key));
  if (!parsed.success) throw badInput(`${key} is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}


export function createWriteCommentary(storage: Storage, commentator: Commentator = createCommentator()) {
  return async function writeCommentary(request: CommentaryRequest): Promise<CommentaryResult> {
    const checked = optionsSchema.safeParse(request);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw badInput(`invalid commentary options: ${issue?.path.join('.')}: ${issue?.message ?? 'invalid'}`);
    }
    const { style, language, teamNames, roster } = checked.data;
    const actions = await readValid(storage, request.actionsKey, actionsFileSchema);
    const tracks = await readValid(storage, request.tracksKey, trackTeamsSchema);
    const teams = new Map<number, TrackTeam>(tracks.tracks.map((t) => [t.id, { team: t.team, color: t.color }]));
    const context = activityContext();
    const commentary = await commentator.write(
      { actions, tracks: teams, options: { language, style, seed: seedOf(request.videoId), teamNames, roster: roster as Roster | undefined } },
      {
        signal: context?.cancellationSignal,
        progress: context ? (details) => context.heartbeat(details) : undefined,
        resume: context?.info.heartbeatDetails,
      },
    );
    const problems = groundingProblems(commentary.lines, actions.events, language);
    if (problems.length) {
      throw toFailure(new CommentaryRejected(`${commentator.name} commentary is not grounded in its events: ${problems.slice(0, 3).join('; ')}`));
    }

    const commentaryKey = `${request.resultsPrefix}commentary.json`;
    const vttKey = `${request.resultsPrefix}commentary.vtt`;
    const srtKey = `${request.resultsPrefix}commentary.srt`;
    const cueOptions = { duration: actions.video.duration };
    await storage.put(commentaryKey, JSON.stringify(commentary, null, 2), { 'content-type': 'application/json' });
    await storage.put(vttKey, toWebVtt(commentary.lines, cueOptions), { 'content-type': 'text/vtt; charset=utf-8' });
    await storage.put(srtKey, toSrt(commentary.lines, cueOptions), { 'content-type': 'application/x-subrip; charset=utf-8' });
    return {
      commentaryKey, vttKey, srtKey, model: commentary.model, backend: commentator.name, language, style,
      lines: commentary.lines.length, events: actions.events.length,
      tracks: tracks.tracks.filter((t) => t.class === 'person').length,
      ...(commentary.usage ? { usage: commentary.usage } : {}),
    };
  };
}
