// The action model's parameters: thresholds and weights of the rule-based recogniser. Speeds are in
// body heights per second (box height is the scale), distances in body heights or widths, times in
// seconds, so one set of numbers works at any resolution, frame rate and camera distance.
// The built-in speeds match the generated clips (test/fixtures/clip: walking about 0.5, running 1.2,
// sprinting 2.3 body heights per second); real players move faster in those units (walking ~0.8,
// sprinting 3.5+), so footage of real play wants a model with higher thresholds.
import { z } from 'zod';

/** A number above zero, or at least zero, and its built-in value. */
const positive = (builtin: number) => z.number().positive().default(builtin);
const nonNegative = (builtin: number) => z.number().nonnegative().default(builtin);

/** Each parameter with its built-in value: the parameters a model file leaves out keep theirs. */
export const paramsSchema = z.object({
  /** Moving-average window for box positions and heights. */
  smoothSeconds: positive(0.4),
  /** Half the span of the central difference that gives the speed. */
  speedLagSeconds: positive(0.2),
  /** Gaps in a track up to this long are interpolated; longer ones split it. */
  maxGapSeconds: nonNegative(1),
  /** Speeds at which a player enters walking, running, sprinting (body heights per second). */
  walkSpeed: positive(0.25),
  runSpeed: positive(0.8),
  sprintSpeed: positive(1.7),
  /** A state is left below `enter * hysteresis`. */
  hysteresis: z.number().gt(0).max(1).default(0.8),
  /** Shorter state runs are absorbed by their neighbours. */
  minStateSeconds: nonNegative(0.3),
  /** Standing at least this long before start-moving and after stop. */
  minStandSeconds: nonNegative(0.4),
  sprintMinSeconds: nonNegative(0.4),
  /**
   * Two players meet when their feet are within this many body heights (about one body width
   * between the boxes), with image-y differences weighted by meetDepthWeight (depth is foreshortened)...
   */
  meetDistance: nonNegative(0.5),
  meetDepthWeight: nonNegative(2),
  /** ...for at least this long. */
  meetMinSeconds: nonNegative(0.4),
  /** Subtract a panning camera's motion, estimated from the players who stand still. */
  cameraCompensation: z.boolean().default(true),
  /** The ball is a player's when within this many body heights of the feet. */
  possessionRadius: positive(0.6),
  /** ...and moving with the player: relative speed at most this (body heights per second). */
  possessionMaxRelSpeed: positive(3),
  possessionMinSeconds: nonNegative(0.4),
  /** Short losses of the ball by the same player are bridged. */
  possessionGapSeconds: nonNegative(0.3),
  /** Ball gaps up to this long are interpolated. */
  ballMaxGapSeconds: nonNegative(0.5),
  passMaxSeconds: positive(3),
  /** Below this ball speed (body heights per second) a released ball has come to rest: it is loose. */
  ballRestSpeed: nonNegative(1),
  passMinDistance: nonNegative(1),
  /** A change of possession between teams is a tackle when the players are this close (body heights). */
  tackleDistance: positive(1.5),
  /** Peak ball speed of a shot (body heights per second). */
  shotSpeed: positive(5.5),
  /** How far back a tackle may start: the challenger closing in on the ball carrier. */
  tackleMaxSeconds: nonNegative(3),
  /** Fraction of the frame width at either side where the goals are. */
  goalMargin: z.number().min(0).max(0.5).default(0.08),
  dribbleMinSeconds: nonNegative(1),
  dribbleSpeed: nonNegative(0.6),
  /** Events of the same action and players closer than this are merged. */
  mergeGapSeconds: nonNegative(0.3),
  /** The per-player motion summary is written only when its JSON stays below this. */
  motionSummaryMaxBytes: z.number().int().nonnegative().default(65_536),
});

export type ActionParams = z.infer<typeof paramsSchema>;

export const builtinParams: ActionParams = paramsSchema.parse({});
