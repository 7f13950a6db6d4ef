// POST /request: the old API Gateway contract, without a key.
import { z } from 'zod';
import { userIdPattern } from '../../common/ids';
import { json, jsonBody, problems, registerRoute } from './registry';

/** The route reads the body slice by slice (it may be large) and checks userId with this schema. */
export const legacyUserId = z.string().regex(userIdPattern, `userId must match ${userIdPattern}`);

export const legacyRequest = z.object({
  file: z.string().min(1).regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'must be base64 (whole groups of four, padded)')
    .meta({ description: 'the video, base64', contentEncoding: 'base64' }),
  userId: legacyUserId,
}).meta({ id: 'LegacyRequest' });

registerRoute({
  method: 'post', path: '/request', summary: 'The old contract: a base64 video and the user it is for (no key; trusts userId)',
  security: [],
  request: { body: jsonBody(legacyRequest) },
  responses: { 200: json(z.object({ message: z.string(), videoId: z.string(), statusUrl: z.string() }), 'received'), ...problems(400, 413) },
});
