// A generated match of several minutes through the local stack as a user sends it (a raw upload,
// the status polled), each run on a fresh stack, one after another: (a) in segments with one GPU
// slot, (b) in segments with two, (c) unsegmented with one. Wall time from the upload's start to
// the end, time to the first commentary line, the stitched tracks scored against the ground truth
// (motmetrics MOTA, IDF1) and the events (F1 at ±1 s). Fairness on a stack of its own, (d): three
// GPU slots with BING_USER_GPU_JOBS=2, so the long match runs on two and one is kept for other
// users (nothing preempts a running segment job, so a free slot is what lets a short clip start at
// once): a second user's 20 s clip alone on the idle stack, then again while the long match runs.
// Parameters: BENCH_LONG_MATCH_SECONDS (480), BENCH_LONG_SEGMENT_SECONDS (BING_SEGMENT_SECONDS' default).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../common/config';
import { defaultOverlapSeconds, planSegments } from '../contracts/segments';
import { LocalStack } from '../test/helpers/stack';
import { cachedClip, longWork, type CachedClip } from './long-clip';
import { download, processVideo, type Processed } from './long-run';
import { scoreRuns, type RunFiles } from './long-score';
import { pyPath, r1, r3 } from './tracking-jobs';
import type { Row } from './tracking-peers';

const MATCH_SEED = 401;
const SHORT_SEED = 402;
const SHORT_SECONDS = 20;
/** When the second user's clip is sent after the long match's upload started. */
const SECOND_USER_AFTER_S = 30;
const RUN_TIMEOUT_MS = 60 * 60_000;
const LONG_USER = 'bench-long';
const SECOND_USER = 'bench-second';

interface RunSpec {
  name: string;
  slots: number;
  segmentSeconds: number;
  maxParallel?: number;
  userGpuJobs?: number;
}

interface RunResult {
  spec: RunSpec;
  processed: Processed;
  files: RunFiles;
}

const numberFrom = (variable: string, fallback: number): number => {
  const value = process.env[variable];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${variable} must be a positive number of seconds, got ${value}`);
  return n;
};

async function onStack<T>(spec: RunSpec, use: (stack: LocalStack) => Promise<T>): Promise<T> {
  const stack = await LocalStack.create({
    BING_GPU_SLOTS: String(spec.slots),
    BING_SEGMENT_SECONDS: String(spec.segmentSeconds),
    ...(spec.maxParallel ? { BING_MAX_PARALLEL_SEGMENTS: String(spec.maxParallel) } : {}),
    ...(spec.userGpuJobs ? { BING_USER_GPU_JOBS: String(spec.userGpuJobs) } : {}),
  });
  try {
    await stack.start();
    return await use(stack);
  } finally {
    await stack.dispose();
  }
}

async function longRun(stack: LocalStack, spec: RunSpec, clip: CachedClip): Promise<RunResult> {
  const processed = await processVideo(stack, clip.videoPath, LONG_USER, RUN_TIMEOUT_MS);
  const dir = join(longWork, 'runs', spec.name);
  mkdirSync(dir, { recursive: true });
  const files = {
    name: spec.name,
    tracksTxt: await download(stack, processed, 'tracks.txt', dir, 'tracks.txt'),
    actionsJson: await download(stack, processed, 'actions.json', dir, 'actions.json'),
  };
  console.log(`  ${spec.name}: ${processed.wallSeconds} s, first line at ${processed.firstLineSeconds} s, ${processed.segments} segments, load ${processed.load}`);
  return { spec, processed, files };
}

export async function longBench(): Promise<{ notes: string[]; long: Row[]; fairness: Row[]; checks: Row[] }> {
  if (!existsSync(join(pyPath, 'motmetrics'))) throw new Error(`motmetrics is not under ${pyPath}: run infra/install-tools`);
  const defaults = loadConfig({});
  const matchSeconds = numberFrom('BENCH_LONG_MATCH_SECONDS', 480);
  const segmentSeconds = numberFrom('BENCH_LONG_SEGMENT_SECONDS', defaults.BING_SEGMENT_SECONDS);
  const notes: string[] = [];
  const match = await cachedClip(MATCH_SEED, matchSeconds);
  const short = await cachedClip(SHORT_SEED, SHORT_SECONDS);
  const sceneOf = (clip: CachedClip) => JSON.parse(readFileSync(clip.scenePath, 'utf8')) as { seed: number; players: unknown[]; width: number; height: number; fps: number };
  for (const clip of [match, short]) {
    const scene = sceneOf(clip);
    const events = (JSON.parse(readFileSync(clip.eventsPath, 'utf8')) as { events: unknown[] }).events.length;
    notes.push(`clip seed ${scene.seed}: ${clip.seconds} s ${scene.width}x${scene.height} ${scene.fps} fps, ${scene.players.length} players, ${events} events; ` +
      `${clip.cached ? `cached, rendered ${clip.renderedAt} in` : 'rendered now in'} ${clip.renderSeconds} s`);
  }

  const unsegmented = matchSeconds + 60;
  const specs: RunSpec[] = [
    // One request's segments in flight no more than the slots it may use: the server does not keep
    // the order of a request's queued segment jobs, and segment 0's commentary waits for segment 0.
    { name: '(a) segmented', slots: 1, segmentSeconds, maxParallel: 1 },
    { name: '(b) segmented', slots: 2, segmentSeconds, maxParallel: 2 },
    { name: '(c) unsegmented', slots: 1, segmentSeconds: unsegmented },
  ];
  const runs: RunResult[] = [];
  for (const spec of specs) runs.push(await onStack(spec, (stack) => longRun(stack, spec, match)));
  const fair: RunSpec = { name: '(d) fair sharing', slots: 3, segmentSeconds, maxParallel: 2, userGpuJobs: 2 };
  const { idle, busy, fairMatch } = await onStack(fair, async (stack) => {
    const alone = await processVideo(stack, short.videoPath, SECOND_USER, RUN_TIMEOUT_MS);
    const second = sleep(SECOND_USER_AFTER_S * 1000).then(() => processVideo(stack, short.videoPath, SECOND_USER, RUN_TIMEOUT_MS));
    const [run, secondRun] = await Promise.all([processVideo(stack, match.videoPath, LONG_USER, RUN_TIMEOUT_MS), second]);
    return { idle: alone, busy: secondRun, fairMatch: run };
  });

  const { fps } = sceneOf(match);
  const plan = planSegments(Math.round(matchSeconds * fps), fps, { seconds: segmentSeconds, maxParallel: 2, overlapSeconds: defaultOverlapSeconds });
  const boundaries = plan.slice(1).map((s) => s.coreFirstFrame / fps);
  const scores = scoreRuns(match, runs.map((r) => r.files), boundaries, join(longWork, 'score'));
  const base = runs[0]!.processed.wallSeconds;
  const long = runs.map(({ spec, processed }) => {
    const s = scores.get(spec.name)!;
    return {
      run: spec.name, slots: spec.slots, 'segment s': spec.segmentSeconds, segments: processed.segments,
      'wall s': processed.wallSeconds, 'upload s': processed.uploadSeconds, 'first line s': processed.firstLineSeconds,
      'mot stage s': r1(processed.status.stages.mot.seconds ?? Number.NaN), 'speech stage s': r1(processed.status.stages.speech.seconds ?? Number.NaN),
      'speed-up vs (a)': r3(base / processed.wallSeconds), IDF1: s.IDF1, MOTA: s.MOTA, 'track ids': s.trackIds, 'events F1': s.eventsF1,
      [`events ±5 s of a boundary (truth / predicted / matched)`]: s.boundaryEvents, 'load 1m (start -> end)': processed.load,
    };
  });

  const second = `${SHORT_SECONDS} s, ${SECOND_USER}`;
  const fairness: Row[] = [
    { clip: second, when: 'alone on the idle (d) stack', 'completion s': idle.wallSeconds, load: idle.load },
    { clip: second, when: `${SECOND_USER_AFTER_S} s into the long match on (d)`, 'completion s': busy.wallSeconds, load: busy.load, 'ratio to idle': r3(busy.wallSeconds / idle.wallSeconds) },
    { clip: `${matchSeconds} s, ${LONG_USER}`, when: 'the long match on (d), beside the clip', 'completion s': fairMatch.wallSeconds, load: fairMatch.load },
  ];

  const [a, b, c] = long;
  const check = (what: string, value: number, target: string, ok: boolean): Row => ({ check: what, value: r3(value), target, met: ok ? 'yes' : 'NO' });
  const checks: Row[] = [
    check('speed-up of (b) vs (a)', Number(b!['speed-up vs (a)']), '>= 1.6', Number(b!['speed-up vs (a)']) >= 1.6),
    check('first line of (b), s', Number(b!['first line s']), `< wall(a)/3 = ${r1(base / 3)}`, Number(b!['first line s']) < base / 3),
    ...[a, b].map((r) => check(`|IDF1 ${r!.run} - IDF1 (c)|`, Math.abs(Number(r!.IDF1) - Number(c!.IDF1)), '<= 0.03', Math.abs(Number(r!.IDF1) - Number(c!.IDF1)) <= 0.03)),
    ...[a, b].map((r) => check(`|events F1 ${r!.run} - events F1 (c)|`, Math.abs(Number(r!['events F1']) - Number(c!['events F1'])), '<= 0.02', Math.abs(Number(r!['events F1']) - Number(c!['events F1'])) <= 0.02)),
  ];
  checks.push(check('second user busy / idle on (d)', busy.wallSeconds / idle.wallSeconds, '< 2', busy.wallSeconds / idle.wallSeconds < 2));
  notes.push(`${segmentSeconds} s segments (overlap ${defaultOverlapSeconds} s) planned at ${plan.length}; (c) with BING_SEGMENT_SECONDS=${unsegmented}; (d) with BING_GPU_SLOTS=${fair.slots} and BING_USER_GPU_JOBS=${fair.userGpuJobs}; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  return { notes, long, fairness, checks };
}
