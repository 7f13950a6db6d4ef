// Completion webhooks: one signed POST of a request's end event (Standard Webhooks). Temporal retries
// the activity with backoff; the webhook-id stays the same on every attempt, so a receiver that got
// an event twice (its answer lost) can tell.
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Context } from '@temporalio/activity';
import { Webhook } from 'standardwebhooks';
import { CallbackUrlRefused, parseCallbackUrl, publicOnlyLookup } from '../common/callback-url';
import { CallbackNotConfigured, CallbackRefused, CallbackRejected, CallbackUnreachable, type BingError } from '../common/errors';
import { toFailure } from './failures';
import type { CallbackDelivery, CallbackDeliveryInput, CallbackRefusal } from '../contracts/video-commentary';

export interface CallbackSettings {
  /** BING_CALLBACK_SECRET, whsec_…; without it no event can be signed. */
  secret?: string;
  /** BING_CALLBACK_ALLOW_PRIVATE: loopback, private and link-local receivers allowed. */
  allowPrivate: boolean;
  /** How long one attempt waits for the receiver's answer. */
  timeoutMs?: number;
}

/** A 4xx answer other than these says the receiver will never take the event. */
const retryable4xx = new Set([408, 429]);

export function createCallbackActivities({ secret, allowPrivate, timeoutMs = 10_000 }: CallbackSettings = { allowPrivate: false }) {
  const webhook = secret ? new Webhook(secret) : undefined;
  return {
    async deliverCallback({ url, id, event }: CallbackDeliveryInput): Promise<CallbackDelivery> {
      const { attempt } = Context.current().info;
      const refusal = (status?: number): CallbackRefusal => ({ attempt, ...(status === undefined ? {} : { status }) });
      const fail = (err: BingError, status?: number) => toFailure(err, [refusal(status)]);
      if (!webhook) throw fail(new CallbackNotConfigured('BING_CALLBACK_SECRET is not set on the worker, so the event cannot be signed'));
      let target: URL;
      try {
        target = parseCallbackUrl(url, allowPrivate);
      } catch (err) {
        if (err instanceof CallbackUrlRefused) throw fail(err);
        throw err;
      }
      const body = JSON.stringify(event);
      const now = new Date();
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'BING-webhooks',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': webhook.sign(id, now, body),
      };
      let status: number;
      try {
        status = await post(target, headers, body, { timeoutMs, checkAddresses: !allowPrivate, signal: Context.current().cancellationSignal });
      } catch (err) {
        if (err instanceof CallbackUrlRefused) throw fail(err);
        throw fail(new CallbackUnreachable(`the receiver could not be reached: ${(err as Error).message}`));
      }
      if (status >= 200 && status < 300) return { attempts: attempt, status };
      if (status >= 400 && status < 500 && !retryable4xx.has(status)) {
        throw fail(new CallbackRejected(`the receiver answered ${status}, which stops the retries`), status);
      }
      throw fail(new CallbackRefused(`the receiver answered ${status}`), status);
    },
  };
}

/** POSTs the body and resolves with the answer's status, not following redirects. */
function post(url: URL, headers: OutgoingHttpHeaders, body: string, options: { timeoutMs: number; checkAddresses: boolean; signal: AbortSignal }): Promise<number> {
  return new Promise((done, fail) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      timeout: options.timeoutMs,
      signal: options.signal,
      ...(options.checkAddresses ? { lookup: publicOnlyLookup } : {}),
    }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', fail);
    req.end(body);
  });
}
