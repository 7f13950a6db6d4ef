// What a commentary backend is given and what it implements: the template (template.ts) and OpenAI
// or any OpenAI-compatible server (openai.ts) implement it; commentator.ts picks one.
import type { Language } from '../../contracts/video-commentary';
import type { ActionsFile, Commentary, Roster, Style, TeamNames } from './actions';
import type { TrackTeam } from './phrases';

export interface CommentaryOptions {
  language: Language;
  style: Style;
  /** Same seed, same input: same commentary (exactly for the template, as far as the model allows for OpenAI). */
  seed: number;
  teamNames?: TeamNames;
  roster?: Roster;
}

export interface CommentaryInput {
  actions: ActionsFile;
  /** Team and shirt colour by track id, from tracks.json. */
  tracks: Map<number, TrackTeam>;
  options: CommentaryOptions;
}

/** What the activity hands a backend besides its input: cancellation, and progress that survives a retry. */
export interface CommentaryContext {
  signal?: AbortSignal;
  /** Records progress (heartbeat details); the next attempt gets it back as `resume`. */
  progress?(details: unknown): void;
  resume?: unknown;
}

export interface Commentator {
  readonly name: 'template' | 'openai';
  /** Lines grounded in the input's events, in time order. Throws ApplicationFailure for what Temporal should know. */
  write(input: CommentaryInput, context?: CommentaryContext): Promise<Commentary>;
}
