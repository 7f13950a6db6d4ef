// The parts of the jobs' artifacts that commentary reads, validated: they come from another program.
import { z } from 'zod';
import type { Language } from '../../contracts/video-commentary';

export const actionEventSchema = z.object({
  id: z.string(),
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  trackIds: z.array(z.number().int()),
  action: z.string(),
  confidence: z.number().min(0).max(1),
});

export const actionsFileSchema = z.object({
  video: z.object({ fps: z.number(), width: z.number(), height: z.number(), duration: z.number() }),
  model: z.object({ name: z.string(), version: z.string() }).optional(),
  events: z.array(actionEventSchema),
});

export const trackTeamsSchema = z.object({
  tracks: z.array(z.object({
    id: z.number().int(),
    class: z.string(),
    team: z.union([z.literal(0), z.literal(1), z.null()]),
    color: z.tuple([z.number(), z.number(), z.number()]).nullable().optional(),
  })),
});

export type ActionEvent = z.infer<typeof actionEventSchema>;
export type ActionsFile = z.infer<typeof actionsFileSchema>;

export interface CommentaryLine {
  start: number;
  end: number;
  text: string;
  eventIds: string[];
}

export interface Commentary {
  language: Language;
  model: string;
  lines: CommentaryLine[];
  text: string;
  /** What a language model spent on it; absent for the template. */
  usage?: { requests: number; promptTokens: number; completionTokens: number };
}

export type Style = 'play-by-play' | 'summary';
/** Team names by team index, as the request gives them: `{0: 'Reds', 1: 'Blues'}` (JSON keys are strings). */
export type TeamNames = Partial<Record<0 | 1, string>>;
/** Player names by track id. */
export type Roster = Record<number, string>;
export type TrackTeams = z.infer<typeof trackTeamsSchema>;
