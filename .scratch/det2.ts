import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { PersonDetector } from '/work/main/jobs/mot/detector';
async function main() {
  const d = await PersonDetector.load({ minScore: 0.05, iouThreshold: 0.5, maxDetections: 100 });
  const model = (d as any).model as tf.GraphModel;
  const buf = readFileSync('/tmp/lb.rgb').subarray(0, 512 * 288 * 3);
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    const out = tf.tidy(() => model.execute(tf.tensor4d(buf, [1, 288, 512, 3], 'int32').toFloat(), 'tower_0/detections') as tf.Tensor);
    const rows = (await out.array() as number[][][])[0]!;
    console.log('ms', (performance.now() - t).toFixed(0));
    if (k==2) for (const r of rows.filter(r => r[4]! > 0.3)) console.log(r.map(v => v.toFixed(2)).join(' '));
  }
}
void main();
