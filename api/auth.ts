// API keys map to users. A key whose user is '*' (the local launcher's) may act for any user,
// named in the X-Bing-User header.
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { userIdPattern } from '../common/ids';
import { HttpProblem } from './problem';

export const anyUser = '*';
export const defaultLocalUser = 'local';

export function findUser(keys: Map<string, string>, presented: string): string | undefined {
  const given = Buffer.from(presented);
  for (const [key, user] of keys) {
    const expected = Buffer.from(key);
    if (expected.length === given.length && timingSafeEqual(expected, given)) return user;
  }
  return undefined;
}

export function requireApiKey(keys: Map<string, string>): RequestHandler {
  return (req, _res, next) => {
    // EventSource cannot send headers: an event stream may carry the key as ?key=.
    const streamKey = req.method === 'GET' && req.path.endsWith('/events') && typeof req.query.key === 'string' ? `Bearer ${req.query.key}` : undefined;
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? streamKey ?? '');
    const user = match ? findUser(keys, match[1]!) : undefined;
    if (!user) {
      throw new HttpProblem(401, 'Unauthorized', match ? 'the API key is not valid' : 'send the API key as "Authorization: Bearer <key>"');
    }
    const named = req.get('x-bing-user') ?? (streamKey && typeof req.query.user === 'string' ? req.query.user : undefined);
    req.operator = user === anyUser;
    if (user === anyUser) {
      const chosen = named ?? defaultLocalUser;
      if (!userIdPattern.test(chosen)) throw new HttpProblem(400, 'Invalid user', `X-Bing-User must match ${userIdPattern}`);
      req.userId = chosen;
    } else {
      req.userId = user;
    }
    next();
  };
}
