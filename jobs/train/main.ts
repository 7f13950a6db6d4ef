// Training job under the SageMaker training contract: labelled examples in input/data/train/, an
// optional starting model in input/data/pretrained/ and the model in use in input/data/current/,
// settings in input/config/hyperparameters.json. `kind` picks the model: the action model
// (action.ts) or the MOT model (mot.ts). Either way the job searches the model's settings on most
// examples, scores the result, the starting model and the current model on the held-out rest, and
// writes model/model.json (with the MOT model's detector graph, if it has its own) and
// model/metrics.json. Run with `node --require tsx/cjs jobs/train/main.ts` and BING_JOB_ROOT set to
// the job directory.
import { reportProgress, runJob } from '../contract';
import { trainAction } from './action';
import { readHyperparameters } from './hyperparameters';
import { trainMot } from './mot';

async function main(): Promise<void> {
  reportProgress(0, { stage: 'read' });
  const hp = readHyperparameters();
  await (hp.kind === 'mot' ? trainMot(hp) : trainAction(hp));
}

runJob(main);
