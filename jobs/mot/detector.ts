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

  /**
   * Detects people in frames stacked top to bottom into one model input: a 16:9 frame squeezed to
   * 512 x 256 loses little, and two of them cost one inference. Boxes come back per tile, in tile
   * pixels.
   */
  async detectTiles(tiles: Uint8Array[], tileWidth: number, tileHeight: number): Promise<Detection[][]> {
    const perInput = tilesPerInput(tileWidth, tileHeight);
    if (tiles.length > perInput) throw new Error(`at most ${perInput} tiles of ${tileWidth}x${tileHeight} fit one input`);
    const input = new Uint8Array(INPUT_SIZE * INPUT_SIZE * 3);
    tiles.forEach((tile, k) => {
      for (let y = 0; y < tileHeight; y++) {
        input.set(tile.subarray(y * tileWidth * 3, (y + 1) * tileWidth * 3), ((k * tileHeight + y) * INPUT_SIZE) * 3);
      }
    });
    const perTile: Detection[][] = tiles.map(() => []);
    for (const d of await this.detect(input)) {
      const k = Math.floor((d.y + d.h / 2) / tileHeight);
      const tile = perTile[k];
      if (!tile || d.x + d.w / 2 > tileWidth) continue;
      const top = Math.max(d.y, k * tileHeight);
      const bottom = Math.min(d.y + d.h, (k + 1) * tileHeight);
      tile.push({ x: d.x, y: top - k * tileHeight, w: Math.min(d.w, tileWidth - d.x), h: bottom - top, score: d.score });
    }
    return perTile;
  }

  /** People in one 512 x 512 RGB24 image. */
  async detect(rgb: Uint8Array): Promise<Detection[]> {
    const raw = tf.tidy(() => {
      const image = tf.tensor4d(rgb, [1, INPUT_SIZE, INPUT_SIZE, 3], 'int32').toFloat();
      return this.model.execute(image, 'tower_0/detections') as tf.Tensor;
    });
    const rows = ((await raw.array()) as number[][][])[0] ?? [];
    raw.dispose();
    const people = rows
      .filter((r) => r[5] === PERSON && (r[4] ?? 0) >= this.options.minScore)
      .map(([x1 = 0, y1 = 0, x2 = 0, y2 = 0, score = 0]) => ({ x: x1, y: y1, w: x2 - x1, h: y2 - y1, score }));
    return suppress(people, this.options.iouThreshold).slice(0, this.options.maxDetections);
  }
}

/**
 * The working size for a video: 512 wide, the height kept in proportion, except that frames a
 * little taller than 512 x 256 (16:9 is 288) are squeezed to 256 so that two fit one input.
 */
export function workingSize(width: number, height: number): { width: number; height: number } {
  const natural = (INPUT_SIZE * height) / width;
  if (natural <= INPUT_SIZE / 2) return { width: INPUT_SIZE, height: even(natural) };
  if (natural <= INPUT_SIZE * 0.625) return { width: INPUT_SIZE, height: INPUT_SIZE / 2 };
  if (natural <= INPUT_SIZE) return { width: INPUT_SIZE, height: even(natural) };
  return { width: even((INPUT_SIZE * width) / height), height: INPUT_SIZE };
}

export function tilesPerInput(tileWidth: number, tileHeight: number): number {
  return tileWidth <= INPUT_SIZE ? Math.max(1, Math.floor(INPUT_SIZE / tileHeight)) : 1;
}

function even(v: number): number {
  return Math.max(2, 2 * Math.round(v / 2));
}

/** Greedy non-maximum suppression, best score first. */
function suppress(detections: Detection[], iouThreshold: number): Detection[] {
  const kept: Detection[] = [];
  for (const d of [...detections].sort((a, b) => b.score - a.score)) {
    if (kept.every((k) => iou(k, d) < iouThreshold)) kept.push(d);
  }
  return kept;
}
