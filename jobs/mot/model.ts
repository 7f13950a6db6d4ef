// A MOT model version, as the MOT job is given it in processing/input/model/ and the training job
// reads and writes it: a model.tar.gz (or its model.json alone) holding
//   model.json   {name?, version, settings}: settings over DEFAULT_MOT_SETTINGS (any subset of
//                them; unknown ones are ignored with a warning, bad values fail naming the setting)
//   detector/    optional: a tfjs graph model (model.json and its .bin shards) of the bundled
//                CenterNet's architecture, used instead of the bundled graph
// Without a model the job runs the built-in one: DEFAULT_MOT_SETTINGS and the bundled CenterNet.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as tar from 'tar';
import { z } from 'zod';
import { JobFailure, log } from '../contract';
import { parseJsonDocument } from '../json-input';
import { isInputSize } from './detector';
import { DEFAULT_MOT_SETTINGS, type MotSettings } from './settings';

export interface MotModel {
  name: string;
  version: string;
  settings: MotSettings;
  /** The model.json of the model's own detector graph; absent for the bundled CenterNet. */
  detectorGraph?: string;
}

export const MOT_MODEL_NAME = 'bing-mot';
const SETTINGS_FILE = 'model.json';
const DETECTOR_DIR = 'detector';

const modelFileSchema = z.object({
  name: z.string().min(1).optional(),
  version: z.union([z.string().min(1), z.number()]).transform(String),
  settings: z.record(z.string(), z.unknown()),
});

export function builtinMotModel(): MotModel {
  return { name: MOT_MODEL_NAME, version: 'builtin', settings: structuredClone(DEFAULT_MOT_SETTINGS) };
}

type Tree = { [key: string]: unknown };
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `given` laid over `defaults`, key by key: a value must have its default's type (numbers finite and
 * not negative); unknown keys are collected in `ignored`, defects in `errors`, both by dotted path.
 */
function overlay(defaults: Tree, given: Tree, path: string, ignored: string[], errors: string[]): Tree {
  const out: Tree = { ...defaults };
  for (const [key, value] of Object.entries(given)) {
    const at = path ? `${path}.${key}` : key;
    const base = defaults[key];
    if (base === undefined) ignored.push(at);
    else if (isTree(base)) {
      if (isTree(value)) out[key] = overlay(base, value, at, ignored, errors);
      else errors.push(`${at}: must be an object`);
    } else if (typeof base === 'number') {
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) out[key] = value;
      else errors.push(`${at}: must be a number, 0 or more`);
    } else if (typeof value === typeof base) out[key] = value;
    else errors.push(`${at}: must be a ${typeof base}`);
  }
  return out;
}

/** What the job's code needs of values beyond their types. */
export function settingsProblems(s: MotSettings): string[] {
  const errors: string[] = [];
  const check = (ok: boolean, message: string) => ok || errors.push(message);
  const { detector, people } = s;
  check(isInputSize(detector.inputSize), 'detector.inputSize: must be a multiple of 32 from 64');
  check(Number.isInteger(detector.maxDetections) && detector.maxDetections >= 1, 'detector.maxDetections: must be a whole number from 1');
  check(detector.minScore <= 1 && detector.iouThreshold <= 1, 'detector.minScore and detector.iouThreshold: must be at most 1');
  check(s.detectionsPerSecond > 0, 'detectionsPerSecond: must be above 0');
  check(Number.isInteger(people.tracker.minHits) && people.tracker.minHits >= 1, 'people.tracker.minHits: must be a whole number from 1');
  check(people.tracker.lowScore <= people.tracker.highScore, 'people.tracker.lowScore: must be at most people.tracker.highScore');
  check(people.tracker.highScore <= 1 && people.tracker.newTrackScore <= 1, 'people.tracker scores: must be at most 1');
  check(people.bufferSeconds > 0, 'people.bufferSeconds: must be above 0');
  check(Number.isInteger(s.ball.maxMissing), 'ball.maxMissing: must be a whole number');
  return errors;
}

/** Settings over the defaults; throws a JobFailure naming every bad value. */
export function motSettings(given: Tree, source: string): MotSettings {
  const ignored: string[] = [];
  const errors: string[] = [];
  const settings = overlay(DEFAULT_MOT_SETTINGS as unknown as Tree, given, '', ignored, errors) as unknown as MotSettings;
  if (ignored.length > 0) log(`MOT model ${source}: ignoring unknown settings ${ignored.join(', ')}`);
  if (errors.length === 0) errors.push(...settingsProblems(settings));
  if (errors.length > 0) throw new JobFailure(`MOT model ${source} has bad settings: ${errors.slice(0, 5).join('; ')}`);
  return settings;
}

/** Parses a model document (model.json). Other top-level keys (a trained model's `trainedFrom`) are ignored. */
export function parseMotModel(text: string, source: string): MotModel {
  const file = parseJsonDocument(text, modelFileSchema, `MOT model ${source}`);
  return { name: file.name ?? MOT_MODEL_NAME, version: file.version, settings: motSettings(file.settings, source) };
}

/** A model directory as an archive unpacks: model.json, and optionally detector/model.json with its shards. */
export function motModelFromDir(dir: string, source: string): MotModel {
  const settingsPath = join(dir, SETTINGS_FILE);
  if (!existsSync(settingsPath)) throw new JobFailure(`MOT model ${source} holds no ${SETTINGS_FILE}`);
  const model = parseMotModel(readFileSync(settingsPath, 'utf8'), `${source}/${SETTINGS_FILE}`);
  const detectorDir = join(dir, DETECTOR_DIR);
  if (!existsSync(detectorDir)) return model;
  const graph = join(detectorDir, 'model.json');
  if (!existsSync(graph)) throw new JobFailure(`MOT model ${source} has a ${DETECTOR_DIR}/ without a tfjs graph model.json in it`);
  return { ...model, detectorGraph: graph };
}

/** Unpacks a gzipped tar into a fresh directory that is removed when the process exits. Only files and directories are taken. */
function unpack(archive: string, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bing-mot-model-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  try {
    tar.x({ file: archive, cwd: dir, sync: true, strict: true, filter: (_path, entry) => 'type' in entry && (entry.type === 'File' || entry.type === 'Directory') });
  } catch (err) {
    throw new JobFailure(`MOT model archive ${source} cannot be read: ${(err as Error).message}`);
  }
  return dir;
}

/** A model file whatever its name: a gzipped tar (by its magic bytes) or the model.json itself. */
export function motModelFromFile(path: string, source: string): MotModel {
  const head = readFileSync(path).subarray(0, 2);
  if (head[0] === 0x1f && head[1] === 0x8b) return motModelFromDir(unpack(path, source), source);
  return parseMotModel(readFileSync(path, 'utf8'), source);
}

/** The model of a job input directory (model.tar.gz, or model.json alone); the built-in model when it is empty or absent. */
export function loadMotModel(dir: string): MotModel {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return builtinMotModel();
  const files = readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile());
  if (files.length === 0) return builtinMotModel();
  if (files.includes(SETTINGS_FILE)) return motModelFromDir(dir, basename(dir));
  const archive = files.find((f) => f.endsWith('.tar.gz') || f.endsWith('.tgz'));
  if (archive) return motModelFromFile(join(dir, archive), archive);
  throw new JobFailure(`MOT model directory holds no ${SETTINGS_FILE} or model.tar.gz (found ${files.join(', ')})`);
}

/** Writes a model as a training job's model directory: model.json, and the detector graph's files when it has its own. */
export function writeMotModel(dir: string, model: MotModel, extra: Record<string, unknown>): void {
  writeFileSync(join(dir, SETTINGS_FILE), `${JSON.stringify({ name: model.name, version: model.version, settings: model.settings, ...extra }, null, 2)}\n`);
  if (model.detectorGraph) cpSync(dirname(model.detectorGraph), join(dir, DETECTOR_DIR), { recursive: true });
}
