// The routes outside the uploads and videos: health, readiness and GPU jobs.
import { z } from 'zod';
import { json, registerRoute } from './registry';

registerRoute({
  method: 'get', path: '/healthz', summary: 'The process is up', security: [],
  responses: { 200: json(z.object({ ok: z.boolean() }), 'up') },
});
const readiness = z.object({ ready: z.boolean(), temporal: z.string(), storage: z.string() }).meta({ id: 'Readiness' });
registerRoute({
  method: 'get', path: '/readyz', summary: 'Temporal and storage answer', security: [],
  responses: { 200: json(readiness, 'ready'), 503: json(readiness, 'not ready: the failing checks say why') },
});
export const jobListing = z.object({
  name: z.string(), videoId: z.string().optional(), kind: z.string(), status: z.string(), starts: z.number().int(), progress: z.number().optional(),
  startedAt: z.string(), endedAt: z.string().optional(), seconds: z.number(), failureReason: z.string().optional(),
});
registerRoute({
  method: 'get', path: '/v1/jobs', summary: 'GPU jobs: yours, or every job for an operator key',
  responses: { 200: json(z.object({ jobs: z.array(jobListing) }), 'the jobs') },
});
