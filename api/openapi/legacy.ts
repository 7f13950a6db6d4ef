// POST /request: the old API Gateway contract, without a bearer key; with x-api-key when
// BING_LEGACY_API_KEYS names keys.
import { z } from 'zod';
import { userIdPattern } from '../../common/ids';
import { json, jsonBody, problems, registerRoute, registry } from './registry';
import { uploadRefusals } from './videos';

/** The route reads the body as a stream (it may be large) and checks userId with the same pattern. */
export const legacyUserId = z.string().regex(userIdPattern, `userId must match ${userIdPattern}`);

export const legacyRequest = z.object({
  file: z.string().min(1).meta({ description: 'the video, base64', contentEncoding: 'base64' }),
  userId: legacyUserId,
  callbackUrl: z.string().max(2048).optional().meta({ description: 'as POST /v1/videos\'s callbackUrl; it must come before file' }),
}).meta({ id: 'LegacyRequest', description: 'Members in any order (callbackUrl before file); the file is decoded and stored as it arrives.' });

const legacyApiKey = registry.registerComponent('securitySchemes', 'legacyApiKey', {
  type: 'apiKey', in: 'header', name: 'x-api-key', description: 'Asked only when BING_LEGACY_API_KEYS names keys, as API Gateway\'s usage plans did.',
});

registerRoute({
  method: 'post', path: '/request', summary: 'The old contract: a base64 video and the user it is for (no bearer key; trusts userId)',
  security: [{}, { [legacyApiKey.name]: [] }],
  request: { body: jsonBody(legacyRequest) },
  responses: {
    200: json(z.object({ message: z.string(), videoId: z.string(), statusUrl: z.string() }), 'received'),
    ...problems(400, 401, 403),
    413: { ...problems(413)[413]!, description: 'larger than BING_LEGACY_BODY_LIMIT' },
    ...uploadRefusals,
  },
});
