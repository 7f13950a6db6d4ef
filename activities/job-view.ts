// The read-only view of the GPU jobs that the configured runner records: the local runner's job
// directories, or SageMaker's jobs. The API lists jobs from this and never holds a runner.
import { join } from 'node:path';
import type { Config } from '../common/config';
import type { JobView } from '../contracts/gpu-jobs';
import { LocalJobView } from './gpu/local-job-view';
import { sageMakerJobs } from './gpu/sagemaker-config';
import { SageMakerJobView } from './gpu/sagemaker-job-view';

/** Where the local runner keeps one directory per job. */
export function jobsDir(config: Config): string {
  return join(config.BING_DATA_DIR, 'jobs');
}

export function createJobView(config: Config): JobView {
  if (config.BING_GPU_RUNNER === 'sagemaker') return new SageMakerJobView({ jobs: sageMakerJobs(config), endpoint: config.BING_SAGEMAKER_ENDPOINT });
  return new LocalJobView(jobsDir(config));
}
