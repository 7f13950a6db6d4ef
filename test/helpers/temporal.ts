// Temporal servers for tests, from the binaries infra/install-tools installed.
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributes, searchAttributeTypes } from '../../contracts/video-commentary';
import { dynamicConfigFlags, taskQueueFairness } from '../../workers/task-queue-fairness';
import { temporalCli, temporalTestServer } from '../../workers/tools';

const { IndexedValueType } = temporal.api.enums.v1;

/** The time-skipping server, with BING's search attributes registered as the launcher does. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: temporalTestServer() } } });
  const types = Object.fromEntries(Object.keys(searchAttributeTypes).map((name) => [name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]));
  await env.connection.operatorService.addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes: types });
  return env;
}

/** The dev server, with BING's search attributes and task-queue fairness as npm start has them; `extraArgs` go to `temporal server start-dev`. */
export const localEnv = (extraArgs: string[] = []): Promise<TestWorkflowEnvironment> =>
  TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli() },
      searchAttributes: Object.values(searchAttributes),
      extraArgs: ['--log-level', 'error', ...dynamicConfigFlags(taskQueueFairness), ...extraArgs],
    },
  });
