import { ApplicationFailure } from '@temporalio/common';

/** The input can never succeed: Temporal must not retry, and the reason reaches the user. */
export const badInput = (message: string): ApplicationFailure =>
  ApplicationFailure.create({ message, type: 'BadInput', nonRetryable: true });

/** A job's program failed on its own terms (non-zero exit, a failure reason): retrying repeats it. */
export const jobFailed = (message: string, details?: unknown): ApplicationFailure =>
  ApplicationFailure.create({ message, type: 'JobFailed', nonRetryable: true, details: details === undefined ? [] : [details] });
