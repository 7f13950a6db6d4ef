// The model versions in use: models/{kind}/registry.json names each kind's current version, whose
// weights are models/{kind}/{version}/model.tar.gz. Without a registry a job uses its built-in model.
import { readRegistry } from './registry';
import type { Storage } from './storage/storage';

export const modelKinds = ['mot', 'action'] as const;
export type ModelKind = (typeof modelKinds)[number];

export interface ModelInUse {
  version: string;
  /** The weights to hand the job as its `model` input, absent for a built-in model. */
  key?: string;
}

export const registryKey = (kind: ModelKind): string => `models/${kind}/registry.json`;
export const modelKey = (kind: ModelKind, version: string): string => `models/${kind}/${version}/model.tar.gz`;

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
