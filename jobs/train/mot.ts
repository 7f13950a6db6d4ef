// Training of the MOT model on labelled sequences (videos with MOTChallenge ground truth): the
// tracking settings searched for the mean of IDF1 and HOTA on the train sequences, starting from the
// pretrained model (its detector settings, cadence and detector graph are kept); the result, the
// starting model and the current model scored on the held-out rest. Writes model.json, and the
// detector graph when the starting model has its own.
import { log, modelDir, reportProgress, trainingChannel } from '../contract';
import { writeMotModel, type MotModel } from '../mot/model';
import type { Hyperparameters } from './hyperparameters';
import { MOT_METRIC, MotEvaluator } from './mot-evaluate';
import { MOT_SEARCH_SPACE } from './mot-search-space';
import { round4, rounded, writeReport } from './report';
import { coordinateSearch } from './search';
import { readSequences } from './sequences';
import { splitExamples } from './split';
import { loadCurrentMot, loadPretrainedMot } from './weights';

export async function trainMot(hp: Hyperparameters): Promise<void> {
  const pretrained = loadPretrainedMot(trainingChannel('pretrained'));
  const current = loadCurrentMot(trainingChannel('current'));
  const sequences = await readSequences(trainingChannel('train'));
  const { train, heldOut } = splitExamples(sequences, hp.holdout, hp.seed);
  log(`train: ${sequences.length} sequences (${train.length} to train on, ${heldOut.length} held out); starting from ${pretrained.file ?? 'the built-in model'} (version ${pretrained.model.version}${pretrained.model.detectorGraph ? ', its own detector graph' : ''}); current model version ${current.version}`);

  const evaluator = new MotEvaluator();
  const started = Date.now();
  const budget = hp.max_seconds * 1000;
  reportProgress(0.05, { stage: 'train', round: 0 });
  const start = pretrained.model;
  const search = await coordinateSearch(start.settings, MOT_SEARCH_SPACE, async (settings) => (await evaluator.score({ ...start, settings }, train))[MOT_METRIC], {
    seed: hp.seed,
    rounds: hp.rounds,
    deadline: started + budget,
    objectiveName: 'IDF1/HOTA',
    onRound: ({ round: n, best, evaluations }) => reportProgress(0.05 + 0.85 * Math.min(1, Math.max(n / hp.rounds, (Date.now() - started) / budget)), {
      stage: 'train', round: n, [`train_${MOT_METRIC}`]: round4(best), evaluations,
    }),
  });
  log(`train: stopped by ${search.stoppedBy} after ${search.rounds} rounds, ${search.evaluations} evaluations in ${((Date.now() - started) / 1000).toFixed(1)} s; train ${MOT_METRIC} ${search.best.toFixed(3)}`);

  reportProgress(0.9, { stage: 'evaluate' });
  const candidate: MotModel = { ...start, version: hp.version, settings: search.params };
  const evaluate = async (model: MotModel) => rounded({ ...(await evaluator.score(model, heldOut)) });
  const scores = { candidate: await evaluate(candidate), pretrained: await evaluate(start), current: await evaluate(current) };
  log(`train: the detector ran ${evaluator.detectionRuns} times (once per sequence and detector configuration)`);
  const dir = modelDir();
  writeMotModel(dir, candidate, { trainedFrom: { pretrained: pretrained.file } });
  writeReport(dir, { kind: 'mot', metric: MOT_METRIC, scores, examples: { train: train.length, heldOut: heldOut.length }, heldOut: heldOut.map((s) => s.name) });
}
