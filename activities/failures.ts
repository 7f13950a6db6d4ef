import { ApplicationFailure } from '@temporalio/common';
import { BadInput, JobFailed, type BingError } from '../common/errors';

/** The failure Temporal records for a BING error: its name as the type, retried only if it is retryable. */
export function toFailure(err: BingError, details: unknown[] = []): ApplicationFailure {
  return ApplicationFailure.create({
    message: err.message, type: err.name, nonRetryable: !err.retryable, details, nextRetryDelay: err.retryAfterMs,
    ...(err.cause instanceof Error ? { cause: err.cause } : {}),
  });
}

/** The input can never succeed: Temporal must not retry, and the reason reaches the user. */
export const badInput = (message: string, cause?: unknown): ApplicationFailure => toFailure(new BadInput(message, { cause }));

/** A job's program failed on its own terms (non-zero exit, a failure reason): retrying repeats it. */
export const jobFailed = (message: string, details?: unknown): ApplicationFailure =>
  toFailure(new JobFailed(message, details), details === undefined ? [] : [details]);
