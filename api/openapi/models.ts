// /v1/models: the registry of each model kind and its retraining; /v1/events/s3: the storage-event webhook.
import { z } from 'zod';
import { modelKinds } from '../../contracts/models';
import { registryEntrySchema, weightsFileSchema } from '../../contracts/registry';
import { weightFileExtensions } from '../../contracts/weight-files';
import { storageEventSchema } from '../../client/weight-events';
import { json, jsonBody, problems, registerRoute, registry } from './registry';

const webhookSecret = registry.registerComponent('securitySchemes', 'webhookSecret', {
  type: 'http', scheme: 'bearer', description: 'BING_WEBHOOK_SECRET, shared with whatever sends the events.',
});

export const kindParams = z.object({ kind: z.enum(modelKinds).meta({ description: 'the model kind' }) });

/** A letter matches either case, as isWeightFile compares. */
const anyCase = (text: string) => text.replace(/\./g, '\\.').replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
const weightFileName = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]*(?:${weightFileExtensions.map(anyCase).join('|')})$`);

export const weightsQuery = z.object({
  name: z.string().min(1).max(200).regex(weightFileName, `letters, digits, ".", "_" and "-", ending in ${weightFileExtensions.join(', ')}`)
    .meta({ description: 'the weight file\'s name' }),
});

const outcome = z.object({
  file: weightsFileSchema, result: z.enum(['promoted', 'rejected', 'failed', 'superseded']), reason: z.string(),
  version: z.string().optional(), jobName: z.string().optional(), at: z.string(),
});
const retrainingState = z.object({
  paused: z.boolean(), queued: z.array(weightsFileSchema), trainings: z.number().int(), recent: z.array(outcome),
  running: z.object({ file: weightsFileSchema, version: z.string(), jobName: z.string(), startedAt: z.string() }).optional(),
}).meta({ id: 'RetrainingState' });

export const modelSummary = z.object({
  kind: z.enum(modelKinds),
  current: z.string().meta({ description: "the version jobs use; 'builtin' before any promotion" }),
  versions: z.array(registryEntrySchema),
  retraining: retrainingState.nullable().meta({ description: 'null until a weight file first arrived' }),
}).meta({ id: 'Model' });

registerRoute({
  method: 'get', path: '/v1/models', summary: 'Every model kind: its registry and its retraining',
  responses: { 200: json(z.object({ models: z.array(modelSummary) }), 'the models') },
});
registerRoute({
  method: 'get', path: '/v1/models/{kind}', summary: 'One model kind', request: { params: kindParams },
  responses: { 200: json(modelSummary, 'the model'), ...problems(400) },
});
registerRoute({
  method: 'post', path: '/v1/models/{kind}/weights', summary: 'Upload a weight file to retrain from (operator key)',
  request: {
    params: kindParams, query: weightsQuery,
    body: { required: true, content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } } },
  },
  responses: { 202: json(z.object({ kind: z.enum(modelKinds), file: weightsFileSchema }), 'stored and handed to retraining'), ...problems(400, 403, 413) },
});
for (const action of ['pause', 'resume'] as const) {
  registerRoute({
    method: 'post', path: `/v1/models/{kind}/retraining/${action}`, summary: `${action === 'pause' ? 'Pause' : 'Resume'} a kind's retraining (operator key)`,
    request: { params: kindParams },
    responses: { 202: json(z.object({ kind: z.enum(modelKinds), paused: z.boolean() }), 'signalled'), ...problems(400, 403, 404) },
  });
}
registerRoute({
  method: 'post', path: '/v1/events/s3', summary: 'S3 event notifications (S3-compatible servers, EventBridge, SNS) of new weight files',
  description: 'Authenticated by BING_WEBHOOK_SECRET as "Authorization: Bearer <secret>"; switched off when it is not set.',
  security: [{ [webhookSecret.name]: [] }],
  request: { body: jsonBody(storageEventSchema) },
  responses: {
    202: json(z.object({
      signalled: z.array(z.object({ kind: z.enum(modelKinds), key: z.string() })),
      ignored: z.array(z.object({ key: z.string().optional(), reason: z.string() })),
      testEvent: z.boolean(),
    }), 'the weight files handed to retraining, and what was ignored and why'),
    ...problems(400, 401, 404),
  },
});
