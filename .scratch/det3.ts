import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { PersonDetector } from '/work/main/jobs/mot/detector';
async function main() {
  const d = await PersonDetector.load({ minScore: 0.05, iouThreshold: 0.5, maxDetections: 100 });
  console.log('simd', tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), tf.getBackend());
  const buf = readFileSync('/tmp/mos.rgb');
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    const dets = await d.detect(buf, 512, 512);
    console.log('ms', (performance.now() - t).toFixed(0));
    if (k == 2) for (const x of dets.sort((a,b)=>a.y-b.y)) console.log(x.score.toFixed(2), Math.round(x.x), Math.round(x.y), Math.round(x.w), Math.round(x.h));
  }
}
void main();
