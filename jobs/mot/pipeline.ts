// One video, or a range of its frames, through the MOT job's steps: every frame decoded at the
// detector's working size and searched for ball candidates, people detected at the settings'
// cadence in video time (counted from the video's first frame, so that a range detects on the same
// frames as the whole video) and tracked, then the ball's path kept only where there is evidence of
// a ball. Where the detections come from is the caller's choice: the detector, or detections
// recorded by an earlier run.
import type { Track as TrackOut } from '../formats';
import { findBallCandidates } from './ball';
import { ballPath, hasBallEvidence, type BallPoint } from './ballpath';
import type { Detection } from './detector';
import { decodeFrames, prefetch, type DecodedFrame, type FrameRange, type Probe } from './frames';
import { ballTrack, bodiesByFrame, type FrameDetections } from './output';
import { PeopleTracking } from './people';
import type { MotSettings } from './settings';

export interface DetectionSource {
  /** The size frames are decoded at; detections come back in its pixels. */
  tile: { width: number; height: number };
  /** Frames one call of `detect` takes at most. */
  tilesPerCall: number;
  detect(frames: DecodedFrame[]): Promise<Detection[][]>;
}

/** Which frames (0-based) detection runs on: every `stride`-th, or `perSecond` times a second of video. */
export type Cadence = { stride: number } | { perSecond: number };

export function detectsOn(cadence: Cadence, fps: number): (index: number) => boolean {
  if ('stride' in cadence) return (i) => i % cadence.stride === 0;
  const perFrame = cadence.perSecond / fps;
  if (perFrame >= 1) return () => true;
  return (i) => i === 0 || Math.floor(i * perFrame + 1e-6) > Math.floor((i - 1) * perFrame + 1e-6);
}

/** Mean frames between detection frames. */
export function detectionInterval(cadence: Cadence, fps: number): number {
  return 'stride' in cadence ? cadence.stride : Math.max(1, fps / cadence.perSecond);
}

/**
 * The frames to decode for `range` so that its detection frames meet the detector in the same
 * company as in the whole video: detection frames go to it `perCall` at a time, grouped from the
 * video's first frame, and a frame's detections depend a little on the frames beside it in one
 * input. The range is widened to the start of the group of its first detection frame and the end of
 * the group of its last (at most `perCall - 1` detection frames each way, none past `frames`).
 */
export function detectionGroupsOf(range: FrameRange, detected: (index: number) => boolean, perCall: number, frames: number): FrameRange {
  const end = range.end ?? frames;
  let before = 0;
  let groupStart = 0;
  for (let i = 0; i < range.first; i++) {
    if (!detected(i)) continue;
    if (before % perCall === 0) groupStart = i;
    before++;
  }
  let count = before;
  for (let i = range.first; i < end; i++) if (detected(i)) count++;
  if (count === before) return range;
  let last = end;
  for (; count % perCall !== 0 && last < frames; last++) if (detected(last)) count++;
  return { first: before % perCall === 0 ? range.first : groupStart, end: range.end === undefined ? undefined : last };
}

/** The detections of one frame in source pixels. */
export interface TrackedVideo {
  /** People, then the ball when there is evidence of one. */
  tracks: TrackOut[];
  /** Every detection the tracker was given, by detection frame. */
  detections: FrameDetections[];
  /** The last frame (0-based) of the range, or the last one decoded or detected on. */
  lastFrame: number;
  ballFrames: number;
}

export async function trackVideo(
  path: string,
  video: Probe,
  settings: MotSettings,
  cadence: Cadence,
  source: DetectionSource,
  onDetected: (frame: number, tracks: number) => void = () => {},
  range: FrameRange = { first: 0 },
): Promise<TrackedVideo> {
  const { tile } = source;
  const sx = video.width / tile.width;
  const sy = video.height / tile.height;
  const interval = detectionInterval(cadence, video.fps);
  const people = new PeopleTracking(video, tile, { x: sx, y: sy }, interval, settings);
  const detected = detectsOn(cadence, video.fps);
  const detections: FrameDetections[] = [];
  // Frames decoded only as the company of the range's first or last detection frames (see detectionGroupsOf).
  const company = (index: number): boolean => index < range.first || index >= (range.end ?? Infinity);

  const batch: DecodedFrame[] = [];
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    const found = await source.detect(batch);
    batch.forEach((frame, k) => {
      if (company(frame.index)) return;
      const boxes = found[k]!;
      detections.push({ frame: frame.index, boxes: boxes.map((d) => ({ x: d.x * sx, y: d.y * sy, w: d.w * sx, h: d.h * sy, score: d.score })) });
      people.add(frame, boxes);
    });
    batch.length = 0;
    onDetected(people.lastDetected, people.trackCount);
  };
  // Every frame is decoded for the ball, which is cheap to find; people only on detection frames.
  const { ball: b } = settings;
  const ballSize = { w: (b.diameter * video.height) / sx, h: (b.diameter * video.height) / sy };
  const ballCandidates: BallPoint[][] = [];
  const decoded = detectionGroupsOf(range, detected, source.tilesPerCall, video.frames);
  for await (const frame of prefetch(decodeFrames(path, video, tile.width, tile.height, decoded), Math.ceil(8 * interval))) {
    if (!company(frame.index)) {
      ballCandidates[frame.index] = findBallCandidates(frame.rgb, tile.width, tile.height, ballSize).map((c) => ({
        frame: frame.index, x: c.x * sx, y: c.y * sy, w: c.w * sx, h: c.h * sy, score: c.score,
      }));
    }
    if (!detected(frame.index)) continue;
    batch.push(frame);
    if (batch.length === source.tilesPerCall) await flush();
  }
  await flush();

  const lastFrame = Math.max((range.end ?? video.frames) - 1, people.lastDetected);
  const tracks = people.finish(lastFrame);
  const bodies = bodiesByFrame(tracks);
  const bodiesAt = (f: number): { x: number; y: number; w: number; h: number }[] => bodies.get(f + 1) ?? [];
  const path0 = ballPath(Array.from(ballCandidates, (c) => c ?? []), {
    maxStep: (b.maxSpeed * video.height) / video.fps,
    maxGap: Math.round(b.maxGapSeconds * video.fps),
    maxMissing: b.maxMissing,
    bodies: bodiesAt,
  });
  const ball = hasBallEvidence(path0, { frames: lastFrame + 1 - range.first, fps: video.fps, frameHeight: video.height, bodies: bodiesAt, ...b }) ? path0 : [];
  if (ball.length) tracks.push(ballTrack(ball, Math.max(0, ...tracks.map((t) => t.id)) + 1));
  return { tracks, detections, lastFrame, ballFrames: ball.length };
}
