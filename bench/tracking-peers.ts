// BING's tracker beside ByteTrack and OC-SORT (PyPI trackers, pinned in infra/install-tools, run by
// bench/peers.py) on the same detections: the MOT job runs with detection on every frame
// (BING_DETECT_STRIDE=1), the peers are fed the detections.txt it wrote, and every tracker's
// output is scored by the same motmetrics call; HOTA by jobs/mot-hota.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TracksFile } from '../jobs/formats';
import { hota } from '../jobs/mot-hota';
import { readMot } from '../jobs/mot-metrics';
import { motmetricsEval, r3, repo, runMot, tracksOut, work } from './tracking-jobs';

export type Row = Record<string, string | number>;

export interface Sequence {
  /** A name motmetrics can key on (no spaces). */
  name: string;
  /** The class of clips it is averaged in: generated, or the real sequence's name. */
  group: string;
  video: string;
  gt: string;
}

const TRACKERS = ['BING', 'ByteTrack', 'OC-SORT'] as const;
const PEER_FILES: Record<string, string> = { ByteTrack: 'bytetrack.txt', 'OC-SORT': 'ocsort.txt' };
const trackersPath = join(repo, '.tools', 'trackers');

export function peersInstalled(): boolean {
  return existsSync(join(trackersPath, 'trackers'));
}

export async function sameDetectionsBench(sequences: Sequence[]): Promise<Row[]> {
  const root = join(work, 'same');
  const gtDir = join(root, 'gt');
  for (const t of TRACKERS) mkdirSync(join(root, t), { recursive: true });
  for (const s of sequences) {
    const run = await runMot(`every-frame-${s.name}`, s.video, { BING_DETECT_STRIDE: '1' });
    const out = tracksOut(run);
    const { video } = JSON.parse(readFileSync(join(out, 'tracks.json'), 'utf8')) as TracksFile;
    mkdirSync(join(gtDir, s.name, 'gt'), { recursive: true });
    symlinkSync(s.gt, join(gtDir, s.name, 'gt', 'gt.txt'));
    symlinkSync(join(out, 'tracks.txt'), join(root, 'BING', `${s.name}.txt`));
    const peers = join(root, 'peers', s.name);
    mkdirSync(peers, { recursive: true });
    execFileSync('python3', [join(__dirname, 'peers.py'), join(out, 'detections.txt'), String(video.frames), String(video.fps), peers], {
      env: { ...process.env, PYTHONPATH: trackersPath },
    });
    for (const [t, file] of Object.entries(PEER_FILES)) symlinkSync(join(peers, file), join(root, t, `${s.name}.txt`));
  }
  const rows: Row[] = [];
  const groups = [...new Set(sequences.map((s) => s.group))];
  for (const tracker of TRACKERS) {
    const mm = motmetricsEval(gtDir, join(root, tracker));
    for (const group of groups) {
      const members = sequences.filter((s) => s.group === group);
      const scores = members.map((s): Record<string, number> => {
        const m = mm.get(s.name);
        if (!m) throw new Error(`motmetrics gave no row for ${s.name} (${tracker})`);
        return { ...m, HOTA: hota(readMot(s.gt), readMot(join(root, tracker, `${s.name}.txt`))).hota };
      });
      const mean = (k: string): number => r3(scores.reduce((sum, m) => sum + (m[k] ?? 0), 0) / scores.length);
      const sum = (k: string): number => scores.reduce((total, m) => total + (m[k] ?? 0), 0);
      rows.push({ clips: members.length > 1 ? `${group} (mean of ${members.length})` : group, tracker, MOTA: mean('MOTA'), IDF1: mean('IDF1'), HOTA: mean('HOTA'), IDs: sum('IDs'), FP: sum('FP'), FN: sum('FN') });
    }
  }
  return rows.sort((a, b) => groups.findIndex((g) => String(a.clips).startsWith(g)) - groups.findIndex((g) => String(b.clips).startsWith(g)));
}
