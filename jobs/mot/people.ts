// People from detections to finished tracks: each detection frame's boxes (in working-size pixels)
// are scaled to the source video, given their kit colour, and associated; at the end the track
// fragments are stitched, gaps interpolated and teams split. The first seconds of detections are
// held back until the two kits are known, so that a player who clearly wears one kit is never
// joined to a track of the other (close kits, such as yellow and orange, defeat a fixed colour
// distance).
import type { Track as TrackOut } from '../formats';
import { appearanceOf } from './appearance';
import type { Box } from './box';
import type { Detection } from './detector';
import { buildTracks } from './output';
import { cutAtEncounters, stitchTracks } from './stitch';
import { kitColors, kitOf, torsoColor, type Rgb } from './team';
import { Tracker, type ScoredBox, type TrackerOptions } from './tracker';

/**
 * Detect every 6th frame, two frames per inference: faster than 25 fps on one core (see
 * bench/tracking.ts). Every 5th keeps a few more identities and is about a tenth slower.
 */
export const DEFAULT_STRIDE = 6;

/** How people are tracked; written to tracks.json beside the detector's settings. */
export const TRACKING = {
  tracker: { highScore: 0.22, lowScore: 0.1, newTrackScore: 0.25, minHits: 3, buffer: 0.3, maxColorDistance: 90 } satisfies Omit<TrackerOptions, 'maxAge'>,
  /** A lost track is kept this long for recovery. */
  maxAgeSeconds: 2.5,
  /**
   * Gaps in a track up to this long are bridged by interpolation (2 s drew boxes through occlusions
   * where the player had gone elsewhere: more false positives than boxes found).
   */
  maxGapSeconds: 1.5,
  stitch: { maxGapSeconds: 3, maxColorDistance: 90, appearanceWeight: 0.5, appearanceScale: 60 },
  /** A detection overlapped by another over less than this share of the smaller box counts as isolated. */
  isolatedOverlap: 0.2,
  /** Detections held back, from the start, to learn the two kit colours before tracking. */
  kitSeconds: 10,
};

export interface Frame {
  /** 0-based index of the frame in the video. */
  index: number;
  /** RGB24 at the working size. */
  rgb: Uint8Array;
}

export class PeopleTracking {
  private readonly tracker: Tracker;
  private predictedTo = -1;
  /** The two kit colours, learnt from the first kitSeconds of detections (undefined until then). */
  private kits: [Rgb, Rgb] | null | undefined;
  private pending: { index: number; people: ScoredBox[] }[] = [];
  /** The last frame detection ran on. */
  lastDetected = 0;

  constructor(
    private readonly video: { fps: number },
    private readonly tile: { width: number; height: number },
    private readonly scale: { x: number; y: number },
    private readonly stride: number,
  ) {
    this.tracker = new Tracker({ ...TRACKING.tracker, maxAge: Math.max(2 * stride, Math.round(TRACKING.maxAgeSeconds * video.fps)) });
  }

  get trackCount(): number {
    return this.tracker.tracks.length;
  }

  /** The detections of one frame, in working-size pixels; frames must come in order. */
  add(frame: Frame, detections: Detection[]): void {
    const { x: sx, y: sy } = this.scale;
    const { width, height } = this.tile;
    const people: ScoredBox[] = detections.map((d) => ({
      x: d.x * sx, y: d.y * sy, w: d.w * sx, h: d.h * sy, score: d.score,
      color: torsoColor(frame.rgb, width, height, d),
      appearance: appearanceOf(frame.rgb, width, height, d),
      isolated: detections.every((o) => o === d || overlap(d, o) < TRACKING.isolatedOverlap),
    }));
    this.lastDetected = frame.index;
    if (this.kits === undefined) {
      this.pending.push({ index: frame.index, people });
      if (frame.index - this.pending[0]!.index >= TRACKING.kitSeconds * this.video.fps) this.flush();
      return;
    }
    this.track(frame.index, people);
  }

  /** Learns the kits from the frames held back and tracks them. */
  private flush(): void {
    this.kits = kitColors(this.pending.flatMap((f) => f.people.flatMap((p) => (p.isolated && p.color ? [p.color] : []))));
    for (const f of this.pending) this.track(f.index, f.people);
    this.pending = [];
  }

  private track(index: number, people: ScoredBox[]): void {
    for (const p of people) p.kit = kitOf(p.color, this.kits ?? null);
    for (; this.predictedTo < index; this.predictedTo++) if (this.predictedTo >= 0) this.tracker.predict();
    this.tracker.update(index, people);
  }

  /** Every track, a box on each of its frames up to `lastFrame` (0-based). */
  finish(lastFrame: number): TrackOut[] {
    if (this.kits === undefined) this.flush();
    const fps = this.video.fps;
    // Stitching leaves each track with the filter of its latest part, so every track counts as alive:
    // only those seen on the last detection frame are carried on to the end.
    // A track left undetected for two detection frames in a row is cut there too.
    const pieces = cutAtEncounters(this.tracker.tracks, 2 * this.stride);
    const { stitch } = TRACKING;
    const people = stitchTracks(pieces, { ...stitch, maxGap: Math.round(stitch.maxGapSeconds * fps), velocityFrames: Math.round(fps) });
    return buildTracks(people, new Set(people), { maxGap: Math.round(TRACKING.maxGapSeconds * fps), lastDetectedFrame: this.lastDetected, lastFrame });
  }
}

/** Intersection over the smaller box's area. */
function overlap(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  return (ix * iy) / Math.max(1, Math.min(a.w * a.h, b.w * b.h));
}
