// People from detections to finished tracks: each detection frame's boxes (in working-size pixels)
// are scaled to the source video, given their kit colour, and associated; at the end the track
// fragments are stitched, gaps interpolated and teams split. The first seconds of detections are
// held back until the two kits are known, so that a player who clearly wears one kit is never
// joined to a track of the other (close kits, such as yellow and orange, defeat a fixed colour
// distance).
import type { Track as TrackOut } from '../formats';
import { appearanceOf } from './appearance';
import { overlap, type Box } from './box';
import type { Detection } from './detector';
import { buildTracks } from './output';
import { cutAtEncounters, stitchTracks } from './stitch';
import type { MotSettings } from './settings';
import { kitColors, kitOf, torsoColor, type Rgb } from './team';
import { Tracker, type ScoredBox, type Track } from './tracker';

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
    /** Mean frames between detection frames. */
    private readonly interval: number,
    private readonly settings: MotSettings,
  ) {
    const p = settings.people;
    const seconds = interval / video.fps;
    const buffer = p.tracker.buffer * Math.min(1, seconds / p.bufferSeconds);
    const { maxSeconds, ...contest } = p.contest;
    this.tracker = new Tracker({ ...p.tracker, buffer, contest: seconds <= maxSeconds ? contest : null, momentumFrames: Math.max(1, Math.round(p.momentumSeconds * video.fps)), maxAge: Math.max(Math.round(2 * interval), Math.round(p.maxAgeSeconds * video.fps)) });
  }

  get trackCount(): number {
    return this.tracker.tracks.length;
  }

  /** The detections of one frame, in working-size pixels; frames must come in order. */
  add(frame: Frame, detections: Detection[]): void {
    const { x: sx, y: sy } = this.scale;
    const { width, height } = this.tile;
    const people: ScoredBox[] = detections.filter((d) => this.personShaped(d)).map((d) => ({
      x: d.x * sx, y: d.y * sy, w: d.w * sx, h: d.h * sy, score: d.score,
      color: torsoColor(frame.rgb, width, height, d),
      appearance: appearanceOf(frame.rgb, width, height, d),
      isolated: detections.every((o) => o === d || overlap(d, o) < this.settings.people.isolatedOverlap),
    }));
    this.lastDetected = frame.index;
    if (this.kits === undefined) {
      this.pending.push({ index: frame.index, people });
      if (frame.index - this.pending[0]!.index >= this.settings.people.kitSeconds * this.video.fps) this.flush();
      return;
    }
    this.track(frame.index, people);
  }

  /** Learns the kits from the frames held back and tracks them. */
  private flush(): void {
    this.kits = kitColors(this.pending.flatMap((f) => f.people.flatMap((p) => (p.isolated && p.color ? [p.color] : []))), this.settings.people.kits);
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
    const p = this.settings.people;
    const pieces = cutAtEncounters(this.tracker.tracks, Math.max(2 * this.interval, p.cutGapSeconds * fps));
    const { maxGapSeconds, maxGapSecondsWithoutKits, ...stitch } = p.stitch;
    const maxGap = Math.round((this.kits ? maxGapSeconds : maxGapSecondsWithoutKits) * fps);
    const people = stitchTracks(pieces, { ...stitch, maxGap, velocityFrames: Math.round(fps) })
      .filter((t) => this.isPerson(t));
    people.forEach((t, i) => (t.id = i + 1));
    return buildTracks(people, new Set(people), this.kits !== null, { maxGap: Math.round(p.maxGapSeconds * fps), lastDetectedFrame: this.lastDetected, lastFrame });
  }

  /** A detection of a person's size and shape (working-size pixels). */
  private personShaped(d: Detection): boolean {
    const o = this.settings.objects;
    const aspect = (d.w * this.scale.x) / Math.max(1e-6, d.h * this.scale.y);
    return d.h >= o.minHeight * this.tile.height && aspect >= o.minAspect && aspect <= o.maxAspect;
  }

  /** Whether a finished track is a person's: it lasted, and it moved or was seen with confidence. */
  private isPerson(track: Track): boolean {
    const o = this.settings.objects;
    const obs = track.observations;
    const seconds = (obs[obs.length - 1]!.frame - obs[0]!.frame) / this.video.fps;
    if (seconds < o.minSeconds) return false;
    if (median(obs.map((x) => x.score)) < o.minTrackScore) return false;
    if (seconds < o.stillSeconds || obs.some((x) => x.score >= o.stillScore)) return true;
    const reach = o.stillDistance * median(obs.map((x) => x.box.h));
    const c0 = centre(obs[0]!.box);
    return obs.some((x) => {
      const c = centre(x.box);
      return Math.hypot(c.x - c0.x, c.y - c0.y) > reach;
    });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

function centre(b: Box): { x: number; y: number } {
  return { x: b.x + b.w / 2, y: b.y + b.h / 2 };
}
