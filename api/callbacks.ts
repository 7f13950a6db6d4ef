// The completion webhook a new request gets: the callbackUrl it names, or its user's default one,
// checked before the request starts (400 problem+json when refused).
import type { Request } from 'express';
import { CallbackUrlRefused, checkCallbackUrl } from '../common/callback-url';
import type { Config } from '../common/config';
import type { CallbackTarget } from '../contracts/video-commentary';
import { HttpProblem } from './problem';

export interface CallbackPolicy {
  /** Whether BING_CALLBACK_SECRET is set: without it no event could be signed, so no callback is taken. */
  signed: boolean;
  allowPrivate: boolean;
  /** Users' callback URLs for requests that name none (BING_CALLBACK_URLS). */
  defaults?: Map<string, string>;
  /** The API's address as receivers reach it (BING_API_URL); the request's own host otherwise. */
  publicUrl?: string;
}

export const callbackPolicy = (config: Config): CallbackPolicy => ({
  signed: config.BING_CALLBACK_SECRET !== undefined,
  allowPrivate: config.BING_CALLBACK_ALLOW_PRIVATE,
  defaults: config.BING_CALLBACK_URLS,
  publicUrl: config.BING_API_URL,
});

/** The request's callback, or undefined when it names none and its user has no default one. */
export async function requestCallback(
  policy: CallbackPolicy | undefined, req: Request, userId: string, videoId: string, requested: string | undefined,
): Promise<CallbackTarget | undefined> {
  const url = requested ?? policy?.defaults?.get(userId);
  if (url === undefined) return undefined;
  if (!policy?.signed) throw new HttpProblem(400, 'Invalid callbackUrl', 'this server sends no webhooks (BING_CALLBACK_SECRET is not set)');
  try {
    await checkCallbackUrl(url, policy.allowPrivate);
  } catch (err) {
    if (err instanceof CallbackUrlRefused) throw new HttpProblem(400, 'Invalid callbackUrl', err.message);
    throw err;
  }
  const base = (policy.publicUrl ?? `${req.protocol}://${req.get('host')}`).replace(/\/+$/, '');
  return { url, statusUrl: `${base}/v1/videos/${videoId}` };
}
