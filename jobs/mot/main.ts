// The MOT job: people in the single video of processing/input/video/ are detected every
// BING_DETECT_STRIDE frames, tracked in between, split into teams, and written to
// processing/output/tracks/ as tracks.json and tracks.txt.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { JobFailure, log, processingInput, processingOutput, reportProgress, runJob } from '../contract';
import { findBallCandidates } from './ball';
import { ballPath, type BallPoint } from './ballpath';
import { PersonDetector, tilesPerInput, workingSize } from './detector';
import { decodeFrames, prefetch, probeVideo, type DecodedFrame } from './frames';
import { ballTrack, bodiesByFrame, buildTracks, videoFacts, writeTracks } from './output';
import { torsoColor } from './team';
import { stitchTracks } from './stitch';
import { Tracker, type TrackerOptions } from './tracker';

/** Detect every 5th frame: with two frames per inference this keeps up with 25 fps on one core. */
const DEFAULT_STRIDE = 5;

const TRACKER: Omit<TrackerOptions, 'maxAge'> = { highScore: 0.22, lowScore: 0.1, newTrackScore: 0.25, minHits: 2, buffer: 0.3, maxColorDistance: 90 };
/** Gaps in a track up to this long are bridged by interpolation. */
const MAX_GAP_SECONDS = 2;
const DETECTOR = { minScore: 0.1, iouThreshold: 0.5, maxDetections: 60 };
const STITCH = { maxGapSeconds: 3, maxColorDistance: 60 };
/** The ball's diameter and top speed as shares of the frame height (and per second). */
const BALL = { diameter: 0.015, maxSpeed: 1.25, maxGapSeconds: 0.5 };

function inputVideo(): string {
  const dir = processingInput('video');
  let files: string[];
  try {
    files = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    throw new JobFailure(`no input directory ${dir}`);
  }
  if (files.length !== 1) throw new JobFailure(`expected exactly one video in ${dir}, found ${files.length}`);
  return join(dir, files[0]!);
}

function strideFromEnv(): number {
  const raw = process.env.BING_DETECT_STRIDE;
  if (raw === undefined || raw === '') return DEFAULT_STRIDE;
  const stride = Number(raw);
  if (!Number.isInteger(stride) || stride < 1) throw new JobFailure(`BING_DETECT_STRIDE must be a positive integer, got '${raw}'`);
  return stride;
}

async function main(): Promise<void> {
  const started = Date.now();
  const path = inputVideo();
  const stride = strideFromEnv();
  const video = await probeVideo(path);
  log(`mot: ${path}: ${video.width}x${video.height} ${video.fps.toFixed(2)} fps, ${video.frames} frames, ${video.codec} in ${video.container}`);
  const tile = workingSize(video.width, video.height);
  const sx = video.width / tile.width;
  const sy = video.height / tile.height;
  const detector = await PersonDetector.load(DETECTOR);
  // A lost track is kept for about 2.5 s.
  const tracker = new Tracker({ ...TRACKER, maxAge: Math.max(2 * stride, Math.round(2.5 * video.fps)) });
  reportProgress(0, { stage: 'detect' });

  let predictedTo = -1;
  let lastDetected = 0;
  const batch: DecodedFrame[] = [];
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    const detections = await detector.detectTiles(batch.map((f) => f.rgb), tile.width, tile.height);
    batch.forEach((frame, k) => {
      const people = detections[k]!.map((d) => ({
        x: d.x * sx, y: d.y * sy, w: d.w * sx, h: d.h * sy, score: d.score,
        color: torsoColor(frame.rgb, tile.width, tile.height, d),
      }));
      for (; predictedTo < frame.index; predictedTo++) if (predictedTo >= 0) tracker.predict();
      tracker.update(frame.index, people);
      lastDetected = frame.index;
    });
    batch.length = 0;
    reportProgress((lastDetected + 1) / video.frames, { frame: lastDetected + 1, tracks: tracker.tracks.length });
  };
  // Every frame is decoded for the ball, which is cheap to find; people only every stride-th.
  const ballSize = { w: (BALL.diameter * video.height) / sx, h: (BALL.diameter * video.height) / sy };
  const ballCandidates: BallPoint[][] = [];
  for await (const frame of prefetch(decodeFrames(path, 1, tile.width, tile.height), 8 * stride)) {
    ballCandidates[frame.index] = findBallCandidates(frame.rgb, tile.width, tile.height, ballSize).map((c) => ({
      frame: frame.index, x: c.x * sx, y: c.y * sy, w: c.w * sx, h: c.h * sy, score: c.score,
    }));
    if (frame.index % stride !== 0) continue;
    batch.push(frame);
    if (batch.length === tilesPerInput(tile.width, tile.height)) await flush();
  }
  await flush();

  const lastFrame = Math.max(video.frames - 1, lastDetected);
  // Stitching leaves each track with the filter of its latest part, so every track counts as alive:
  // only those seen on the last detection frame are carried on to the end.
  const people = stitchTracks(tracker.tracks, { ...STITCH, maxGap: Math.round(STITCH.maxGapSeconds * video.fps), velocityFrames: Math.round(video.fps) });
  const tracks = buildTracks(people, new Set(people), { maxGap: Math.round(MAX_GAP_SECONDS * video.fps), lastDetectedFrame: lastDetected, lastFrame });
  const bodies = bodiesByFrame(tracks);
  const ball = ballPath(Array.from(ballCandidates, (c) => c ?? []), {
    maxStep: (BALL.maxSpeed * video.height) / video.fps,
    maxGap: Math.round(BALL.maxGapSeconds * video.fps),
    maxMissing: 2,
    bodies: (f) => bodies.get(f + 1) ?? [],
  });
  if (ball.length) tracks.push(ballTrack(ball, Math.max(0, ...tracks.map((t) => t.id)) + 1));
  const seconds = (Date.now() - started) / 1000;
  writeTracks(processingOutput('tracks'), {
    video: { ...videoFacts(video), frames: lastFrame + 1 },
    detector: { ...PersonDetector.describe(), stride, tile, minScore: DETECTOR.minScore, tracker: TRACKER, seconds, framesPerSecond: (lastFrame + 1) / seconds },
    tracks,
  });
  reportProgress(1, { tracks: tracks.length, ballFrames: ball.length, seconds });
  log(`mot: ${tracks.length} tracks over ${lastFrame + 1} frames in ${seconds.toFixed(1)} s (${((lastFrame + 1) / seconds).toFixed(1)} frames/s)`);
}

runJob(main);
