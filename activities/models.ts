// The model versions in use, as each kind's registry names them. Without a registry a job uses its
// built-in model.
import { modelKey, modelKinds, type ModelKind } from '../contracts/models';
import { readRegistry } from './registry';
import type { Storage } from './storage/storage';

export interface ModelInUse {
  version: string;
  /** The weights to hand the job as its `model` input, absent for a built-in model. */
  key?: string;
}

export function createModelActivities(storage: Storage) {
  return {
    async currentModels(): Promise<Record<ModelKind, ModelInUse>> {
      const entries = await Promise.all(modelKinds.map(async (kind): Promise<[ModelKind, ModelInUse]> => {
        const version = (await readRegistry(storage, kind)).current;
        return [kind, version ? { version, key: modelKey(kind, version) } : { version: 'builtin' }];
      }));
      return Object.fromEntries(entries) as Record<ModelKind, ModelInUse>;
    },
  };
}
