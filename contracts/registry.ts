// The model registry's records (models/{kind}/registry.json): every trained version of a kind, where
// it came from, how it scored, whether it was promoted or rejected and why, and which is current.
// The same schemas validate the stored file and describe GET /v1/models in the OpenAPI document.
import { z } from 'zod';

const scores = z.record(z.string(), z.number());

/** metrics.json of a training job: scores of the candidate and of the current model on one held-out set. */
export const trainingMetricsSchema = z.looseObject({
  metric: z.string().min(1),
  candidate: scores,
  current: scores,
});
export type TrainingMetrics = z.infer<typeof trainingMetricsSchema>;

/** One new weight file, as a storage event names it. */
export const weightsFileSchema = z.object({
  /** The bucket the event came from; absent for local storage. */
  bucket: z.string().optional(),
  key: z.string(),
  versionId: z.string().optional(),
  etag: z.string().optional(),
  size: z.number(),
  eventTime: z.string(),
}).meta({ id: 'WeightsFile' });

export const registryEntrySchema = z.object({
  version: z.string(),
  status: z.enum(['promoted', 'rejected']),
  reason: z.string(),
  source: weightsFileSchema,
  model: z.string(),
  metrics: trainingMetricsSchema,
  trainingJob: z.string(),
  createdAt: z.string(),
}).meta({ id: 'ModelVersion' });
export type RegistryEntry = z.infer<typeof registryEntrySchema>;

export const registrySchema = z.object({
  kind: z.string(),
  current: z.string().nullable(),
  versions: z.array(registryEntrySchema),
});
export type Registry = z.infer<typeof registrySchema>;
