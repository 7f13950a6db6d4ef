// Training of the action model: the recogniser's parameters optimised for event F1 on the train
// examples (tracks.json and their true events.json), starting from the pretrained model; the result,
// the starting model and the current model scored on the held-out rest. Writes model.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionParams } from '../action/params';
import { log, modelDir, reportProgress, trainingChannel } from '../contract';
import { ACTION_SEARCH_SPACE } from './action-search-space';
import { scoreModel } from './evaluate';
import { readExamples } from './examples';
import type { Hyperparameters } from './hyperparameters';
import { round4, rounded, writeReport } from './report';
import { coordinateSearch } from './search';
import { splitExamples } from './split';
import { loadCurrent, loadPretrained } from './weights';

export async function trainAction(hp: Hyperparameters): Promise<void> {
  const examples = readExamples(trainingChannel('train'));
  const pretrained = loadPretrained(trainingChannel('pretrained'));
  const current = loadCurrent(trainingChannel('current'));
  const { train, heldOut } = splitExamples(examples, hp.holdout, hp.seed);
  log(`train: ${examples.length} examples (${train.length} to train on, ${heldOut.length} held out); starting from ${pretrained.file ?? 'the built-in model'} (version ${pretrained.model.version}); current model version ${current.version}`);

  const started = Date.now();
  const budget = hp.max_seconds * 1000;
  reportProgress(0.05, { stage: 'train', round: 0 });
  const search = await coordinateSearch(pretrained.model.params, ACTION_SEARCH_SPACE, (params) => scoreModel(params, train, hp.tolerance).f1, {
    seed: hp.seed,
    rounds: hp.rounds,
    deadline: started + budget,
    objectiveName: 'F1',
    onRound: ({ round: n, best, evaluations }) => reportProgress(0.05 + 0.85 * Math.min(1, Math.max(n / hp.rounds, (Date.now() - started) / budget)), {
      stage: 'train', round: n, trainF1: round4(best), evaluations,
    }),
  });
  log(`train: stopped by ${search.stoppedBy} after ${search.rounds} rounds, ${search.evaluations} evaluations in ${((Date.now() - started) / 1000).toFixed(1)} s; train F1 ${search.best.toFixed(3)}`);

  reportProgress(0.9, { stage: 'evaluate' });
  const evaluate = (params: ActionParams) => rounded({ ...scoreModel(params, heldOut, hp.tolerance) });
  const scores = { candidate: evaluate(search.params), pretrained: evaluate(pretrained.model.params), current: evaluate(current.params) };
  const dir = modelDir();
  const model = { name: pretrained.model.name, version: hp.version, params: search.params, trainedFrom: { pretrained: pretrained.file } };
  writeFileSync(join(dir, 'model.json'), `${JSON.stringify(model, null, 2)}\n`);
  writeReport(dir, { kind: 'action', metric: 'f1', scores, examples: { train: train.length, heldOut: heldOut.length }, heldOut: heldOut.map((e) => e.name) });
}
