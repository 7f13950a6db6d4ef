// ByteTrack-style association (Zhang et al., 2022): every detection is used, the confident ones
// first. Tracks are predicted by a Kalman filter on every frame and corrected on detection frames.
// Three ideas of OC-SORT (Cao et al., 2023) keep a track from jumping to a neighbour after it was
// lost for a while, when the prediction has drifted: the cost favours detections in the direction
// the track's observations were heading (momentum); tracks left over are matched by their last
// observed box rather than the prediction (recovery); and a track found again has its filter re-run
// from its last observation along a straight path to the new one (re-update), so that the drift
// does not carry on. Where detections come often, two more guard identities where people cross:
// the tracks seen at the last detection frame choose first, so that a lost track cannot take a box
// from one that is following it, and a match another track nearly tied for is marked ambiguous, so
// that the track is cut there and stitching (stitch.ts) decides who is who.
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
  /** Weight of the direction-consistency term in the cost (0: none). */
  momentumWeight: number;
  /** Frames back, at least, to the observation a track's heading is measured from. */
  momentumFrames: number;
  /** IoU with a track's last observed box that recovers a track the prediction missed (above 1: no recovery). */
  recoveryIou: number;
  /** Where detections come often (see contest in settings.ts); null: every confirmed track is matched at once. */
  contest: ContestOptions | null;
}

export interface ContestOptions {
  /** IoU a lost track needs with a confident detection that the tracks seen last time left over. */
  lostIou: number;
  /** A match is ambiguous when another track's cost for the same detection is within this of its own. */
  margin: number;
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
  /** Another track nearly tied for this detection: who is who is left to stitching. */
  ambiguous: boolean;
  kit?: 0 | 1 | null;
}

export class Track {
  /** 0 while tentative; numbered when confirmed, so output ids are 1..N without gaps. */
  id = 0;
  hits = 1;
  lastFrame: number;
  readonly observations: Observation[] = [];
  filter: KalmanBox;
  /** The filter as its last observation left it, for the re-update. */
  private observed: KalmanBox;
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
    this.observed = this.filter.clone();
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

  /** The box of its last observation. */
  get lastBox(): Box {
    return this.observations[this.observations.length - 1]!.box;
  }

  /** The unit direction its observations moved in over the last `span` frames or more; null when unknown. */
  heading(span: number): { x: number; y: number } | null {
    const obs = this.observations;
    const last = obs[obs.length - 1]!;
    let k = obs.length - 2;
    while (k > 0 && last.frame - obs[k]!.frame < span) k--;
    if (k < 0) return null;
    return direction(obs[k]!.box, last.box);
  }

  /**
   * Corrects the filter with `det`. After a gap (`reupdate`), the filter is first taken back to the
   * last observation and corrected on every frame in between by boxes on the straight path to `det`.
   */
  update(frame: number, det: ScoredBox, reupdate = false, ambiguous = false): void {
    const z = toMeasurement(det);
    const gap = frame - this.lastFrame;
    if (reupdate && gap > 1) {
      const from = toMeasurement(this.lastBox);
      this.filter = this.observed;
      for (let k = 1; k < gap; k++) {
        this.filter.predict();
        const u = k / gap;
        this.filter.update({ x: from.x + u * (z.x - from.x), y: from.y + u * (z.y - from.y), a: from.a + u * (z.a - from.a), h: from.h + u * (z.h - from.h) });
      }
      this.filter.predict();
    }
    this.filter.update(z);
    this.observed = this.filter.clone();
    this.hits++;
    this.lastFrame = frame;
    this.record(frame, det, ambiguous);
  }

  /** Takes over a track that continues this one (see stitch.ts). */
  absorb(later: Track): void {
    this.observations.push(...later.observations);
    this.kitVotes[0] += later.kitVotes[0];
    this.kitVotes[1] += later.kitVotes[1];
    this.hits += later.hits;
    this.lastFrame = later.lastFrame;
    this.filter = later.filter;
    this.observed = later.observed;
  }

  /**
   * Cuts off the observations from index `at` on into a new track, which keeps the filter (the
   * earlier part ends before the last detection frame, so it needs none).
   */
  split(at: number): Track {
    const [first, ...rest] = this.observations.splice(at);
    const later = new Track(first!.frame, { ...first!.box, score: first!.score, color: first!.color, appearance: first!.appearance, isolated: first!.isolated, kit: first!.kit });
    later.observations[0]!.ambiguous = first!.ambiguous;
    later.observations.push(...rest);
    later.kitVotes = kitVotesOf(later.observations);
    this.kitVotes = kitVotesOf(this.observations);
    later.hits = rest.length + 1;
    later.lastFrame = this.lastFrame;
    later.filter = this.filter;
    later.observed = this.observed;
    later.color = this.color;
    this.hits = this.observations.length;
    this.lastFrame = this.observations[this.observations.length - 1]!.frame;
    return later;
  }

  private record(frame: number, det: ScoredBox, ambiguous = false): void {
    const { x, y, w, h, score, color, appearance, isolated = true, kit } = det;
    // An ambiguous box may be two people's: its look is no one's alone.
    this.observations.push({ frame, box: { x, y, w, h }, score, color, appearance, isolated: isolated && !ambiguous, ambiguous, kit });
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

    // 1. Confident detections against every confirmed track, lost ones included (after the others
    // where detections come often).
    const first = o.contest ? this.matchRecentFirst(confirmed, high, frame, o.contest) : this.match(confirmed, high, 0.8, frame, 'predicted');
    // 2. Weak detections (often a half-hidden player) only against tracks still seen last time.
    const seen = first.tracks.filter((t) => t.lastFrame >= this.previousUpdate);
    const second = this.match(seen, low, 0.6, frame, 'predicted');
    // 3. Confirmed tracks left over, by their last observed box, get what is left of the confident ones.
    const left = first.tracks.filter((t) => t.lastFrame < frame);
    const recovered = this.match(left, first.detections, 1 - o.recoveryIou, frame, 'observed');
    // 4. Tentative tracks get what is left of the confident detections.
    const third = this.match(tentative, recovered.detections, 0.7, frame, 'predicted');

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

  /** Confident detections to the tracks seen at the last update, then what is left to the lost ones. */
  private matchRecentFirst(tracks: Track[], dets: ScoredBox[], frame: number, contest: ContestOptions): { tracks: Track[]; detections: ScoredBox[] } {
    const recent = this.match(tracks.filter((t) => t.lastFrame >= this.previousUpdate), dets, 0.8, frame, 'predicted');
    const lost = this.match(tracks.filter((t) => t.lastFrame < this.previousUpdate), recent.detections, 1 - contest.lostIou, frame, 'predicted');
    return { tracks: [...recent.tracks, ...lost.tracks], detections: lost.detections };
  }

  /**
   * Pairs gated by `maxCost` on the IoU of the track's box (`by`: predicted, or last observed) and
   * the detection; among them, the momentum term moves the cost by up to half its weight.
   */
  private match(tracks: Track[], dets: ScoredBox[], maxCost: number, frame: number, by: 'predicted' | 'observed'): { tracks: Track[]; detections: ScoredBox[] } {
    if (!tracks.length || !dets.length) return { tracks, detections: dets };
    const o = this.options;
    const cost = tracks.map((t) => {
      const box = by === 'predicted' ? t.predicted : t.lastBox;
      const heading = o.momentumWeight > 0 ? t.heading(o.momentumFrames) : null;
      return dets.map((d) => {
        if (t.color && d.color && colorDistance(t.color, d.color) > o.maxColorDistance) return Infinity;
        if (t.kit !== null && d.kit != null && d.kit !== t.kit) return Infinity;
        const c = 1 - bufferedIou(box, d, o.buffer);
        if (c > maxCost) return Infinity;
        const towards = heading && direction(t.lastBox, d);
        if (!towards) return c;
        const angle = Math.acos(Math.max(-1, Math.min(1, heading.x * towards.x + heading.y * towards.y)));
        return c - (o.momentumWeight * d.score * (Math.PI / 2 - angle)) / Math.PI;
      });
    });
    const { matches, rows, cols } = assign(cost, maxCost + o.momentumWeight);
    const margin = o.contest?.margin ?? -Infinity;
    for (const [r, c] of matches) {
      const t = tracks[r]!;
      const ambiguous = cost.some((row, k) => k !== r && row[c]! <= Math.min(maxCost, cost[r]![c]! + margin));
      t.update(frame, dets[c]!, t.lastFrame < this.previousUpdate, ambiguous);
    }
    return { tracks: rows.map((r) => tracks[r]!), detections: cols.map((c) => dets[c]!) };
  }
}

function kitVotesOf(observations: readonly Observation[]): [number, number] {
  const votes: [number, number] = [0, 0];
  for (const o of observations) if (o.kit != null) votes[o.kit]++;
  return votes;
}

/** The unit vector from the centre of `a` to that of `b`; null when they share it. */
function direction(a: Box, b: Box): { x: number; y: number } | null {
  const dx = b.x + b.w / 2 - a.x - a.w / 2;
  const dy = b.y + b.h / 2 - a.y - a.h / 2;
  const n = Math.hypot(dx, dy);
  return n > 1e-6 ? { x: dx / n, y: dy / n } : null;
}

function toMeasurement(b: Box): { x: number; y: number; a: number; h: number } {
  return { x: b.x + b.w / 2, y: b.y + b.h / 2, a: b.w / Math.max(1, b.h), h: b.h };
}
