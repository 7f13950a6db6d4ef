// What an OpenAI (or OpenAI-compatible) error means to Temporal. The SDK's own retries are off
// (maxRetries 0): Temporal retries the activity, after the delay the server asked for.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { OpenAIQuota, OpenAIRateLimited, OpenAIRefused, OpenAITimeout, OpenAIUnavailable } from '../../common/errors';
import { toFailure } from '../failures';

/** The wait a 429 or 503 asks for, in milliseconds: `retry-after-ms`, `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const retryableStatus = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

/**
 * The error to throw from the activity for an error from the OpenAI client: 429, 5xx, timeouts and
 * lost connections are retryable (after Retry-After when the server sent one); 400, 401 and the
 * other refusals, and a spent quota, are not. The reason goes along; the API key never does.
 */
export function openAIFailure(err: unknown, what: string, apiKey?: string): unknown {
  const scrub = (s: string) => (apiKey && apiKey.length >= 8 ? s.replaceAll(apiKey, '***') : s);
  if (err instanceof APIUserAbortError) return err;
  if (err instanceof APIConnectionTimeoutError) {
    return toFailure(new OpenAITimeout(`${what}: the server did not answer in time`));
  }
  if (err instanceof APIConnectionError) {
    return toFailure(new OpenAIUnavailable(scrub(`${what}: cannot reach the server: ${err.message}`)));
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    const reason = scrub(`${what} failed with ${status}: ${err.message}`);
    if (status === 429 && err.code === 'insufficient_quota') {
      return toFailure(new OpenAIQuota(reason));
    }
    if (retryableStatus(status)) {
      const Failure = status === 429 ? OpenAIRateLimited : OpenAIUnavailable;
      return toFailure(new Failure(reason, retryAfterMs(err.headers)));
    }
    return toFailure(new OpenAIRefused(reason, status));
  }
  return err;
}
