// What counts as a weight file: the retraining doors take these, and the training job loads them
// from its pretrained channel (.json is a BING model as the jobs write it).
export const weightFileExtensions = ['.pt', '.pth', '.safetensors', '.onnx', '.json', '.tar.gz'] as const;

export const isWeightFile = (key: string): boolean => weightFileExtensions.some((ext) => key.toLowerCase().endsWith(ext));
