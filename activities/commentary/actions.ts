// The jobs' artifacts as commentary and segment stitching read them, and commentary as it is
// stored, validated: they come from another program.
import { z } from 'zod';
import { languages } from '../../contracts/video-commentary';
import { badInput } from '../failures';
import { readJson, type Storage } from '../storage/storage';

export const actionEventSchema = z.object({
  id: z.string(),
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  trackIds: z.array(z.number().int()),
  action: z.string(),
  confidence: z.number().min(0).max(1),
});

/** The video facts every job artifact starts with; `frames` is the count of frames the job read up to. */
export const videoFactsSchema = z.object({
  width: z.number(), height: z.number(), fps: z.number().positive(), frames: z.number().int().nonnegative().optional(), duration: z.number(),
});

export const actionsFileSchema = z.object({
  video: videoFactsSchema,
  model: z.object({ name: z.string(), version: z.string() }).optional(),
  events: z.array(actionEventSchema),
});

const teamSchema = z.union([z.literal(0), z.literal(1), z.null()]);
const colorSchema = z.tuple([z.number(), z.number(), z.number()]).nullable();

export const trackTeamsSchema = z.object({
  tracks: z.array(z.object({ id: z.number().int(), class: z.string(), team: teamSchema, color: colorSchema.optional() })),
});

/** A box of a track: 1-based frame of the whole video, left, top, width, height in pixels. */
export const trackBoxSchema = z.object({
  frame: z.number().int().min(1), x: z.number(), y: z.number(), w: z.number().nonnegative(), h: z.number().nonnegative(), score: z.number(),
});

/** tracks.json whole, as the MOT job writes it (jobs/formats.ts TracksFile). */
export const tracksFileSchema = z.object({
  video: videoFactsSchema.required({ frames: true }),
  detector: z.record(z.string(), z.unknown()),
  tracks: z.array(z.object({
    id: z.number().int(), class: z.enum(['person', 'ball']), team: teamSchema, color: colorSchema, boxes: z.array(trackBoxSchema),
  })),
});

export const commentaryLineSchema = z.object({
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  text: z.string(),
  eventIds: z.array(z.string()),
});

/** commentary.json as the commentary activity writes it. */
export const commentaryFileSchema = z.object({
  language: z.enum(languages),
  model: z.string(),
  lines: z.array(commentaryLineSchema),
  text: z.string(),
  /** What a language model spent on it; absent for the template. */
  usage: z.object({ requests: z.number().int().nonnegative(), promptTokens: z.number().int().nonnegative(), completionTokens: z.number().int().nonnegative() }).optional(),
});

export type ActionEvent = z.infer<typeof actionEventSchema>;
export type ActionsFile = z.infer<typeof actionsFileSchema>;
export type TracksFile = z.infer<typeof tracksFileSchema>;
export type Track = TracksFile['tracks'][number];
export type TrackBox = z.infer<typeof trackBoxSchema>;
export type CommentaryLine = z.infer<typeof commentaryLineSchema>;
export type Commentary = z.infer<typeof commentaryFileSchema>;

/** The JSON artifact at `key`, checked by `schema`: one that is not JSON or does not match is bad input, never retried. */
export async function readArtifact<S extends z.ZodType>(storage: Storage, key: string, schema: S): Promise<z.output<S>> {
  let json: unknown;
  try {
    json = await readJson(storage, key);
  } catch (err) {
    if (err instanceof SyntaxError) throw badInput(`${key} is not valid JSON: ${err.message}`);
    throw err;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badInput(`${key} is malformed: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export type Style = 'play-by-play' | 'summary';
/** Team names by team index, as the request gives them: `{0: 'Reds', 1: 'Blues'}` (JSON keys are strings). */
export type TeamNames = Partial<Record<0 | 1, string>>;
/** Player names by track id. */
export type Roster = Record<number, string>;
export type TrackTeams = z.infer<typeof trackTeamsSchema>;
