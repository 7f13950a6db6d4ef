// Person detection with CenterNet (MobileNetV3, COCO) from @vladmandic/human, run on tfjs with the
// wasm backend. The graph's own `tower_0/detections` output decodes the top 100 peaks of an
// 80-class heatmap; only people matter here, so the class head is cut down to the person channel
// (a sixth of the inference time goes to the other 79 and their peak search) and the graph is run
// to its heatmap (`tower_0/keypoints`, 128 x 128, sigmoid) and box sides (`tower_0/wh`, input
// pixels left, up, right and down of the cell's centre). Their decoding is the graph's, for one
// class: 3 x 3 local maxima, top 100, then the non-maximum suppression human's centernet module applies.
// The graph was exported for 512 x 512 inputs; it is fully convolutional but for the sizes of its
// three upsampling steps, which are set here for the input size chosen (a multiple of 32). Its
// global means over height and width (squeeze-and-excite blocks and the head) run as average
// pooling: the wasm backend's Mean transposes its input first, which took a tenth of the inference.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
// tfjs-core and tfjs-converter (parts of @tensorflow/tfjs) rather than the whole of it: the layers,
// data, CPU and WebGL packages are not used, and loading them would cost every job a quarter second.
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, registerOp, type GraphModel } from '@tensorflow/tfjs-converter';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { iou } from './box';
import { DEFAULT_MOT_SETTINGS, type DetectorOptions } from './settings';

/** The input side the graph was exported for. */
const EXPORTED_INPUT_SIZE = 512;
const PERSON = 0;
/** Input pixels per heatmap cell. */
const OUTPUT_STRIDE = 4;
const PEAKS = 100;
const CLASS_WEIGHTS = 'CenternetHead/centernet_cls_output/pointwise_weights';
const CLASS_BIASES = 'CenternetHead/centernet_cls_output/biases';
/** The op name the graph's Mean nodes are given (see rewriteGraph). */
const SPATIAL_MEAN = 'BingSpatialMean';
/** The upsampling steps' target sizes, constants in the graph: input side / divisor. */
const UPSAMPLING: readonly [string, number][] = [
  ['tower_0/CenternetHead/c5_upsample/up_sampling2d/mul', 16],
  ['tower_0/CenternetHead/c4_upsample/up_sampling2d_1/mul', 8],
  ['tower_0/CenternetHead/c3_upsample/up_sampling2d_2/mul', 4],
];

export interface Detection {
  /** Box in the pixels of the tile given to `detectTiles`: left, top, width, height. */
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
}

/** Whether `size` can be the detector's input side: a multiple of 32 from 64. */
export function isInputSize(size: number): boolean {
  return Number.isInteger(size / 32) && size >= 64;
}

/** The MOT job's default settings (see settings.ts), unless BING_DETECT_SIZE sets the input side. */
export const JOB_DETECTOR: DetectorOptions = DEFAULT_MOT_SETTINGS.detector;

// The package exports no subpaths; its main file lives in dist/, the models beside it.
const modelDir = (): string => join(dirname(require.resolve('@vladmandic/human')), '..', 'models');

/** Reads a tfjs graph model (model.json and its weight files) from disk: nothing is downloaded. */
function fileHandler(modelJson: string, inputSize: number): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(modelJson, 'utf8')) as tf.io.ModelJSON;
      rewriteGraph(json, inputSize);
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
  /** The model input, reused: RGB as floats, as the graph takes it. */
  private readonly input: Float32Array;

  private constructor(private readonly model: GraphModel, private readonly options: DetectorOptions, private readonly ownGraph: boolean) {
    this.input = new Float32Array(options.inputSize * options.inputSize * 3);
  }

  /** The bundled CenterNet, or `graph`: the model.json of a tfjs graph of the same architecture (a MOT model's own detector). */
  static async load(options: DetectorOptions, graph?: string): Promise<PersonDetector> {
    const size = options.inputSize;
    if (!isInputSize(size)) throw new Error(`the detector's input size must be a multiple of 32 from 64, got ${size}`);
    setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    await tf.setBackend('wasm');
    await tf.ready();
    const model = await loadGraphModel(fileHandler(graph ?? join(modelDir(), 'centernet.json'), size));
    keepPersonClass(model);
    setUpsampling(model, size);
    return new PersonDetector(model, options, graph !== undefined);
  }

  describe(): Record<string, unknown> {
    return { name: 'centernet', source: this.ownGraph ? 'the MOT model\'s detector/model.json' : '@vladmandic/human/models/centernet.json', backend: 'tfjs-wasm', input: this.options.inputSize };
  }

  /** The size frames of width x height are scaled to (see workingSize). */
  workingSize(width: number, height: number): { width: number; height: number } {
    return workingSize(width, height, this.options.inputSize);
  }

  /** How many tiles of the working size one inference takes. */
  tilesPerInput(tile: { width: number; height: number }): number {
    const size = this.options.inputSize;
    return tile.width <= size ? Math.max(1, Math.floor(size / tile.height)) : 1;
  }

  /**
   * Detects people in frames stacked top to bottom into one model input: a 16:9 frame squeezed to
   * 512 x 256 loses little, and two of them cost one inference. Boxes come back per tile, in tile
   * pixels.
   */
  async detectTiles(tiles: Uint8Array[], tileWidth: number, tileHeight: number): Promise<Detection[][]> {
    const perInput = this.tilesPerInput({ width: tileWidth, height: tileHeight });
    if (tiles.length > perInput) throw new Error(`at most ${perInput} tiles of ${tileWidth}x${tileHeight} fit one input`);
    const size = this.options.inputSize;
    const input = this.input.fill(0);
    const row = tileWidth * 3;
    tiles.forEach((tile, k) => {
      for (let y = 0; y < tileHeight; y++) input.set(tile.subarray(y * row, (y + 1) * row), (k * tileHeight + y) * size * 3);
    });
    const perTile: Detection[][] = tiles.map(() => []);
    for (const d of await this.detect()) {
      const k = Math.floor((d.y + d.h / 2) / tileHeight);
      const tile = perTile[k];
      if (!tile || d.x + d.w / 2 > tileWidth) continue;
      const top = Math.max(d.y, k * tileHeight);
      const bottom = Math.min(d.y + d.h, (k + 1) * tileHeight);
      tile.push({ x: d.x, y: top - k * tileHeight, w: Math.min(d.w, tileWidth - d.x), h: bottom - top, score: d.score });
    }
    return perTile;
  }

  /** People in the square input. */
  private async detect(): Promise<Detection[]> {
    const size = this.options.inputSize;
    const [heat, sides] = tf.tidy(() => {
      const image = tf.tensor4d(this.input, [1, size, size, 3], 'float32');
      return this.model.execute(image, ['tower_0/keypoints', 'tower_0/wh']) as tf.Tensor[];
    });
    const [scores, wh] = await Promise.all([heat!.data() as Promise<Float32Array>, sides!.data() as Promise<Float32Array>]);
    const cells = heat!.shape[1]!;
    heat!.dispose();
    sides!.dispose();
    const people = peaks(scores, cells, this.options.minScore).map(({ cell, score }) => {
      const cx = (cell % cells) * OUTPUT_STRIDE;
      const cy = Math.floor(cell / cells) * OUTPUT_STRIDE;
      const [left = 0, up = 0, right = 0, down = 0] = wh.subarray(cell * 4, cell * 4 + 4);
      return { x: cx - left, y: cy - up, w: left + right, h: up + down, score };
    });
    return suppress(people, this.options.iouThreshold).slice(0, this.options.maxDetections);
  }
}

interface GraphNode {
  op: string;
  attr: { shape: { shape: { dim: { size: string }[] } } };
}

/** Gives the graph's input a side of `size` (the exported graph says 512) and its Mean nodes to the op below. */
function rewriteGraph(json: tf.io.ModelJSON, size: number): void {
  for (const node of (json.modelTopology as { node: GraphNode[] }).node) {
    if (node.op === 'Placeholder') node.attr.shape.shape.dim = [1, size, size, 3].map((d) => ({ size: String(d) }));
    if (node.op === 'Mean') node.op = SPATIAL_MEAN;
  }
}

/** Mean as TensorFlow defines it; over height and width of an image batch, kept as 1 x 1, by average pooling. */
registerOp(SPATIAL_MEAN, (node) => {
  const [x, axes] = node.inputs as [tf.Tensor, tf.Tensor];
  const keepDims = node.attrs.keep_dims === true;
  const over = Array.from(axes.dataSync());
  if (x.rank === 4 && keepDims && over.length === 2 && over[0] === 1 && over[1] === 2) {
    const image = x as tf.Tensor4D;
    return tf.avgPool(image, [image.shape[1], image.shape[2]], 1, 'valid');
  }
  return tf.mean(x, over, keepDims);
});

/** Sets the upsampling steps' target sizes for an input of side `size`. */
function setUpsampling(model: GraphModel, size: number): void {
  if (size === EXPORTED_INPUT_SIZE) return;
  for (const [name, divisor] of UPSAMPLING) {
    const [old] = model.weights[name]!;
    model.weights[name] = [tf.tensor1d([size / divisor, size / divisor], 'int32')];
    old!.dispose();
  }
}

/** Cuts the class head's last convolution down to the person channel: the heatmap is then [1, 128, 128, 1]. */
function keepPersonClass(model: GraphModel): void {
  const weights = model.weights;
  const [filter] = weights[CLASS_WEIGHTS]!;
  const [bias] = weights[CLASS_BIASES]!;
  weights[CLASS_WEIGHTS] = [tf.slice(filter!, [0, 0, 0, PERSON], [-1, -1, -1, 1])];
  weights[CLASS_BIASES] = [tf.slice(bias!, [PERSON], [1])];
  filter!.dispose();
  bias!.dispose();
}

/** Cells of a size x size heatmap that are at least minScore and the maximum of their 3 x 3 neighbourhood, the best PEAKS of them. */
function peaks(scores: Float32Array, size: number, minScore: number): { cell: number; score: number }[] {
  const found: { cell: number; score: number }[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const score = scores[y * size + x]!;
      if (score < minScore || !isLocalMax(scores, size, x, y, score)) continue;
      found.push({ cell: y * size + x, score });
    }
  }
  return found.sort((a, b) => b.score - a.score).slice(0, PEAKS);
}

function isLocalMax(scores: Float32Array, size: number, x: number, y: number, score: number): boolean {
  for (let v = Math.max(0, y - 1); v <= Math.min(size - 1, y + 1); v++) {
    for (let u = Math.max(0, x - 1); u <= Math.min(size - 1, x + 1); u++) if (scores[v * size + u]! > score) return false;
  }
  return true;
}

/**
 * The working size for a video and a model input of side `size`: `size` wide, the height kept in
 * proportion, except that frames a little taller than half of it (16:9 is 0.5625) are squeezed to
 * half so that two fit one input.
 */
export function workingSize(width: number, height: number, size: number): { width: number; height: number } {
  const natural = (size * height) / width;
  if (natural <= size / 2) return { width: size, height: even(natural) };
  if (natural <= size * 0.625) return { width: size, height: size / 2 };
  if (natural <= size) return { width: size, height: even(natural) };
  return { width: even((size * width) / height), height: size };
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
