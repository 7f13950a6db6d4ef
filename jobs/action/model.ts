// Loads the action model the job is given in processing/input/model/: a JSON file
// `{name?, version, params?}` (model.json, or the only .json there), or a model.tar.gz holding one.
// Other keys (a trained model's `trainedFrom`) are ignored.
// Without a model the built-in parameters are used, as version "builtin".
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from 'tar';
import { z } from 'zod';
import { JobFailure, log } from '../contract';
import { describeIssues, parseJsonDocument } from '../json-input';
import { builtinParams, paramsSchema, type ActionParams } from './params';

export interface ActionModel {
  name: string;
  version: string;
  params: ActionParams;
}

export const MODEL_NAME = 'bing-action-rules';

const modelFileSchema = z.object({
  name: z.string().min(1).optional(),
  version: z.union([z.string().min(1), z.number()]).transform(String),
  params: z.record(z.string(), z.unknown()).optional(),
});

export function builtinModel(): ActionModel {
  return { name: MODEL_NAME, version: 'builtin', params: { ...builtinParams } };
}

/** Parses a model document; unknown parameters are ignored with a warning, bad values fail. */
export function parseModel(text: string, source: string): ActionModel {
  const file = parseJsonDocument(text, modelFileSchema, `action model ${source}`);
  const given = file.params ?? {};
  const known = Object.keys(builtinParams);
  const unknown = Object.keys(given).filter((k) => !known.includes(k));
  if (unknown.length > 0) log(`action model ${source}: ignoring unknown parameters ${unknown.join(', ')}`);
  const picked = Object.fromEntries(Object.entries(given).filter(([k]) => known.includes(k)));
  const params = paramsSchema.safeParse({ ...builtinParams, ...picked });
  if (!params.success) throw new JobFailure(`action model ${source} has bad parameters: ${describeIssues(params.error)}`);
  return { name: file.name ?? MODEL_NAME, version: file.version, params: params.data };
}

export function loadModel(dir: string): ActionModel {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return builtinModel();
  const files = readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile());
  if (files.length === 0) return builtinModel();
  const jsons = files.filter((f) => f.endsWith('.json'));
  if (files.includes('model.json')) return parseModel(readFileSync(join(dir, 'model.json'), 'utf8'), 'model.json');
  if (jsons.length === 1) return parseModel(readFileSync(join(dir, jsons[0]!), 'utf8'), jsons[0]!);
  if (jsons.length > 1) throw new JobFailure(`action model directory holds several JSON files (${jsons.join(', ')}) and no model.json`);
  const archive = files.find((f) => f.endsWith('.tar.gz') || f.endsWith('.tgz'));
  if (archive) return modelFromArchive(readFileSync(join(dir, archive)), archive);
  throw new JobFailure(`action model directory holds no model.json or model.tar.gz (found ${files.join(', ')})`);
}

interface TarEntry { name: string; data: Buffer }

/** A model in a gzipped tar: its model.json, or its only JSON file. */
function modelFromArchive(gz: Buffer, source: string): ActionModel {
  const entries = readTarGz(gz, source);
  const entry = entries.find((e) => e.name.replace(/^\.\//, '') === 'model.json')
    ?? (entries.filter((e) => e.name.endsWith('.json')).length === 1 ? entries.find((e) => e.name.endsWith('.json')) : undefined);
  if (!entry) throw new JobFailure(`action model archive ${source} holds no model.json`);
  return parseModel(entry.data.toString('utf8'), `${source}:${entry.name}`);
}

/** A model file whatever its name: a gzipped tar (by its magic bytes) or the model JSON itself. */
export function modelFromBytes(data: Buffer, source: string): ActionModel {
  return data[0] === 0x1f && data[1] === 0x8b ? modelFromArchive(data, source) : parseModel(data.toString('utf8'), source);
}

/** Regular files of a gzipped tar, read at once (tar's parser is synchronous given all its bytes). */
function readTarGz(gz: Buffer, source: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let failure: Error | undefined;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry) => {
      if (entry.type !== 'File' && entry.type !== 'OldFile') return entry.resume();
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => entries.push({ name: entry.path, data: Buffer.concat(chunks) }));
    },
  });
  parser.on('error', (err: Error) => (failure ??= err));
  parser.end(gz);
  if (failure) throw new JobFailure(`action model archive ${source} cannot be read: ${failure.message}`);
  return entries;
}
