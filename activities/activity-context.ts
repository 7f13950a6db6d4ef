import { Context } from '@temporalio/activity';

/** The activity's context when it runs as one; nothing outside an activity (direct calls in scripts). */
export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
