// Every tunable setting of the MOT job in one object: the detector's, the detection cadence, how
// people are tracked, born and ended, and what evidence a ball needs. A MOT model version carries
// its own values; DEFAULT_MOT_SETTINGS are the job's when none is given. Times are in seconds of
// video, so that a video is tracked alike whatever its frame rate.
import type { DetectorOptions } from './detector';
import type { StitchOptions } from './stitch';
import type { TrackerOptions } from './tracker';

export interface PeopleSettings {
  /** Association (see tracker.ts); its maxAge comes from maxAgeSeconds. */
  tracker: Omit<TrackerOptions, 'maxAge'>;
  /** A lost track is kept this long for recovery. */
  maxAgeSeconds: number;
  /** Gaps in a track up to this long are bridged by interpolation. */
  maxGapSeconds: number;
  /** Track fragments are joined across gaps up to maxGapSeconds (see stitch.ts). */
  stitch: Omit<StitchOptions, 'maxGap' | 'velocityFrames'> & { maxGapSeconds: number };
  /** A track left undetected this long is cut there, for stitching to decide who comes back. */
  cutGapSeconds: number;
  /** A detection overlapped by another over less than this share of the smaller box counts as isolated. */
  isolatedOverlap: number;
  /** Detections held back, from the start, to learn the two kit colours before tracking. */
  kitSeconds: number;
}

export interface ObjectSettings {
  /** Detections lower than this share of the frame height are not people (a speck in the distance). */
  minHeight: number;
  /** Width over height a person's box keeps (standing or walking); others are not people. */
  minAspect: number;
  maxAspect: number;
  /**
   * A finished track that never moved (its centre stays within `stillDistance` of its box height
   * of where it was) and never scored `stillScore` on any detection is a thing, not a person:
   * a cone, a pole, a rock. Someone standing still is detected with confidence.
   */
  stillDistance: number;
  stillScore: number;
  /** A track shorter than this (seconds between its first and last detection) is dropped. */
  minSeconds: number;
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
   * Evidence that there is a ball at all: its path must hold candidates on this share of the
   * video's frames, travel at least `minTravel` frame heights in all, and come within
   * `nearFeet` (in players' heights) of a player's feet on `minNearShare` of its points.
   */
  minCoverage: number;
  minTravel: number;
  nearFeet: number;
  minNearShare: number;
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
    tracker: { highScore: 0.22, lowScore: 0.1, newTrackScore: 0.25, minHits: 3, buffer: 0.3, maxColorDistance: 90 },
    maxAgeSeconds: 2.5,
    maxGapSeconds: 1.5,
    stitch: { maxGapSeconds: 3, maxColorDistance: 90, appearanceWeight: 0.5, appearanceScale: 60 },
    cutGapSeconds: 0.48,
    isolatedOverlap: 0.2,
    kitSeconds: 10,
  },
  objects: { minHeight: 0, minAspect: 0, maxAspect: 100, stillDistance: 0, stillScore: 0, minSeconds: 0 },
  ball: { diameter: 0.015, maxSpeed: 1.25, maxGapSeconds: 0.5, maxMissing: 2, minCoverage: 0, minTravel: 0, nearFeet: 100, minNearShare: 0 },
};
