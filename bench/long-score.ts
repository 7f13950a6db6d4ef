// Scores the long bench's runs against the clip's ground truth: MOTA and IDF1 of each run's
// tracks.txt by motmetrics' MOTChallenge app (as the tracking bench does), events by F1 at ±1 s
// (jobs/event-match.ts), and the events near each segment boundary counted apart, where a
// stitching fault would lose or double them.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionEvent, ActionsFile } from '../jobs/formats';
import { matchEvents, pooled, prf } from '../jobs/event-match';
import type { Clip } from '../test/fixtures/clip';
import { readMot } from '../test/fixtures/clip/score';
import { motmetricsEval, r3 } from './tracking-jobs';

export interface RunFiles {
  name: string;
  tracksTxt: string;
  actionsJson: string;
}

export interface RunScore {
  IDF1: number;
  MOTA: number;
  /** Distinct track ids in tracks.txt (the ground truth has one per player). */
  trackIds: number;
  eventsF1: number;
  /** Events starting within BOUNDARY_WINDOW of a segment boundary: truth / predicted / matched. */
  boundaryEvents: string;
}

const BOUNDARY_WINDOW = 5;

/** A run's name as a MOTChallenge sequence name: motmetrics' summary table splits on spaces. */
const sequence = (name: string): string => name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');

const near = (boundaries: number[]) => (e: { start: number }) => boundaries.some((b) => Math.abs(e.start - b) <= BOUNDARY_WINDOW);

/** Scores every run; `boundaries` are the segment boundaries in seconds. */
export function scoreRuns(clip: Clip, runs: RunFiles[], boundaries: number[], work: string): Map<string, RunScore> {
  const gtDir = join(work, 'gt');
  const testDir = join(work, 'test');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(testDir, { recursive: true });
  for (const run of runs) {
    mkdirSync(join(gtDir, sequence(run.name), 'gt'), { recursive: true });
    copyFileSync(clip.gtPath, join(gtDir, sequence(run.name), 'gt', 'gt.txt'));
    copyFileSync(run.tracksTxt, join(testDir, `${sequence(run.name)}.txt`));
  }
  const mm = motmetricsEval(gtDir, testDir);
  const truth = (JSON.parse(readFileSync(clip.eventsPath, 'utf8')) as { events: ActionEvent[] }).events;
  const atBoundary = near(boundaries);
  const scores = new Map<string, RunScore>();
  for (const run of runs) {
    const m = mm.get(sequence(run.name));
    if (!m) throw new Error(`motmetrics gave no row for ${run.name}`);
    const predicted = (JSON.parse(readFileSync(run.actionsJson, 'utf8')) as ActionsFile).events;
    const boundary = pooled(matchEvents(predicted.filter(atBoundary), truth.filter(atBoundary), 1).values());
    scores.set(run.name, {
      IDF1: r3(m.IDF1!), MOTA: r3(m.MOTA!), trackIds: new Set(readMot(run.tracksTxt).map((b) => b.id)).size, eventsF1: r3(prf(pooled(matchEvents(predicted, truth, 1).values())).f1),
      boundaryEvents: `${boundary.truth} / ${boundary.predicted} / ${boundary.tp}`,
    });
  }
  return scores;
}
