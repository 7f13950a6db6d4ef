// The models training starts from and is compared with: the pretrained channel's one weight file
// (a BING action model whatever its extension: model JSON, or a gzipped tar holding model.json)
// and the current channel's model (as the action job loads it). Absent, both are the built-in model.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtinModel, loadModel, modelFromBytes, type ActionModel } from '../action/model';
import { JobFailure } from '../contract';

const WEIGHT_EXTENSIONS = ['.pt', '.pth', '.safetensors', '.onnx', '.json', '.tar.gz'];

export interface Pretrained {
  model: ActionModel;
  /** The weight file's name, null for the built-in model. */
  file: string | null;
}

export function loadPretrained(dir: string): Pretrained {
  const files = existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()) : [];
  if (files.length === 0) return { model: builtinModel(), file: null };
  if (files.length > 1) {
    throw new JobFailure(`the pretrained channel holds ${files.length} files (${files.map((f) => f.name).join(', ')}): expected one weight file`);
  }
  const file = files[0]!;
  if (!WEIGHT_EXTENSIONS.some((ext) => file.name.endsWith(ext))) {
    throw new JobFailure(`pretrained weights ${file.name} have an unknown extension: expected one of ${WEIGHT_EXTENSIONS.join(', ')}`);
  }
  try {
    return { model: modelFromBytes(readFileSync(join(file.parentPath, file.name)), file.name), file: file.name };
  } catch (err) {
    if (!(err instanceof JobFailure)) throw err;
    throw new JobFailure(`pretrained weights ${file.name} are not a BING action model: ${err.message}`);
  }
}

export function loadCurrent(dir: string): ActionModel {
  try {
    return loadModel(dir);
  } catch (err) {
    if (!(err instanceof JobFailure)) throw err;
    throw new JobFailure(`the current model cannot be loaded: ${err.message}`);
  }
}
