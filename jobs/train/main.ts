// Training job for the action model, under the SageMaker training contract: labelled examples in
// input/data/train/, an optional starting model in input/data/pretrained/ and the model in use in
// input/data/current/, settings in input/config/hyperparameters.json. It optimises the recogniser's
// parameters for event F1 on most examples, scores the result, the starting model and the current
// model on the held-out rest, and writes model/model.json and model/metrics.json. Run with
// `node --require tsx/cjs jobs/train/main.ts` and BING_JOB_ROOT set to the job directory.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionParams } from '../action/params';
import { log, modelDir, reportProgress, runJob, trainingChannel } from '../contract';
import type { Scores } from '../event-match';
import { scoreModel } from './evaluate';
import { readExamples } from './examples';
import { readHyperparameters } from './hyperparameters';
import { coordinateSearch } from './search';
import { splitExamples } from './split';
import { loadCurrent, loadPretrained } from './weights';

const rounded = (s: Scores): Scores => ({ f1: round(s.f1), precision: round(s.precision), recall: round(s.recall) });
const round = (v: number) => Math.round(v * 10_000) / 10_000;

async function main(): Promise<void> {
  reportProgress(0, { stage: 'read' });
  const hp = readHyperparameters();
  const examples = readExamples(trainingChannel('train'));
  const pretrained = loadPretrained(trainingChannel('pretrained'));
  const current = loadCurrent(trainingChannel('current'));
  const { train, heldOut } = splitExamples(examples, hp.holdout, hp.seed);
  log(`train: ${examples.length} examples (${train.length} to train on, ${heldOut.length} held out); starting from ${pretrained.file ?? 'the built-in model'} (version ${pretrained.model.version}); current model version ${current.version}`);

  const started = Date.now();
  const budget = hp.max_seconds * 1000;
  reportProgress(0.05, { stage: 'train', round: 0 });
  const search = coordinateSearch(pretrained.model.params, (params) => scoreModel(params, train, hp.tolerance).f1, {
    seed: hp.seed,
    rounds: hp.rounds,
    deadline: started + budget,
    onRound: ({ round: n, best, evaluations }) => reportProgress(0.05 + 0.85 * Math.min(1, Math.max(n / hp.rounds, (Date.now() - started) / budget)), {
      stage: 'train', round: n, trainF1: round(best), evaluations,
    }),
  });
  log(`train: stopped by ${search.stoppedBy} after ${search.rounds} rounds, ${search.evaluations} evaluations in ${((Date.now() - started) / 1000).toFixed(1)} s; train F1 ${search.best.toFixed(3)}`);

  reportProgress(0.9, { stage: 'evaluate' });
  const evaluate = (params: ActionParams) => rounded(scoreModel(params, heldOut, hp.tolerance));
  const scores = { candidate: evaluate(search.params), pretrained: evaluate(pretrained.model.params), current: evaluate(current.params) };
  const dir = modelDir();
  const model = { name: pretrained.model.name, version: hp.version, params: search.params, trainedFrom: { pretrained: pretrained.file } };
  writeFileSync(join(dir, 'model.json'), `${JSON.stringify(model, null, 2)}\n`);
  const metrics = {
    kind: 'action', metric: 'f1', ...scores,
    examples: { train: train.length, heldOut: heldOut.length },
    heldOut: heldOut.map((e) => e.name).sort(),
  };
  writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  // One `metric name=value` line each, for SageMaker's metric definitions (regex `candidate_f1=([0-9.]+)`).
  for (const [which, s] of Object.entries(scores)) {
    for (const [name, value] of Object.entries(s)) log(`metric ${which}_${name}=${value}`);
  }
  reportProgress(1, { stage: 'done', candidateF1: scores.candidate.f1, pretrainedF1: scores.pretrained.f1, currentF1: scores.current.f1 });
}

runJob(main);
