// The registry behind GET /openapi.json (OpenAPI 3.1), filled from the same zod schemas that
// validate the requests, so the document cannot drift from what the routes accept.
//
// To document a route group (e.g. /v1/models):
//   1. Add api/openapi/models.ts. Define the request and response schemas there and export them;
//      the route validates with them (`parse(createModelBody, req.body)` from ./parse).
//   2. In the same file, describe each route:
//        registerRoute({
//          method: 'post', path: '/v1/models/{kind}', summary: 'Register a model version',
//          request: { params: kindParams, body: jsonBody(createModelBody) },
//          responses: { 201: json(modelSchema, 'registered'), ...problems(400, 404) },
//        });
//      Paths use {name} where Express has :name. Routes under /v1 require the bearer key; pass
//      `security: []` for routes that take none.
//   3. Import the file in ./document.ts. test/openapi.test.ts fails while a route mounted in
//      api/app.ts is missing from the document.
import { OpenAPIRegistry, type ResponseConfig, type RouteConfig, type ZodRequestBody } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

export const registry = new OpenAPIRegistry();

export const bearerAuth = registry.registerComponent('securitySchemes', 'bearer', {
  type: 'http', scheme: 'bearer', description: 'An API key from BING_API_KEYS (the local launcher prints its own).',
});

/** RFC 9457 problem details: every error the API answers. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
}).meta({ id: 'Problem' });

const problemTitles: Record<number, string> = {
  400: 'invalid request', 401: 'missing or invalid API key', 404: 'not found, or another user\'s',
  405: 'method not allowed', 409: 'conflict with the current state', 410: 'expired', 412: 'precondition failed',
  413: 'larger than BING_MAX_UPLOAD_BYTES', 503: 'not ready',
};

/** Problem responses for the given statuses. */
export function problems(...statuses: number[]): Record<number, ResponseConfig> {
  return Object.fromEntries(statuses.map((status) => [status, {
    description: problemTitles[status] ?? 'error',
    content: { 'application/problem+json': { schema: problemSchema } },
  }]));
}

export const json = (schema: z.ZodType, description: string): ResponseConfig => ({ description, content: { 'application/json': { schema } } });

export const jsonBody = (schema: z.ZodType, description?: string): ZodRequestBody => ({ description, required: true, content: { 'application/json': { schema } } });

/** Node's HTTP server answers this, with no body, before any route sees the request. */
const headersTooLarge: ResponseConfig = { description: 'the request line and headers pass the HTTP server\'s limit (16 KiB by default); no body' };

/** Registers one operation; /v1 routes require the key and may answer 401. Every operation may answer 431. */
export function registerRoute(route: RouteConfig): void {
  const keyed = route.path.startsWith('/v1/');
  registry.registerPath({
    ...(keyed ? { security: [{ [bearerAuth.name]: [] }] } : {}),
    ...route,
    responses: { ...route.responses, ...(keyed && route.security === undefined ? problems(401) : {}), 431: headersTooLarge },
  });
}
