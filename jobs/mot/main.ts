// The MOT job: people in the single video of processing/input/video/ are detected at the
// settings' cadence in video time (every BING_DETECT_STRIDE-th frame when that is set; at
// BING_DETECT_SIZE, the detector's input side), tracked in between, split into teams when two kits
// are found, and written to processing/output/tracks/ as tracks.json and tracks.txt, with the
// detections the tracker was given in detections.txt. The settings and the detector graph are those
// of the MOT model in processing/input/model/ (model.ts), the built-in model when none is given.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { JobFailure, log, processingInput, processingOutput, reportProgress, runJob } from '../contract';
import { isInputSize, PersonDetector } from './detector';
import { probeVideo } from './frames';
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
  }, (frame, count) => reportProgress((frame + 1) / video.frames, { frame: frame + 1, tracks: count }));
  const seconds = (Date.now() - started) / 1000;
  const out = processingOutput('tracks');
  writeTracks(out, {
    video: { ...videoFacts(video), frames: lastFrame + 1 },
    detector: { ...detector.describe(), model: { name: model.name, version: model.version }, cadence, detectionFrames: detections.length, tile, settings: { ...settings, detector: detectorOptions }, seconds, framesPerSecond: (lastFrame + 1) / seconds },
    tracks,
  });
  writeDetections(out, detections);
  reportProgress(1, { tracks: tracks.length, ballFrames, seconds });
  log(`mot: ${tracks.length} tracks over ${lastFrame + 1} frames in ${seconds.toFixed(1)} s (${((lastFrame + 1) / seconds).toFixed(1)} frames/s)`);
}

runJob(main);
