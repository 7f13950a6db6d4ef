// The model versions in use: models/{kind}/registry.json names each kind's current version, whose
// weights are models/{kind}/{version}/model.tar.gz. Without a registry a job uses its built-in model.
import { z } from 'zod';
import { badInput } from './failures';
import { readJson, type Storage } from './storage/storage';

export const modelKinds = ['mot', 'action'] as const;
export type ModelKind = (typeof modelKinds)[number];

export interface ModelInUse {
  version: string;
  /** The weights to hand the job as its `model` input, absent for a built-in model. */
  key?: string;
}

const registrySchema = z.object({ current: z.string().min(1).nullable() }).passthrough();

export const registryKey = (kind: ModelKind): string => `models/${kind}/registry.json`;
export const modelKey = (kind: ModelKind, version: string): string => `models/${kind}/${version}/model.tar.gz`;

export function createModelActivities(storage: Storage) {
  return {
    async currentModels(): Promise<Record<ModelKind, ModelInUse>> {
      const entries = await Promise.all(modelKinds.map(async (kind): Promise<[ModelKind, ModelInUse]> => {
        if (!(await storage.head(registryKey(kind)))) return [kind, { version: 'builtin' }];
        const registry = registrySchema.safeParse(await readJson(storage, registryKey(kind)));
        if (!registry.success) throw badInput(`${registryKey(kind)} is malformed: ${registry.error.issues[0]?.message}`);
        const version = registry.data.current;
        return [kind, version ? { version, key: modelKey(kind, version) } : { version: 'builtin' }];
      }));
      return Object.fromEntries(entries) as Record<ModelKind, ModelInUse>;
    },
  };
}
