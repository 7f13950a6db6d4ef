// The retraining workflow's side effects: stage a weight file for training, read what the training
// job measured, record the candidate in the registry (promoted or rejected, with the reason).
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import type { WeightsArrived } from '../contracts/retraining';
import { badInput } from './failures';
import { modelKey, type ModelKind } from '../contracts/models';
import { trainingMetricsSchema, type TrainingMetrics } from '../contracts/registry';
import { nextVersion, readRegistry, updateRegistry } from './registry';
import type { Storage } from './storage/storage';

export interface PreparedTraining {
  version: string;
  /** The weight file, copied where the training job reads it: the `pretrained` channel. */
  weightsKey: string;
  /** The current model, for the job to score beside the candidate: the `current` channel. */
  currentKey?: string;
}

export interface CandidateRecord {
  kind: ModelKind;
  version: string;
  file: WeightsArrived;
  jobName: string;
  /** The model.tar.gz the training job wrote. */
  trainedKey: string;
  metrics: TrainingMetrics;
  status: 'promoted' | 'rejected';
  reason: string;
}

const metricsFile = 'metrics.json';
const maxMetricsBytes = 1024 ** 2;

export function createRetrainingActivities(storage: Storage) {
  /** Copies the file as it was when the event named it (its version on a versioned S3 bucket). */
  async function stageWeights(file: WeightsArrived, to: string): Promise<void> {
    if (storage.copyFrom && file.bucket && (file.bucket !== storage.bucket || file.versionId)) {
      await storage.copyFrom({ bucket: file.bucket, key: file.key, versionId: file.versionId }, to);
      return;
    }
    if (!(await storage.head(file.key))) throw badInput(`the weight file ${file.key} is gone`);
    await storage.copy(file.key, to);
  }

  return {
    async prepareTraining({ kind, file, trainingData }: { kind: ModelKind; file: WeightsArrived; trainingData: string }): Promise<PreparedTraining> {
      if ((await storage.list(trainingData)).length === 0) {
        throw badInput(`no labelled examples under ${storage.uri(trainingData.replace(/\/+$/, ''))}/: the training job's train channel is empty`);
      }
      const registry = await readRegistry(storage, kind);
      const version = nextVersion(registry);
      const weightsDir = `models/${kind}/${version}/weights/`;
      await storage.deletePrefix(weightsDir);
      const weightsKey = `${weightsDir}${basename(file.key)}`;
      await stageWeights(file, weightsKey);
      return { version, weightsKey, ...(registry.current ? { currentKey: modelKey(kind, registry.current) } : {}) };
    },

    async readTrainingMetrics({ trainedKey }: { trainedKey: string }): Promise<TrainingMetrics> {
      const text = await readFromTarGz(await storage.get(trainedKey), metricsFile);
      if (text === undefined) throw badInput(`${trainedKey} holds no ${metricsFile}`);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw badInput(`${metricsFile} in ${trainedKey} is not JSON: ${(err as Error).message}`);
      }
      const metrics = trainingMetricsSchema.safeParse(json);
      if (!metrics.success) throw badInput(`${metricsFile} in ${trainedKey} is malformed: ${metrics.error.issues[0]?.message}`);
      const { metric, candidate, current } = metrics.data;
      if (candidate[metric] === undefined || current[metric] === undefined) {
        throw badInput(`${metricsFile} in ${trainedKey} scores the candidate and the current model without its metric ${metric}`);
      }
      return metrics.data;
    },

    async recordCandidate(record: CandidateRecord): Promise<void> {
      const { kind, version } = record;
      await storage.copy(record.trainedKey, modelKey(kind, version));
      await updateRegistry(storage, kind, (registry) => {
        const existing = registry.versions.find((v) => v.version === version);
        if (existing?.trainingJob === record.jobName) return registry;
        if (existing) throw badInput(`version ${version} of ${kind} is already taken by the training job ${existing.trainingJob}`);
        return {
          ...registry,
          current: record.status === 'promoted' ? version : registry.current,
          versions: [...registry.versions, {
            version, status: record.status, reason: record.reason, source: record.file, model: modelKey(kind, version),
            metrics: record.metrics, trainingJob: record.jobName, createdAt: new Date().toISOString(),
          }],
        };
      });
    },
  };
}

/** The text of one small file in a gzipped tar stream, or undefined when the archive lacks it. */
async function readFromTarGz(stream: NodeJS.ReadableStream, name: string): Promise<string | undefined> {
  let found: string | undefined;
  const parser = new Parser({
    filter: (path) => path.replace(/^\.\//, '') === name,
    onReadEntry: (entry: ReadEntry) => {
      if (entry.size > maxMetricsBytes) {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => (found = Buffer.concat(chunks).toString('utf8')));
    },
  });
  try {
    await pipeline(stream, parser);
  } catch (err) {
    throw badInput(`the trained model is not a readable .tar.gz: ${(err as Error).message}`);
  }
  return found;
}
