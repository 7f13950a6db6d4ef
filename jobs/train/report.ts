// What every training job leaves for the retraining workflow: metrics.json in the model directory
// (the candidate's, the starting model's and the current model's scores on the same held-out
// examples, and the metric the promotion gate compares), one `metric name=value` line per score for
// SageMaker's metric definitions (regex `candidate_f1=([0-9.]+)`), and the last progress line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, reportProgress } from '../contract';

export type ScoreSet = Record<string, number>;

export const round4 = (v: number): number => Math.round(v * 10_000) / 10_000;
export const rounded = (s: ScoreSet): ScoreSet => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round4(v)]));

export interface Report {
  kind: 'action' | 'mot';
  metric: string;
  scores: { candidate: ScoreSet; pretrained: ScoreSet; current: ScoreSet };
  examples: { train: number; heldOut: number };
  heldOut: string[];
}

export function writeReport(dir: string, report: Report): void {
  const { kind, metric, scores, examples, heldOut } = report;
  writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify({ kind, metric, ...scores, examples, heldOut: [...heldOut].sort() }, null, 2)}\n`);
  for (const [which, s] of Object.entries(scores)) {
    for (const [name, value] of Object.entries(s)) log(`metric ${which}_${name}=${value}`);
  }
  reportProgress(1, { stage: 'done', metric, candidate: scores.candidate[metric], pretrained: scores.pretrained[metric], current: scores.current[metric] });
}
