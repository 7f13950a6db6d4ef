// A GPU job that finishes at once, for measuring what BING adds around its jobs: it writes the
// smallest valid output of its kind under the container contract.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.env.BING_JOB_ROOT;
const kind = process.argv[2];
const video = { width: 160, height: 120, fps: 25, frames: 25, duration: 1 };
const outputs = {
  mot: ['tracks', { 'tracks.json': { video, detector: { name: 'instant' }, tracks: [] }, 'tracks.txt': '' }],
  action: ['actions', { 'actions.json': { video, model: { name: 'instant', version: '0' }, events: [] } }],
};
const [name, files] = outputs[kind];
const dir = join(root, 'processing', 'output', name);
mkdirSync(dir, { recursive: true });
for (const [file, body] of Object.entries(files)) writeFileSync(join(dir, file), typeof body === 'string' ? body : JSON.stringify(body));
process.stdout.write(`${JSON.stringify({ type: 'progress', progress: 1 })}\n`);
