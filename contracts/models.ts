// The model kinds BING trains and where their versions live in storage: models/{kind}/registry.json
// names each kind's current version, whose weights are models/{kind}/{version}/model.tar.gz.
export const modelKinds = ['mot', 'action'] as const;
export type ModelKind = (typeof modelKinds)[number];

export const registryKey = (kind: ModelKind): string => `models/${kind}/registry.json`;
export const modelKey = (kind: ModelKind, version: string): string => `models/${kind}/${version}/model.tar.gz`;
