import type { RetrainingSettings } from '../../client/retraining-service';

/** Retraining settings for API tests that never train: no weight sources. */
export const noRetraining: RetrainingSettings = {
  taskQueue: 'no-retraining-worker', debounce: '5m', margin: 0.01,
  trainingData: { mot: 'training/mot/', action: 'training/action/' }, sources: { mot: [], action: [] },
};
