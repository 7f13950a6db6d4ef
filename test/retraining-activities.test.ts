// Retraining's activities on local storage, where a prefix is not a key of its own.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRetrainingActivities } from '../activities/retraining';
import { LocalStorage } from '../activities/storage/local';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bing-retraining-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('prepareTraining on local storage', () => {
  it('fails for good, naming the folder, when the kind has no labelled examples', async () => {
    const { prepareTraining } = createRetrainingActivities(new LocalStorage(root));
    const file = { key: 'models/incoming/mot/v2.pt', size: 3, eventTime: new Date().toISOString() };
    const failure = await prepareTraining({ kind: 'mot', file, trainingData: 'training/mot/' }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).message).toBe(
      `no labelled examples under file://${join(root, 'objects', 'training', 'mot')}/: the training job's train channel is empty`,
    );
  });
});
