// The MOT job: people in the single video of processing/input/video/ are detected at the
// settings' cadence in video time (every BING_DETECT_STRIDE-th frame when that is set; at
// BING_DETECT_SIZE, the detector's input side), tracked in between, split into teams when two kits
// are found, and written to processing/output/tracks/ as tracks.json and tracks.txt, with the
// detections the tracker was given in detections.txt. With BING_FIRST_FRAME and BING_END_FRAME
// (0-based, both or neither) only the video's frames [first, end) are read, end clamped to the
// video: the boxes keep the whole video's 1-based frames and detection cadence, tracks.json keeps the
// whole video's facts and says which frames it covers. The settings and the detector graph are those
// of the MOT model in processing/input/model/ (model.ts), the built-in model when none is given.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { JobFailure, log, processingInput, processingOutput, reportProgress, runJob } from '../contract';
import { isInputSize, PersonDetector } from './detector';
import { probeVideo, type FrameRange } from './frames';
import { videoFacts, writeDetections, writeTracks } from './output';
import { trackVideo, type Cadence } from './pipeline';
import { loadMotModel } from './model';

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

function integerFromEnv(name: string, valid: (n: number) => boolean, what: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || !valid(n)) throw new JobFailure(`${name} must be ${what}, got '${raw}'`);
  return n;
}

/** BING_FIRST_FRAME and BING_END_FRAME, checked against the video's `frames`; undefined when unset. */
function segmentFromEnv(frames: number): Required<FrameRange> | undefined {
  const first = integerFromEnv('BING_FIRST_FRAME', (n) => n >= 0, 'a frame index (an integer from 0)');
  const end = integerFromEnv('BING_END_FRAME', (n) => n >= 1, 'a frame index (an integer from 1)');
  if (first === undefined && end === undefined) return undefined;
  if (first === undefined || end === undefined) throw new JobFailure('BING_FIRST_FRAME and BING_END_FRAME go together: set both or neither');
  if (end <= first) throw new JobFailure(`BING_END_FRAME (${end}) must be greater than BING_FIRST_FRAME (${first})`);
  if (first >= frames) throw new JobFailure(`BING_FIRST_FRAME (${first}) is beyond the video, which has ${frames} frames`);
  return { first, end: Math.min(end, frames) };
}

async function main(): Promise<void> {
  const started = Date.now();
  const path = inputVideo();
  const model = loadMotModel(processingInput('model'));
  const { settings } = model;
  log(`mot: model ${model.name} version ${model.version}${model.detectorGraph ? ' with its own detector graph' : ''}; settings ${JSON.stringify(settings)}`);
  const stride = integerFromEnv('BING_DETECT_STRIDE', (n) => n >= 1, 'a positive integer');
  const cadence: Cadence = stride ? { stride } : { perSecond: settings.detectionsPerSecond };
  const inputSize = integerFromEnv('BING_DETECT_SIZE', isInputSize, 'a multiple of 32 from 64') ?? settings.detector.inputSize;
  const video = await probeVideo(path);
  log(`mot: ${path}: ${video.width}x${video.height} ${video.fps.toFixed(2)} fps, ${video.frames} frames, ${video.codec} in ${video.container}`);
  const segment = segmentFromEnv(video.frames);
  // The last segment reads to the end of the video, as an unsegmented run does.
  const range: FrameRange = segment ? { first: segment.first, end: segment.end < video.frames ? segment.end : undefined } : { first: 0 };
  const { first } = range;
  const frames = (range.end ?? video.frames) - first;
  if (segment) log(`mot: frames [${segment.first}, ${segment.end}) of the video, ${video.seeksToFrames ? 'seeking to the first' : 'decoding from the start (no exact seek in this video)'}`);
  const detectorOptions = { ...settings.detector, inputSize };
  const detector = await PersonDetector.load(detectorOptions, model.detectorGraph).catch((err: unknown) => {
    throw new JobFailure(`the detector graph of MOT model ${model.version} cannot be loaded: ${(err as Error).message}`);
  });
  const tile = detector.workingSize(video.width, video.height);
  reportProgress(0, { stage: 'detect' });
  const { tracks, detections, lastFrame, ballFrames } = await trackVideo(path, video, settings, cadence, {
    tile,
    tilesPerCall: detector.tilesPerInput(tile),
    detect: (frames) => detector.detectTiles(frames.map((f) => f.rgb), tile.width, tile.height),
  }, (frame, count) => reportProgress((frame + 1 - first) / frames, { frame: frame + 1, tracks: count }), range);
  const seconds = (Date.now() - started) / 1000;
  const tracked = lastFrame + 1 - first;
  const out = processingOutput('tracks');
  writeTracks(out, {
    video: { ...videoFacts(video), frames: Math.max(video.frames, lastFrame + 1) },
    ...(segment && { segment: { firstFrame: first, endFrame: lastFrame + 1 } }),
    detector: { ...detector.describe(), model: { name: model.name, version: model.version }, cadence, detectionFrames: detections.length, tile, settings: { ...settings, detector: detectorOptions }, seconds, framesPerSecond: tracked / seconds },
    tracks,
  });
  writeDetections(out, detections);
  reportProgress(1, { tracks: tracks.length, ballFrames, seconds });
  log(`mot: ${tracks.length} tracks over ${tracked} frames in ${seconds.toFixed(1)} s (${(tracked / seconds).toFixed(1)} frames/s)`);
}

runJob(main);
