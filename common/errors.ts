// BING's own errors: each a class whose name says what went wrong, with the error that caused it
// and whether the same call, tried again, can succeed. Activities hand them to Temporal as
// ApplicationFailures of that type (activities/failures.ts).

export abstract class BingError extends Error {
  /** Whether the same call, tried again, can succeed. */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The input can never succeed: the reason reaches the user. */
export class BadInput extends BingError {
  readonly retryable = false;
}

/** A job's program failed on its own terms (a non-zero exit, a failure reason): retrying repeats it. */
export class JobFailed extends BingError {
  readonly retryable = false;

  constructor(message: string, readonly details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The file is not one video in an allowed container, or cannot be decoded as one. */
export class NotAVideo extends BingError {
  readonly retryable = false;
}

/** No object in storage at `key`. */
export class ObjectNotFound extends BingError {
  readonly retryable = false;

  constructor(readonly key: string) {
    super(`no object at ${key}`);
  }
}

/** A storage key that could escape the storage root or confuse a file system. */
export class InvalidKey extends BingError {
  readonly retryable = false;
}
