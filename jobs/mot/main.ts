// The MOT job: people in the single video of processing/input/video/ are detected every
// BING_DETECT_STRIDE frames (at BING_DETECT_SIZE, the detector's input side), tracked in between,
// split into teams, and written to processing/output/tracks/ as tracks.json and tracks.txt.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { JobFailure, log, processingInput, processingOutput, reportProgress, runJob } from '../contract';
import { findBallCandidates } from './ball';
import { ballPath, type BallPoint } from './ballpath';
import { isInputSize, JOB_DETECTOR, PersonDetector } from './detector';
import { decodeFrames, prefetch, probeVideo, type DecodedFrame } from './frames';
import { ballTrack, bodiesByFrame, videoFacts, writeTracks } from './output';
import { DEFAULT_STRIDE, PeopleTracking, TRACKING } from './people';

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

function integerFromEnv(name: string, fallback: number, valid: (n: number) => boolean, what: string): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || !valid(n)) throw new JobFailure(`${name} must be ${what}, got '${raw}'`);
  return n;
}

async function main(): Promise<void> {
  const started = Date.now();
  const path = inputVideo();
  const stride = integerFromEnv('BING_DETECT_STRIDE', DEFAULT_STRIDE, (n) => n >= 1, 'a positive integer');
  const inputSize = integerFromEnv('BING_DETECT_SIZE', JOB_DETECTOR.inputSize, isInputSize, 'a multiple of 32 from 64');
  const video = await probeVideo(path);
  log(`mot: ${path}: ${video.width}x${video.height} ${video.fps.toFixed(2)} fps, ${video.frames} frames, ${video.codec} in ${video.container}`);
  const detector = await PersonDetector.load({ ...JOB_DETECTOR, inputSize });
  const tile = detector.workingSize(video.width, video.height);
  const sx = video.width / tile.width;
  const sy = video.height / tile.height;
  const people = new PeopleTracking(video, tile, { x: sx, y: sy }, stride);
  reportProgress(0, { stage: 'detect' });

  const batch: DecodedFrame[] = [];
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    const detections = await detector.detectTiles(batch.map((f) => f.rgb), tile.width, tile.height);
    batch.forEach((frame, k) => people.add(frame, detections[k]!));
    batch.length = 0;
    reportProgress((people.lastDetected + 1) / video.frames, { frame: people.lastDetected + 1, tracks: people.trackCount });
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
    if (batch.length === detector.tilesPerInput(tile)) await flush();
  }
  await flush();

  const lastFrame = Math.max(video.frames - 1, people.lastDetected);
  const tracks = people.finish(lastFrame);
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
    detector: { ...detector.describe(), stride, tile, minScore: JOB_DETECTOR.minScore, tracking: TRACKING, seconds, framesPerSecond: (lastFrame + 1) / seconds },
    tracks,
  });
  reportProgress(1, { tracks: tracks.length, ballFrames: ball.length, seconds });
  log(`mot: ${tracks.length} tracks over ${lastFrame + 1} frames in ${seconds.toFixed(1)} s (${((lastFrame + 1) / seconds).toFixed(1)} frames/s)`);
}

runJob(main);
