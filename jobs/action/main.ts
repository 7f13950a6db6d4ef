// Action-recognition job: processing/input/tracks/tracks.json (and optionally a model in
// processing/input/model/) in, processing/output/actions/actions.json out. Run with
// `node --require tsx/cjs jobs/action/main.ts` and BING_JOB_ROOT set to the job directory.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, processingInput, processingOutput, reportProgress, runJob } from '../contract';
import type { ActionsFile } from '../formats';
import { readTracks } from './input';
import { loadModel } from './model';
import { recognize, type PlayerMotion } from './recognize';

/** actions.json: the shared ActionsFile, plus the per-player motion summary when it stays small. */
export type ActionsOutput = ActionsFile & { motion?: PlayerMotion[] };

async function main(): Promise<void> {
  reportProgress(0, { stage: 'read' });
  const tracks = readTracks(processingInput('tracks'));
  const model = loadModel(processingInput('model'));
  log(`action job: ${tracks.tracks.length} tracks, ${tracks.video.frames} frames at ${tracks.video.fps} fps; model ${model.name} ${model.version}`);
  const result = recognize(tracks, model.params, (p) => reportProgress(0.05 + 0.9 * p, { stage: 'recognise' }));
  const output: ActionsOutput = { video: tracks.video, model: { name: model.name, version: model.version }, events: result.events };
  const summary = JSON.stringify(result.motion);
  if (summary.length <= model.params.motionSummaryMaxBytes) output.motion = result.motion;
  const path = join(processingOutput('actions'), 'actions.json');
  writeFileSync(path, `${JSON.stringify(output)}\n`);
  const counts: Record<string, number> = {};
  for (const e of result.events) counts[e.action] = (counts[e.action] ?? 0) + 1;
  reportProgress(1, { stage: 'done', events: result.events.length, counts });
}

runJob(main);
