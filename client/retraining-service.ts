// The one path every door (SQS consumer, webhook, local watcher, weights upload) takes to the
// retraining workflows: signalWithStart of `retraining-{kind}` with weightsArrived. Also their
// state, pause and resume for the API and the CLI.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../common/config';
import type { ModelKind } from '../contracts/models';
import type { retraining } from '../workflows/retraining';
import {
  pauseSignal, resumeSignal, retrainingStateQuery, retrainingWorkflowId, weightsArrivedSignal,
  type RetrainingInput, type RetrainingState, type WeightsArrived,
} from '../contracts/retraining';
import { parseStorageEvent, weightSources, type ParsedEvents, type WeightSources } from './weight-events';

export interface RetrainingSettings {
  taskQueue: string;
  debounce: string;
  margin: number;
  /** The storage prefix of each kind's labelled examples. */
  trainingData: Record<ModelKind, string>;
  sources: WeightSources;
  hyperparameters?: Record<string, string>;
}

export function retrainingSettings(config: Config): RetrainingSettings {
  return {
    taskQueue: config.BING_TASK_QUEUE,
    debounce: config.BING_RETRAIN_DEBOUNCE,
    margin: config.BING_RETRAIN_MARGIN,
    trainingData: { mot: config.BING_TRAINING_DATA_MOT, action: config.BING_TRAINING_DATA_ACTION },
    sources: weightSources(config),
    hyperparameters: config.BING_TRAIN_HYPERPARAMETERS,
  };
}

export class RetrainingService {
  constructor(private readonly client: Client, private readonly settings: RetrainingSettings) {}

  /** Hands a new weight file to its kind's workflow, starting the workflow if it is not running. */
  async weightsArrived(kind: ModelKind, file: WeightsArrived): Promise<void> {
    const input: RetrainingInput = {
      kind, debounce: this.settings.debounce, margin: this.settings.margin, trainingData: this.settings.trainingData[kind],
      ...(this.settings.hyperparameters ? { hyperparameters: this.settings.hyperparameters } : {}),
    };
    await this.client.workflow.signalWithStart<typeof retraining, [WeightsArrived]>('retraining', {
      workflowId: retrainingWorkflowId(kind),
      taskQueue: this.settings.taskQueue,
      args: [input],
      signal: weightsArrivedSignal,
      signalArgs: [file],
      staticSummary: `retraining of the ${kind} model`,
    });
  }

  /** Signals every weight file a storage event announces; throws UnreadableEvent for a body of no known form. */
  async acceptStorageEvent(body: unknown): Promise<ParsedEvents> {
    const parsed = parseStorageEvent(body, this.settings.sources);
    for (const { kind, file } of parsed.weights) await this.weightsArrived(kind, file);
    return parsed;
  }

  /** The workflow's state, or undefined when it has never run. */
  async state(kind: ModelKind): Promise<RetrainingState | undefined> {
    try {
      return await this.client.workflow.getHandle(retrainingWorkflowId(kind)).query(retrainingStateQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** Pauses or resumes a kind's retraining; false when its workflow is not running. */
  async setPaused(kind: ModelKind, paused: boolean): Promise<boolean> {
    try {
      await this.client.workflow.getHandle(retrainingWorkflowId(kind)).signal(paused ? pauseSignal : resumeSignal);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }
}
