// Person detection with CenterNet (MobileNetV3, COCO) from @vladmandic/human, run on tfjs with the
// wasm backend. The graph's `tower_0/detections` output is [1, 100, 6]: x1, y1, x2, y2 in input
// pixels (512 x 512), score, class; the model already keeps the top 100 heatmap peaks, so what is
// left to do here is the non-maximum suppression that human's own centernet module applies.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { iou } from './box';

export const INPUT_SIZE = 512;
const PERSON = 0;

export interface Detection {
  /** Box in the pixels of the image given to `detect`: left, top, width, height. */
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
}

export interface DetectorOptions {
  minScore: number;
  iouThreshold: number;
  maxDetections: number;
}

// The package exports no subpaths; its main file lives in dist/, the models beside it.
const modelDir = (): string => join(dirname(require.resolve('@vladmandic/human')), '..', 'models');

/** Reads a tfjs graph model (model.json and its weight files) from disk: nothing is downloaded. */
function fileHandler(modelJson: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(modelJson, 'utf8')) as tf.io.ModelJSON;
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const path of group.paths) buffers.push(readFileSync(join(dirname(modelJson), path)));
      }
      const all = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

export class PersonDetector {
  private constructor(private readonly model: tf.GraphModel, private readonly options: DetectorOptions) {}

  static async load(options: DetectorOptions): Promise<PersonDetector> {
    setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    await tf.setBackend('wasm');
    await tf.ready();
    const model = await tf.loadGraphModel(fileHandler(join(modelDir(), 'centernet.json')));
    return new PersonDetector(model, options);
  }

  static describe(): Record<string, unknown> {
    return { name: 'centernet', source: '@vladmandic/human/models/centernet.json', backend: 'tfjs-wasm', input: INPUT_SIZE };
  }

  /** Detects people in an RGB24 image of any size; boxes come back in that image's pixels. */
  async detect(rgb: Uint8Array, width: number, height: number): Promise<Detection[]> {
    const raw = tf.tidy(() => {
      let image = tf.tensor3d(rgb, [height, width, 3], 'int32').toFloat();
      if (width !== INPUT_SIZE || height !== INPUT_SIZE) image = tf.image.resizeBilinear(image, [INPUT_SIZE, INPUT_SIZE]);
      return this.model.execute(image.expandDims(0), 'tower_0/detections') as tf.Tensor;
    });
    const rows = ((await raw.array()) as number[][][])[0] ?? [];
    raw.dispose();
    const sx = width / INPUT_SIZE;
    const sy = height / INPUT_SIZE;
    const people = rows
      .filter((r) => r[5] === PERSON && (r[4] ?? 0) >= this.options.minScore)
      .map(([x1 = 0, y1 = 0, x2 = 0, y2 = 0, score = 0]) => ({ x: x1 * sx, y: y1 * sy, w: (x2 - x1) * sx, h: (y2 - y1) * sy, score }));
    return suppress(people, this.options.iouThreshold).slice(0, this.options.maxDetections);
  }
}

/** Greedy non-maximum suppression, best score first. */
function suppress(detections: Detection[], iouThreshold: number): Detection[] {
  const kept: Detection[] = [];
  for (const d of [...detections].sort((a, b) => b.score - a.score)) {
    if (kept.every((k) => iou(k, d) < iouThreshold)) kept.push(d);
  }
  return kept;
}
