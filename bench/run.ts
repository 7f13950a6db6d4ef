// `npm run bench [-- SECTION ...]`: runs the benchmarks (all, or the sections named), prints their
// tables, and writes bench/results.json, keeping the sections that were not run this time.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { commentaryBench } from './commentary';
import { longBench } from './long';
import { overheadBench } from './overhead';
import { trackingBench } from './tracking';
import { legacyBench, referenceBench, uploadsBench } from './uploads';

interface Section {
  title: string;
  run(): Promise<Record<string, unknown>>;
}

const sections: Record<string, Section> = {
  tracking: {
    title: 'Tracking on generated clips and real footage, BING beside ByteTrack and OC-SORT on the same detections (motmetrics 1.4.0 MOTA/IDF1; HOTA computed as TrackEval does), action events (±1 s), job speed',
    run: async () => ({ ...(await trackingBench()) }),
  },
  overhead: {
    title: 'Orchestration overhead, local stack, GPU jobs that finish at once (ms; job time as the runner saw it excluded)',
    run: async () => ({ overhead: await overheadBench() }),
  },
  commentary: {
    title: 'Commentary of synthetic matches: template, and OpenAI against a local OpenAI-compatible server (this machine\'s latency, not OpenAI\'s); tokens by gpt-tokenizer for gpt-4.1-mini',
    run: async () => ({ commentary: await commentaryBench() }),
  },
  uploads: {
    title: 'Uploads of 1 GB and 5 GB random files (10^9 bytes; MB/s in 10^6 bytes/s) to the API as its own process, until it answered with the bytes in storage: first beside cp and tusd in the same run (interleaved, medians; ratios of median MB/s), then every route; time / cp time = cp MB/s / route MB/s; API peak RSS = its VmHWM',
    run: async () => ({ ...(await referenceBench()), uploads: await uploadsBench() }),
  },
  long: {
    title: 'A generated match (BENCH_LONG_MATCH_SECONDS, 480) through a fresh local stack per run, uploaded and polled as a user does: in segments (BENCH_LONG_SEGMENT_SECONDS, the default BING_SEGMENT_SECONDS) with 1 and 2 GPU slots, and unsegmented with 1; wall and first-line times from the upload\'s start, stitched tracks by motmetrics 1.4.0 (MOTA/IDF1), events F1 at ±1 s; a second user\'s 20 s clip alone and during the match',
    run: async () => ({ ...(await longBench()) }),
  },
  legacy: {
    title: 'The old contract: five 95 MB POST /request bodies (JSON, the file in base64) at once to the API as its own process on local storage, beside the same bodies as raw POST /v1/videos uploads; API peak RSS = its VmHWM',
    run: async () => ({ legacy: await legacyBench() }),
  },
};

const resultsFile = join(__dirname, 'results.json');

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in sections));
  if (unknown.length > 0) throw new Error(`unknown bench section ${unknown.join(', ')}; known: ${Object.keys(sections).join(', ')}`);
  const earlier = JSON.parse(await readFile(resultsFile, 'utf8').catch(() => '{}')) as Record<string, unknown>;
  const results: Record<string, unknown> = {
    ...earlier,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  };
  for (const name of wanted.length > 0 ? wanted : Object.keys(sections)) {
    const section = sections[name]!;
    console.log(`\n${name}: ${section.title}`);
    const tables = await section.run();
    for (const table of Object.values(tables)) console.table(table);
    results[name] = { ...tables, measuredAt: new Date().toISOString() };
  }
  await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`written to ${resultsFile}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
