import { ActivityFailure } from '@temporalio/workflow';

/** The innermost failure's message: what the user needs to read. */
export function reasonOf(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
