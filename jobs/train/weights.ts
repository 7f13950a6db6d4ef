// The models training starts from and is compared with: the pretrained channel's one weight file
// (a BING model of the kind trained, whatever its extension: its JSON, or a gzipped tar holding it)
// and the current channel's model (as the kind's job loads it). Absent, both are the built-in model.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtinModel, loadModel, modelFromBytes, type ActionModel } from '../action/model';
import { isPretrainedFile, pretrainedExtensions } from '../../contracts/weight-files';
import { JobFailure } from '../contract';
import { builtinMotModel, loadMotModel, motModelFromFile, type MotModel } from '../mot/model';

export interface Pretrained<M> {
  model: M;
  /** The weight file's name, null for the built-in model. */
  file: string | null;
}

/** The pretrained channel's one weight file, or null when the channel is empty. */
function weightFile(dir: string): { path: string; name: string } | null {
  const files = existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()) : [];
  if (files.length === 0) return null;
  if (files.length > 1) {
    throw new JobFailure(`the pretrained channel holds ${files.length} files (${files.map((f) => f.name).join(', ')}): expected one weight file`);
  }
  const file = files[0]!;
  if (!isPretrainedFile(file.name)) {
    throw new JobFailure(`pretrained weights ${file.name} have an unknown extension: expected one of ${pretrainedExtensions.join(', ')}`);
  }
  return { path: join(file.parentPath, file.name), name: file.name };
}

/** Loads the weight file with `load`; what it cannot read fails as "not a {what}". */
function pretrained<M>(dir: string, builtin: () => M, load: (path: string, name: string) => M, what: string): Pretrained<M> {
  const file = weightFile(dir);
  if (!file) return { model: builtin(), file: null };
  try {
    return { model: load(file.path, file.name), file: file.name };
  } catch (err) {
    if (!(err instanceof JobFailure)) throw err;
    throw new JobFailure(`pretrained weights ${file.name} are not a ${what}: ${err.message}`);
  }
}

function current<M>(dir: string, load: (dir: string) => M): M {
  try {
    return load(dir);
  } catch (err) {
    if (!(err instanceof JobFailure)) throw err;
    throw new JobFailure(`the current model cannot be loaded: ${err.message}`);
  }
}

export const loadPretrained = (dir: string): Pretrained<ActionModel> =>
  pretrained(dir, builtinModel, (path, name) => modelFromBytes(readFileSync(path), name), 'BING action model');
export const loadCurrent = (dir: string): ActionModel => current(dir, loadModel);

export const loadPretrainedMot = (dir: string): Pretrained<MotModel> => pretrained(dir, builtinMotModel, motModelFromFile, 'BING MOT model');
export const loadCurrentMot = (dir: string): MotModel => current(dir, loadMotModel);
