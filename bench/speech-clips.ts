// The speech track at the end of a segmented match, with every line's clip already stored by
// speakLines (as the segments completed) beside the same commentary spoken from nothing: a
// template commentary of a synthetic match against a test pattern as long, espeak-ng, local storage.
// Run: npx tsx bench/speech-clips.ts [seconds, 480 unless given]
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSpeakCommentary } from '../activities/commentary/speak-commentary';
import { createSpeakLines } from '../activities/commentary/speak-lines';
import { templateCommentary } from '../activities/commentary/template';
import { LocalStorage } from '../activities/storage/local';
import { syntheticMatch, syntheticTeams } from '../test/helpers/synthetic-match';
import { testPattern } from '../test/helpers/videos';

async function main(seconds: number) {
const dir = await mkdtemp(join(tmpdir(), 'bing-bench-speech-'));
try {
  const storage = new LocalStorage(join(dir, 'storage'));
  await storage.upload(await testPattern(join(dir, 'match.mp4'), { seconds }), 'uploads/bench/source');
  const commentary = templateCommentary(syntheticMatch(seconds), syntheticTeams, { language: 'en', seed: 1 });
  await storage.put('results/bench/commentary.json', JSON.stringify(commentary));
  const request = { sourceKey: 'uploads/bench/source', commentaryKey: 'results/bench/commentary.json' };
  const voicePrefix = 'results/bench/voice/';
  const timed = async <T>(what: () => Promise<T>) => {
    const start = performance.now();
    const result = await what();
    return { result, s: Math.round(performance.now() - start) / 1000 };
  };

  const none = await timed(() => createSpeakCommentary(storage)({ ...request, resultsPrefix: 'results/bench/none/' }));
  const lines = await timed(() => createSpeakLines(storage)({ commentaryKey: request.commentaryKey, voicePrefix }));
  const cached = await timed(() => createSpeakCommentary(storage)({ ...request, resultsPrefix: 'results/bench/cached/', voicePrefix }));
  console.table([
    { run: 'speakCommentary, no clips stored', seconds: none.s, spoken: none.result.spokenLines, synthesised: '' },
    { run: 'speakLines, all lines in one call', seconds: lines.s, spoken: '', synthesised: lines.result.synthesised },
    { run: 'speakCommentary, every clip stored', seconds: cached.s, spoken: cached.result.spokenLines, synthesised: '' },
  ]);
  console.log(`${commentary.lines.length} lines over ${seconds} s; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
}

void main(Number(process.argv[2] ?? 480));
