// Tuning loop for the MOT job's people tracking: the every-frame detections the tracking bench
// recorded (bench/out/tracking/jobs/every-frame-*/…/detections.txt, `npm run bench -- tracking`
// first) replayed through the job's pipeline (bench/mot-replay.ts) on the generated seeds and the
// real sequences together, at every frame and at the default cadence, scored by jobs/mot-metrics.ts.
// Usage: npx tsx bench/mot-tune.ts ['{"people":{"tracker":{...}}}' (a partial settings override)]
// VERBOSE=1 prints each clip's scores; DUMP=DIR writes each clip's people as DIR/<clip>-<cadence>.txt.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { score, readMot, type MotBox } from '../jobs/mot-metrics';
import { DEFAULT_MOT_SETTINGS, type MotSettings } from '../jobs/mot/settings';
import type { Cadence } from '../jobs/mot/pipeline';
import { readDetections, replayDetections } from './mot-replay';
import { REAL_FOOTAGE } from './tracking-real';
import { r3, work } from './tracking-jobs';

function merge<T>(base: T, over: unknown): T {
  if (over === null || typeof over !== 'object' || Array.isArray(over)) return over as T;
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) out[k] = merge((base as Record<string, unknown>)[k], v);
  return out as T;
}

interface Clip { name: string; group: string; video: string; gt: string; detections: string }

function clips(): Clip[] {
  const jobs = join(work, 'jobs');
  const out: Clip[] = [];
  for (const dir of readdirSync(jobs).filter((d) => d.startsWith('every-frame-')).sort()) {
    const name = dir.slice('every-frame-'.length);
    const detections = join(jobs, dir, 'processing', 'output', 'tracks', 'detections.txt');
    const video = join(jobs, dir, 'processing', 'input', 'video', readdirSync(join(jobs, dir, 'processing', 'input', 'video'))[0]!);
    const seed = /^seed-(\d+)$/.exec(name);
    const gt = seed ? join(work, 'clips', seed[1]!, 'gt', 'gt.txt') : join(REAL_FOOTAGE, name, 'gt.txt');
    if (existsSync(gt)) out.push({ name, group: seed ? 'generated' : name, video, gt, detections });
  }
  return out;
}

/** The people of a run, as MOTChallenge boxes (the tracks' frames are 1-based already). */
function toMot(tracks: { id: number; class: string; boxes: { frame: number; x: number; y: number; w: number; h: number }[] }[]): MotBox[] {
  return tracks.filter((t) => t.class === 'person').flatMap((t) => t.boxes.map((b) => ({ frame: b.frame, id: t.id, x: b.x, y: b.y, w: b.w, h: b.h })));
}

async function main(): Promise<void> {
  const settings = merge(DEFAULT_MOT_SETTINGS, process.argv[2] ? JSON.parse(process.argv[2]) : {}) as MotSettings;
  const cadences: [string, Cadence][] = [['every frame', { stride: 1 }], ['default', { perSecond: settings.detectionsPerSecond }]];
  const all = clips();
  for (const [label, cadence] of cadences) {
    const byGroup = new Map<string, { mota: number; idf1: number; ids: number; n: number }>();
    for (const c of all) {
      const run = await replayDetections(c.video, readDetections(c.detections), settings, cadence);
      const gt = readMot(c.gt).filter((b) => b.id > 0);
      const hyp = toMot(run.tracks);
      const s = score(gt, hyp);
      if (process.env.DUMP) writeFileSync(join(process.env.DUMP, `${c.name}-${label.replace(' ', '-')}.txt`), hyp.map((b) => `${b.frame},${b.id},${b.x},${b.y},${b.w},${b.h},1,-1,-1,-1\n`).join(''));
      const g = byGroup.get(c.group) ?? { mota: 0, idf1: 0, ids: 0, n: 0 };
      byGroup.set(c.group, { mota: g.mota + s.mota, idf1: g.idf1 + s.idf1, ids: g.ids + s.idSwitches, n: g.n + 1 });
      if (process.env.VERBOSE) console.log(label, c.name, r3(s.mota), r3(s.idf1), s.idSwitches);
    }
    for (const [group, g] of byGroup) console.log(`${label.padEnd(12)} ${group.padEnd(15)} MOTA ${r3(g.mota / g.n)} IDF1 ${r3(g.idf1 / g.n)} IDs ${g.ids}`);
  }
}

void main();
