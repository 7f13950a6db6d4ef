// ByteTrack-style association (Zhang et al., 2022): every detection is used, the confident ones
// first. Tracks are predicted by a Kalman filter on every frame and corrected on detection frames.
import type { Appearance } from './appearance';
import { assign } from './assign';
import { bufferedIou, overlap, type Box } from './box';
import { KalmanBox } from './kalman';
import { colorDistance, type Rgb } from './team';

export interface TrackerOptions {
  /** Detections at or above this score are matched first and may start tracks. */
  highScore: number;
  /** Detections below highScore but at or above this only extend tracks already tracked. */
  lowScore: number;
  /** A detection must score this much to start a track. */
  newTrackScore: number;
  /** Matches a track needs before it counts. */
  minHits: number;
  /** Frames a lost track is kept for recovery. */
  maxAge: number;
  /** Box growth for matching (see bufferedIou). */
  buffer: number;
  /** A track and a detection whose jersey colours differ more than this (RGB distance) never match. */
  maxColorDistance: number;
  /**
   * A detection that overlaps one given to a track by more than this share (of the smaller box)
   * starts no track: it is most likely a second box on the same person.
   */
  maxBirthOverlap: number;
}

export interface ScoredBox extends Box {
  score: number;
  color?: Rgb;
  appearance?: Appearance;
  /** No other detection overlaps it, so its appearance is the player's alone. */
  isolated?: boolean;
  /** The kit its colour clearly belongs to (see kitOf), if any. */
  kit?: 0 | 1 | null;
}

export interface Observation {
  frame: number;
  box: Box;
  score: number;
  color?: Rgb;
  appearance?: Appearance;
  isolated: boolean;
  kit?: 0 | 1 | null;
}

export class Track {
  /** 0 while tentative; numbered when confirmed, so output ids are 1..N without gaps. */
  id = 0;
  hits = 1;
  lastFrame: number;
  readonly observations: Observation[] = [];
  filter: KalmanBox;
  /** Running mean of the jersey colour, to keep players of different teams apart. */
  color?: Rgb;
  /** Observations that clearly wore each kit. */
  private kitVotes: [number, number] = [0, 0];

  /** The kit most of its observations clearly wore, if any. */
  get kit(): 0 | 1 | null {
    const [a, b] = this.kitVotes;
    return a > b ? 0 : b > a ? 1 : null;
  }

  constructor(frame: number, det: ScoredBox) {
    this.filter = new KalmanBox(toMeasurement(det));
    this.lastFrame = frame;
    this.record(frame, det);
  }

  get predicted(): Box {
    const { x, y, a, h } = this.filter.state;
    return { x: x - (a * h) / 2, y: y - h / 2, w: a * h, h };
  }

  get colors(): Rgb[] {
    return this.observations.flatMap((o) => (o.color ? [o.color] : []));
  }

  update(frame: number, det: ScoredBox): void {
    this.filter.update(toMeasurement(det));
    this.hits++;
    this.lastFrame = frame;
    this.record(frame, det);
  }

  /** Takes over a track that continues this one (see stitch.ts). */
  absorb(later: Track): void {
    this.observations.push(...later.observations);
    this.kitVotes[0] += later.kitVotes[0];
    this.kitVotes[1] += later.kitVotes[1];
    this.hits += later.hits;
    this.lastFrame = later.lastFrame;
    this.filter = later.filter;
  }

  /**
   * Cuts off the observations from index `at` on into a new track, which keeps the filter (the
   * earlier part ends before the last detection frame, so it needs none).
   */
  split(at: number): Track {
    const [first, ...rest] = this.observations.splice(at);
    const later = new Track(first!.frame, { ...first!.box, score: first!.score, color: first!.color, appearance: first!.appearance, isolated: first!.isolated, kit: first!.kit });
    later.observations.push(...rest);
    later.kitVotes = kitVotesOf(later.observations);
    this.kitVotes = kitVotesOf(this.observations);
    later.hits = rest.length + 1;
    later.lastFrame = this.lastFrame;
    later.filter = this.filter;
    later.color = this.color;
    this.hits = this.observations.length;
    this.lastFrame = this.observations[this.observations.length - 1]!.frame;
    return later;
  }

  private record(frame: number, det: ScoredBox): void {
    const { x, y, w, h, score, color, appearance, isolated = true, kit } = det;
    this.observations.push({ frame, box: { x, y, w, h }, score, color, appearance, isolated, kit });
    if (kit != null) this.kitVotes[kit]++;
    if (!det.color) return;
    const c = this.color;
    this.color = c ? (c.map((v, i) => 0.8 * v + 0.2 * det.color![i]!) as Rgb) : det.color;
  }
}

export class Tracker {
  private active: Track[] = [];
  private readonly confirmed: Track[] = [];
  private nextId = 1;
  private previousUpdate = -Infinity;

  constructor(private readonly options: TrackerOptions) {}

  /** Every confirmed track so far, finished or not. */
  get tracks(): readonly Track[] {
    return this.confirmed;
  }

  /** Advances every track one frame without a detection. */
  predict(): void {
    for (const t of this.active) t.filter.predict();
  }

  /** Associates the detections of `frame` (the tracks must have been predicted up to it). */
  update(frame: number, detections: ScoredBox[]): void {
    const o = this.options;
    const high = detections.filter((d) => d.score >= o.highScore);
    const low = detections.filter((d) => d.score < o.highScore && d.score >= o.lowScore);
    const confirmed = this.active.filter((t) => t.id > 0);
    const tentative = this.active.filter((t) => t.id === 0);

    // 1. Confident detections against every confirmed track, lost ones included.
    const first = this.match(confirmed, high, 0.8, frame);
    // 2. Weak detections (often a half-hidden player) only against tracks still seen last time.
    const seen = first.tracks.filter((t) => t.lastFrame >= this.previousUpdate);
    const second = this.match(seen, low, 0.6, frame);
    // 3. Tentative tracks get what is left of the confident detections.
    const third = this.match(tentative, first.detections, 0.7, frame);

    for (const t of third.tracks) this.active.splice(this.active.indexOf(t), 1);
    const unmatched = new Set([...third.detections, ...second.detections]);
    const taken = [...high, ...low].filter((d) => !unmatched.has(d));
    for (const d of third.detections) {
      if (d.score >= o.newTrackScore && taken.every((t) => overlap(t, d) <= o.maxBirthOverlap)) this.active.push(new Track(frame, d));
    }
    for (const t of this.active) {
      if (t.id === 0 && t.hits >= o.minHits) {
        t.id = this.nextId++;
        this.confirmed.push(t);
      }
    }
    this.active = this.active.filter((t) => frame - t.lastFrame <= o.maxAge);
    this.previousUpdate = frame;
  }

  private match(tracks: Track[], dets: ScoredBox[], maxCost: number, frame: number): { tracks: Track[]; detections: ScoredBox[] } {
    if (!tracks.length || !dets.length) return { tracks, detections: dets };
    const cost = tracks.map((t) => dets.map((d) => {
      if (t.color && d.color && colorDistance(t.color, d.color) > this.options.maxColorDistance) return Infinity;
      if (t.kit !== null && d.kit != null && d.kit !== t.kit) return Infinity;
      return 1 - bufferedIou(t.predicted, d, this.options.buffer);
    }));
    const { matches, rows, cols } = assign(cost, maxCost);
    for (const [r, c] of matches) tracks[r]!.update(frame, dets[c]!);
    return { tracks: rows.map((r) => tracks[r]!), detections: cols.map((c) => dets[c]!) };
  }
}

function kitVotesOf(observations: readonly Observation[]): [number, number] {
  const votes: [number, number] = [0, 0];
  for (const o of observations) if (o.kit != null) votes[o.kit]++;
  return votes;
}

function toMeasurement(b: Box): { x: number; y: number; a: number; h: number } {
  return { x: b.x + b.w / 2, y: b.y + b.h / 2, a: b.w / Math.max(1, b.h), h: b.h };
}
