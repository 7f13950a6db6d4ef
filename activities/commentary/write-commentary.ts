// The commentary activity: actions.json and tracks.json in; commentary.json, commentary.vtt and
// commentary.srt out, written only once every line is grounded in the events it names.
import { activityContext } from '../activity-context';
import { z } from 'zod';
import { CommentaryRejected } from '../../common/errors';
import { badInput, toFailure } from '../failures';
import type { Storage } from '../storage/storage';
import { actionsFileSchema, readArtifact, trackTeamsSchema, type Commentary, type Roster, type Style, type TeamNames } from './actions';
import { languages, type Language } from '../../contracts/video-commentary';
import type { Commentator } from './backend';
import { createCommentator } from './commentator';
import { groundingProblems } from './grounding';
import type { TrackTeam } from './phrases';
import { commentarySeed } from './seed';
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
  /** Seconds of the video: only the events that start in [from, to) are commented (one segment's core). */
  window?: { from: number; to: number };
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
  window: z.object({ from: z.number().nonnegative(), to: z.number() })
    .refine((w) => w.from < w.to, 'the window must end after it starts').optional(),
});

/** Writes commentary.json, .vtt and .srt under `resultsPrefix`; no cue runs past `duration` seconds. */
export async function storeCommentary(storage: Storage, resultsPrefix: string, commentary: Commentary, duration: number) {
  const commentaryKey = `${resultsPrefix}commentary.json`;
  const vttKey = `${resultsPrefix}commentary.vtt`;
  const srtKey = `${resultsPrefix}commentary.srt`;
  await storage.put(commentaryKey, JSON.stringify(commentary, null, 2), { 'content-type': 'application/json' });
  await storage.put(vttKey, toWebVtt(commentary.lines, { duration }), { 'content-type': 'text/vtt; charset=utf-8' });
  await storage.put(srtKey, toSrt(commentary.lines, { duration }), { 'content-type': 'application/x-subrip; charset=utf-8' });
  return { commentaryKey, vttKey, srtKey };
}

export function createWriteCommentary(storage: Storage, commentator: Commentator = createCommentator()) {
  return async function writeCommentary(request: CommentaryRequest): Promise<CommentaryResult> {
    const checked = optionsSchema.safeParse(request);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw badInput(`invalid commentary options: ${issue?.path.join('.')}: ${issue?.message ?? 'invalid'}`);
    }
    const { style, language, teamNames, roster, window } = checked.data;
    const all = await readArtifact(storage, request.actionsKey, actionsFileSchema);
    const actions = window ? { ...all, events: all.events.filter((e) => window.from <= e.start && e.start < window.to) } : all;
    const tracks = await readArtifact(storage, request.tracksKey, trackTeamsSchema);
    const teams = new Map<number, TrackTeam>(tracks.tracks.map((t) => [t.id, { team: t.team, color: t.color }]));
    const context = activityContext();
    const commentary = await commentator.write(
      { actions, tracks: teams, options: { language, style, seed: commentarySeed(request.videoId, window), teamNames, roster: roster as Roster | undefined } },
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

    const { commentaryKey, vttKey, srtKey } = await storeCommentary(storage, request.resultsPrefix, commentary, actions.video.duration);
    return {
      commentaryKey, vttKey, srtKey, model: commentary.model, backend: commentator.name, language, style,
      lines: commentary.lines.length, events: actions.events.length,
      tracks: tracks.tracks.filter((t) => t.class === 'person').length,
      ...(commentary.usage ? { usage: commentary.usage } : {}),
    };
  };
}
