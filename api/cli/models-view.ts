// `bing models`: each model kind's current version, its registry history and its retraining.
import type { ApiClient } from './api-client';
import { formatTable } from './table';

const score = (scores: Record<string, number>, metric: string) => scores[metric]?.toFixed(3) ?? '-';

export async function showModels(api: ApiClient, json: boolean): Promise<number> {
  const { models } = await api.models();
  if (json) {
    process.stdout.write(`${JSON.stringify(models, null, 2)}\n`);
    return 0;
  }
  for (const model of models) {
    const r = model.retraining;
    const retraining = !r ? 'no weight file yet'
      : `${r.paused ? 'paused' : r.running ? `training version ${r.running.version} (${r.running.jobName})` : 'idle'}, ${r.queued.length} queued, ${r.trainings} trainings`;
    process.stdout.write(`${model.kind}: current version ${model.current}; retraining ${retraining}\n`);
    if (model.versions.length > 0) {
      process.stdout.write(formatTable([['VERSION', 'STATUS', 'CANDIDATE', 'CURRENT', 'FROM', 'CREATED', 'REASON'],
        ...model.versions.map((v) => [
          v.version, v.status, score(v.metrics.candidate, v.metrics.metric), score(v.metrics.current, v.metrics.metric),
          v.source.key, v.createdAt, v.reason,
        ])]));
    }
    const failures = r?.recent.filter((o) => o.result === 'failed') ?? [];
    for (const failure of failures) process.stdout.write(`  failed: ${failure.file.key}: ${failure.reason}\n`);
    process.stdout.write('\n');
  }
  return 0;
}
