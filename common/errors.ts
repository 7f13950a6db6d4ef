// BING's own errors: each a class whose name says what went wrong, with the error that caused it
// and whether the same call, tried again, can succeed. Activities hand them to Temporal as
// ApplicationFailures of that type (activities/failures.ts).

export abstract class BingError extends Error {
  /** Whether the same call, tried again, can succeed. */
  abstract readonly retryable: boolean;
  /** How long to wait before trying again, where the other side said. */
  readonly retryAfterMs?: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Trying the same call again cannot help. */
export abstract class Permanent extends BingError {
  readonly retryable = false;
}

/** Trying the same call again, perhaps later, can succeed. */
export abstract class Transient extends BingError {
  readonly retryable = true;

  constructor(message: string, override readonly retryAfterMs?: number) {
    super(message);
  }
}

/** The input can never succeed: the reason reaches the user. */
export class BadInput extends Permanent {}
/** The file is not one video in an allowed container, or cannot be decoded as one. */
export class NotAVideo extends Permanent {}
/** A storage key that could escape the storage root or confuse a file system. */
export class InvalidKey extends Permanent {}
/** The uploaded file is not the one the client declared (its sha256 differs). */
export class ChecksumMismatch extends Permanent {}
/** A commentary backend's lines are not grounded in their events: writing them again repeats the fault. */
export class CommentaryRejected extends Permanent {}
/** The account's OpenAI quota is spent: waiting does not refill it. */
export class OpenAIQuota extends Permanent {}
/** A callback URL that BING will not call (not http(s), a private address, ...). */
export class CallbackUrlRefused extends Permanent {}
/** The worker has no BING_CALLBACK_SECRET to sign completion events with. */
export class CallbackNotConfigured extends Permanent {}
/** The callback's receiver answered a 4xx that says it will never take the event. */
export class CallbackRejected extends Permanent {}

/** A started GPU job is no longer known to its runner. */
export class JobVanished extends Transient {}
/** The OpenAI-compatible server did not answer in time. */
export class OpenAITimeout extends Transient {}
/** The OpenAI-compatible server cannot be reached, or answered a 5xx. */
export class OpenAIUnavailable extends Transient {}
/** The OpenAI-compatible server asks for fewer requests (429). */
export class OpenAIRateLimited extends Transient {}
/** The callback's receiver cannot be reached. */
export class CallbackUnreachable extends Transient {}
/** The callback's receiver answered with a status that may change (5xx, 408, 429). */
export class CallbackRefused extends Transient {}

/** A job's program failed on its own terms (a non-zero exit, a failure reason): retrying repeats it. */
export class JobFailed extends Permanent {
  constructor(message: string, readonly details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No object in storage at `key`. */
export class ObjectNotFound extends Permanent {
  constructor(readonly key: string) {
    super(`no object at ${key}`);
  }
}

/** A GPU job of that name exists already: the caller adopts it instead of starting another. */
export class JobAlreadyExists extends Permanent {
  constructor(readonly jobName: string) {
    super(`a job named ${jobName} already exists`);
  }
}

/** The OpenAI-compatible server refused the request for good; named OpenAIRefused{status}. */
export class OpenAIRefused extends Permanent {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = `OpenAIRefused${status}`;
  }
}
