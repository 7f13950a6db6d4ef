// Every tunable setting of the MOT job in one object: the detector's, the detection cadence, how
// people are tracked, born and ended, and what evidence a ball needs. A MOT model version carries
// its own values; DEFAULT_MOT_SETTINGS are the job's when none is given. Times are in seconds of
// video, so that a video is tracked alike whatever its frame rate.
import type { StitchOptions } from './stitch';
import type { KitOptions } from './team';
import type { ContestOptions, TrackerOptions } from './tracker';

export interface PeopleSettings {
  /** Association (see tracker.ts); its maxAge comes from maxAgeSeconds, its contest from contest. */
  tracker: Omit<TrackerOptions, 'maxAge' | 'momentumFrames' | 'contest'>;
  /**
   * Where detections are at most maxSeconds apart (every frame or so), the tracks seen at the last
   * detection frame choose first, a lost track then needs lostIou, and a match another track's cost
   * came within margin of is ambiguous and cut there for stitching (see tracker.ts). At sparser
   * cadences people move too far between detections for either to help.
   */
  contest: ContestOptions & { maxSeconds: number };
  /**
   * The tracker's box growth (tracker.buffer) is for detections this far apart or more; nearer ones
   * need less, as people move less between them: it shrinks in proportion.
   */
  bufferSeconds: number;
  /** A track's heading, for the momentum term, is measured over at least this much video. */
  momentumSeconds: number;
  /** A lost track is kept this long for recovery. */
  maxAgeSeconds: number;
  /** Gaps in a track up to this long are bridged by interpolation. */
  maxGapSeconds: number;
  /**
   * Track fragments are joined across gaps up to maxGapSeconds (see stitch.ts); only up to
   * maxGapSecondsWithoutKits where no two kits were found, as nothing then keeps two people of
   * different teams apart.
   */
  stitch: Omit<StitchOptions, 'maxGap' | 'velocityFrames'> & { maxGapSeconds: number; maxGapSecondsWithoutKits: number };
  /** A track left undetected this long is cut there, for stitching to decide who comes back. */
  cutGapSeconds: number;
  /** A detection overlapped by another over less than this share of the smaller box counts as isolated. */
  isolatedOverlap: number;
  /** Detections held back, from the start, to learn the two kit colours before tracking. */
  kitSeconds: number;
  /** When the colours seen are two kits (see team.ts); players get a team only then. */
  kits: KitOptions;
}

export interface ObjectSettings {
  /** Detections lower than this share of the frame height are not people (a speck in the distance). */
  minHeight: number;
  /** Width over height a person's box keeps (standing or walking); others are not people. */
  minAspect: number;
  maxAspect: number;
  /**
   * A finished track of at least `stillSeconds` that never moved (its centre stays within
   * `stillDistance` of its box height of where it was) and never scored `stillScore` on any
   * detection is a thing, not a person: a cone, a pole, a rock. Someone standing still is detected
   * with confidence, and moves sooner or later (a shorter still piece may be his, before he does).
   */
  stillSeconds: number;
  stillDistance: number;
  stillScore: number;
  /** A track shorter than this (seconds between its first and last detection) is dropped. */
  minSeconds: number;
  /** A track whose detections' median score is below this is dropped: clutter scores low throughout, people now and then. */
  minTrackScore: number;
}

export interface BallSettings {
  /** The ball's diameter as a share of the frame height. */
  diameter: number;
  /** Fastest ball, frame heights per second. */
  maxSpeed: number;
  /** Gaps in the ball's path up to this long are interpolated. */
  maxGapSeconds: number;
  /** Frames a ball tracklet may go without a candidate. */
  maxMissing: number;
  /**
   * Evidence that there is a ball at all: its path must cover this share of the video's frames,
   * move at `minSpeed` frame heights a second on average, and come within `nearFeet` (in players'
   * heights) of a player's feet on `minNearShare` of its points.
   */
  minCoverage: number;
  minSpeed: number;
  nearFeet: number;
  minNearShare: number;
}

export interface DetectorOptions {
  minScore: number;
  iouThreshold: number;
  maxDetections: number;
  /** Side of the square model input, a multiple of 32: inference time grows with its area. */
  inputSize: number;
}

export interface MotSettings {
  detector: DetectorOptions;
  /** Detection runs this many times per second of video (on every frame when the video has fewer). */
  detectionsPerSecond: number;
  people: PeopleSettings;
  objects: ObjectSettings;
  ball: BallSettings;
}

export const DEFAULT_MOT_SETTINGS: MotSettings = {
  detector: { minScore: 0.1, iouThreshold: 0.5, maxDetections: 60, inputSize: 512 },
  detectionsPerSecond: 25 / 6,
  people: {
    tracker: { highScore: 0.25, lowScore: 0.12, newTrackScore: 0.3, minHits: 2, buffer: 0.3, maxColorDistance: 90, maxBirthOverlap: 0.7, momentumWeight: 0, recoveryIou: 0.5 },
    contest: { maxSeconds: 0.1, lostIou: 0.3, margin: 0.3 },
    bufferSeconds: 0.12,
    momentumSeconds: 0.12,
    maxAgeSeconds: 2.5,
    maxGapSeconds: 1.5,
    stitch: { maxGapSeconds: 3, maxGapSecondsWithoutKits: 1, maxColorDistance: 90, appearanceWeight: 0.5, appearanceScale: 60 },
    cutGapSeconds: 0.48,
    isolatedOverlap: 0.2,
    kitSeconds: 10,
    kits: { minDistance: 40, minShare: 0.2, maxSpread: 20 },
  },
  objects: { minHeight: 0.03, minAspect: 0.1, maxAspect: 2.5, stillSeconds: 2, stillDistance: 0.25, stillScore: 0.45, minSeconds: 0.5, minTrackScore: 0.33 },
  ball: { diameter: 0.015, maxSpeed: 1.25, maxGapSeconds: 0.5, maxMissing: 2, minCoverage: 0.2, minSpeed: 0.05, nearFeet: 0.5, minNearShare: 0.15 },
};
