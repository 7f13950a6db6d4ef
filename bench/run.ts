// `npm run bench`: runs the benchmarks, prints their tables, and writes bench/results.json.
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { overheadBench } from './overhead';

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  };
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
