// What counts as a weight file. The retraining doors (API, S3 events, local watcher) take
// `weightFileExtensions`; the training job also loads a BING model as the jobs write it (.json)
// from its pretrained channel.
export const weightFileExtensions = ['.pt', '.pth', '.safetensors', '.onnx', '.tar.gz'] as const;
export const pretrainedExtensions = [...weightFileExtensions, '.json'] as const;

const endsWithOneOf = (key: string, extensions: readonly string[]): boolean => extensions.some((ext) => key.toLowerCase().endsWith(ext));

export const isWeightFile = (key: string): boolean => endsWithOneOf(key, weightFileExtensions);
export const isPretrainedFile = (key: string): boolean => endsWithOneOf(key, pretrainedExtensions);
