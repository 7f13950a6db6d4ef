// API Gateway's usage plans asked the old clients for an x-api-key header; BING asks the same when
// BING_LEGACY_API_KEYS names keys, and answers as its other routes do (problem+json).
import type { RequestHandler } from 'express';
import { findUser } from '../auth';
import { HttpProblem } from '../problem';

export function requireLegacyKey(keys: string[] | undefined): RequestHandler {
  if (!keys?.length) return (_req, _res, next) => next();
  const known = new Map(keys.map((key) => [key, 'legacy client']));
  return (req, _res, next) => {
    const presented = req.get('x-api-key');
    if (!presented) throw new HttpProblem(401, 'Unauthorized', 'send the API key as "x-api-key: <key>"');
    if (!findUser(known, presented)) throw new HttpProblem(403, 'Forbidden', 'the API key is not valid');
    next();
  };
}
