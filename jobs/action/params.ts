// The action model's parameters: thresholds and weights of the rule-based recogniser. Speeds are in
// body heights per second (box height is the scale), distances in body heights or widths, times in
// seconds, so one set of numbers works at any resolution, frame rate and camera distance.
// The built-in speeds match the generated clips (test/fixtures/clip: walking about 0.5, running 1.2,
// sprinting 2.3 body heights per second); real players move faster in those units (walking ~0.8,
// sprinting 3.5+), so footage of real play wants a model with higher thresholds.
import { z } from 'zod';

export const paramsSchema = z.object({
  /** Moving-average window for box positions and heights. */
  smoothSeconds: z.number().positive(),
  /** Half the span of the central difference that gives the speed. */
  speedLagSeconds: z.number().positive(),
  /** Gaps in a track up to this long are interpolated; longer ones split it. */
  maxGapSeconds: z.number().nonnegative(),
  /** Speeds at which a player enters walking, running, sprinting (body heights per second). */
  walkSpeed: z.number().positive(),
  runSpeed: z.number().positive(),
  sprintSpeed: z.number().positive(),
  /** A state is left below `enter * hysteresis`. */
  hysteresis: z.number().gt(0).max(1),
  /** Shorter state runs are absorbed by their neighbours. */
  minStateSeconds: z.number().nonnegative(),
  /** Standing at least this long before start-moving and after stop. */
  minStandSeconds: z.number().nonnegative(),
  sprintMinSeconds: z.number().nonnegative(),
  /**
   * Two players meet when their feet are within this many body heights (about one body width
   * between the boxes), with image-y differences weighted by meetDepthWeight (depth is foreshortened)...
   */
  meetDistance: z.number().nonnegative(),
  meetDepthWeight: z.number().nonnegative(),
  /** ...for at least this long. */
  meetMinSeconds: z.number().nonnegative(),
  /** Subtract a panning camera's motion, estimated from the players who stand still. */
  cameraCompensation: z.boolean(),
  /** The ball is a player's when within this many body heights of the feet. */
  possessionRadius: z.number().positive(),
  /** ...and moving with the player: relative speed at most this (body heights per second). */
  possessionMaxRelSpeed: z.number().positive(),
  possessionMinSeconds: z.number().nonnegative(),
  /** Short losses of the ball by the same player are bridged. */
  possessionGapSeconds: z.number().nonnegative(),
  /** Ball gaps up to this long are interpolated. */
  ballMaxGapSeconds: z.number().nonnegative(),
  passMaxSeconds: z.number().positive(),
  /** Below this ball speed (body heights per second) a released ball has come to rest: it is loose. */
  ballRestSpeed: z.number().nonnegative(),
  passMinDistance: z.number().nonnegative(),
  /** A change of possession between teams is a tackle when the players are this close (body heights). */
  tackleDistance: z.number().positive(),
  /** Peak ball speed of a shot (body heights per second). */
  shotSpeed: z.number().positive(),
  /** How far back a tackle may start: the challenger closing in on the ball carrier. */
  tackleMaxSeconds: z.number().nonnegative(),
  /** Fraction of the frame width at either side where the goals are. */
  goalMargin: z.number().min(0).max(0.5),
  dribbleMinSeconds: z.number().nonnegative(),
  dribbleSpeed: z.number().nonnegative(),
  /** Events of the same action and players closer than this are merged. */
  mergeGapSeconds: z.number().nonnegative(),
  /** The per-player motion summary is written only when its JSON stays below this. */
  motionSummaryMaxBytes: z.number().int().nonnegative(),
});

export type ActionParams = z.infer<typeof paramsSchema>;

export const builtinParams: ActionParams = {
  smoothSeconds: 0.4,
  speedLagSeconds: 0.2,
  maxGapSeconds: 1,
  walkSpeed: 0.25,
  runSpeed: 0.8,
  sprintSpeed: 1.7,
  hysteresis: 0.8,
  minStateSeconds: 0.3,
  minStandSeconds: 0.4,
  sprintMinSeconds: 0.4,
  meetDistance: 0.5,
  meetDepthWeight: 2,
  meetMinSeconds: 0.4,
  cameraCompensation: true,
  possessionRadius: 0.6,
  possessionMaxRelSpeed: 3,
  possessionMinSeconds: 0.4,
  possessionGapSeconds: 0.3,
  ballMaxGapSeconds: 0.5,
  passMaxSeconds: 3,
  ballRestSpeed: 1,
  passMinDistance: 1,
  tackleDistance: 1.5,
  tackleMaxSeconds: 3,
  shotSpeed: 5.5,
  goalMargin: 0.08,
  dribbleMinSeconds: 1,
  dribbleSpeed: 0.6,
  mergeGapSeconds: 0.3,
  motionSummaryMaxBytes: 65_536,
};
