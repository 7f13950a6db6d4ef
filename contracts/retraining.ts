// What the retraining workflow shares with the doors that feed it (SQS consumer, webhook, local
// watcher, upload route) and with the API that shows its state.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { z } from 'zod';
import type { ModelKind } from './models';
import type { TrainingMetrics, weightsFileSchema } from './registry';

/** One new weight file, as an S3 event names it. */
export type WeightsArrived = z.infer<typeof weightsFileSchema>;

export interface RetrainingInput {
  kind: ModelKind;
  /** A burst of files within this quiet period trains once, on the newest, e.g. '5m'. */
  debounce: string;
  /** The candidate is promoted only when its score is at least the current model's plus this. */
  margin: number;
  /** The storage prefix of the labelled examples, the training job's `train` channel. */
  trainingData: string;
  /** Given to the training job beside kind, version and seed (e.g. a time budget for your own container). */
  hyperparameters?: Record<string, string>;
  /** What a previous run handed over through continue-as-new. */
  carried?: RetrainingCarried;
}

export interface RetrainingCarried {
  seen: string[];
  queued: WeightsArrived[];
  recent: RetrainingOutcome[];
  paused: boolean;
  trainings: number;
}

export interface RetrainingOutcome {
  file: WeightsArrived;
  result: 'promoted' | 'rejected' | 'failed' | 'superseded';
  reason: string;
  version?: string;
  jobName?: string;
  metrics?: TrainingMetrics;
  at: string;
}

export interface RetrainingState {
  kind: ModelKind;
  paused: boolean;
  /** Files waiting for the debounce window to close (or for the running training to end). */
  queued: WeightsArrived[];
  running?: { file: WeightsArrived; version: string; jobName: string; startedAt: string };
  /** The newest outcomes first, at most `recentOutcomes`. */
  recent: RetrainingOutcome[];
  /** How many trainings this workflow started, over all its runs. */
  trainings: number;
}

export const recentOutcomes = 20;
/** Dedupe keys kept across continue-as-new: enough for S3's redeliveries, bounded in size. */
export const seenKept = 1000;

export const retrainingWorkflowId = (kind: ModelKind): string => `retraining-${kind}`;

/** A weight file is the same file when its key and version (or content tag) are. */
export const weightsIdentity = (w: WeightsArrived): string => `${w.bucket ?? ''}/${w.key}#${w.versionId ?? w.etag ?? ''}`;

export const weightsArrivedSignal = defineSignal<[WeightsArrived]>('weightsArrived');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const retrainingStateQuery = defineQuery<RetrainingState>('state');
