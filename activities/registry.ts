// Reading and updating the model registry (contracts/registry.ts), models/{kind}/registry.json.
// Version 1 is the built-in model; trained versions count up from 2. Every change is a conditional
// write, so no entry is ever lost to a concurrent writer.
import { registryKey, type ModelKind } from '../contracts/models';
import { registrySchema, type Registry } from '../contracts/registry';
import { badInput } from './failures';
import type { Storage } from './storage/storage';
import { versionedDocuments } from './storage/versioned';

export const builtinVersion = '1';

const emptyRegistry = (kind: ModelKind): Registry => ({ kind, current: null, versions: [] });

function parseRegistry(kind: ModelKind, text: string): Registry {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw badInput(`${registryKey(kind)} is not JSON: ${(err as Error).message}`);
  }
  const parsed = registrySchema.safeParse(json);
  if (!parsed.success) throw badInput(`${registryKey(kind)} is malformed: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export async function readRegistry(storage: Storage, kind: ModelKind): Promise<Registry> {
  const stored = await versionedDocuments(storage).read(registryKey(kind));
  return stored ? parseRegistry(kind, stored.text) : emptyRegistry(kind);
}

export const nextVersion = (registry: Registry): string =>
  String(Math.max(Number(builtinVersion), ...registry.versions.map((v) => Number(v.version))) + 1);

const maxAttempts = 20;

/** Applies `change` to the newest registry and writes it back only if nobody wrote in between. */
export async function updateRegistry(storage: Storage, kind: ModelKind, change: (registry: Registry) => Registry): Promise<Registry> {
  const documents = versionedDocuments(storage);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const stored = await documents.read(registryKey(kind));
    const updated = change(stored ? parseRegistry(kind, stored.text) : emptyRegistry(kind));
    if (await documents.writeIfUnchanged(registryKey(kind), `${JSON.stringify(updated, null, 2)}\n`, stored?.tag)) return updated;
  }
  throw new Error(`${registryKey(kind)} kept changing under ${maxAttempts} attempts to update it`);
}
