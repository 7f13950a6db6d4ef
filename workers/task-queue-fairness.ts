// What a Temporal server needs for the GPU jobs' priority and fairness keys (contracts/gpu-priority.ts)
// to decide their order: the dev server gets these as flags (npm start, the tests);
// infra/compose/temporal-dynamicconfig.yaml sets the same for docker-compose.yml's server.
export const taskQueueFairness = {
  // Off by default up to Temporal 1.32 at least, and fairness keys are ignored while it is; it
  // implies matching.useNewMatcher, the matcher that honours priority keys (off by default before 1.31).
  'matching.enableFairness': true,
  // Priority and fairness order each partition's tasks alone, and a poll takes from one partition:
  // one partition orders them all. A dev server's queues need no more.
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

/** `temporal server start-dev` flags for dynamic config values. */
export const dynamicConfigFlags = (values: Record<string, unknown>): string[] =>
  Object.entries(values).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
