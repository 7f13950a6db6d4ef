// `npm run bench`: runs the benchmarks, prints their tables, and writes bench/results.json.
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { overheadBench } from './overhead';
import { trackingBench } from './tracking';

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  };
  console.log('Tracking on generated clips (motmetrics 1.4.0 MOTA/IDF1; HOTA computed as TrackEval does), action events (±1 s), job speed');
  const tracking = await trackingBench();
  console.table(tracking.tracking);
  console.table(tracking.actions);
  console.table(tracking.speed);
  results.tracking = tracking;
  console.log('Orchestration overhead, local stack, GPU jobs that finish at once (ms; job time as the runner saw it excluded)');
  const overhead = await overheadBench();
  console.table(overhead);
  results.overhead = overhead;
  await writeFile(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`written to ${join(__dirname, 'results.json')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
