// Builds the worker's parts from the configuration: the GPU-job runner, commentary, speech.
import type { Config } from '../common/config';
import { jobCommands } from '../common/job-programs';
import { LocalJobRunner } from '../activities/gpu/local-runner';
import type { GpuJobRunner } from '../activities/gpu/runner';
import type { CommentarySettings } from '../activities/commentary/commentator';
import type { SpeechSettings } from '../activities/commentary/speech';
import { sageMakerJobs } from '../activities/gpu/sagemaker-config';
import { SageMakerRunner } from '../activities/gpu/sagemaker-runner';
import type { Storage } from '../activities/storage/storage';
import { durationMs } from '../common/duration';
import { jobsDir } from '../activities/job-view';

export function createRunner(config: Config, storage: Storage): GpuJobRunner {
  const environment: Record<string, string> = {};
  if (config.BING_DETECT_STRIDE) environment.BING_DETECT_STRIDE = String(config.BING_DETECT_STRIDE);
  if (config.BING_DETECT_SIZE) environment.BING_DETECT_SIZE = String(config.BING_DETECT_SIZE);
  if (config.BING_GPU_RUNNER === 'sagemaker') {
    if (!storage.bucket) throw new Error('BING_GPU_RUNNER=sagemaker needs BING_STORAGE=s3');
    const jobs = sageMakerJobs(config);
    if (jobs.mot) jobs.mot.environment = { ...environment, ...jobs.mot.environment };
    return new SageMakerRunner({ bucket: storage.bucket, storage, jobs, endpoint: config.BING_SAGEMAKER_ENDPOINT });
  }
  return new LocalJobRunner({
    jobsDir: jobsDir(config),
    storage,
    commands: { ...jobCommands(), ...config.BING_JOB_COMMANDS },
    stopGraceMs: durationMs(config.BING_JOB_STOP_GRACE),
    environment,
  });
}

export function commentarySettings(config: Config): CommentarySettings {
  if (config.BING_COMMENTARY === 'template') return { backend: 'template' };
  return {
    backend: 'openai', apiKey: config.OPENAI_API_KEY!, baseURL: config.OPENAI_BASE_URL, model: config.BING_OPENAI_MODEL,
    temperature: config.BING_OPENAI_TEMPERATURE, timeoutMs: config.BING_OPENAI_TIMEOUT_MS, maxTokens: config.BING_OPENAI_MAX_TOKENS,
  };
}

export function speechSettings(config: Config): SpeechSettings {
  if (config.BING_TTS === 'espeak') return { backend: 'espeak' };
  return { backend: 'openai', apiKey: config.OPENAI_API_KEY!, baseURL: config.OPENAI_BASE_URL, model: config.BING_OPENAI_TTS_MODEL, voice: config.BING_OPENAI_TTS_VOICE };
}
