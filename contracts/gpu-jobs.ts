// GPU jobs as the runners start them and as every job list shows them: the activities run them,
// the API lists them through a JobView, never through a runner.

export type JobKind = 'mot' | 'action' | 'train';

export interface JobSpec {
  kind: JobKind;
  /** Input channel -> storage key; a key ending in '/' names every object under that prefix. */
  inputs: Record<string, string>;
  /** Output name -> storage prefix ending in '/' that receives the job's output files. */
  outputs: Record<string, string>;
  environment?: Record<string, string>;
  hyperparameters?: Record<string, string>;
  /** What the job is for, shown in job lists: the video or model it serves. */
  subject?: string;
  /** The user whose request the job serves: BING_USER_GPU_JOBS counts each user's running jobs. */
  user?: string;
}

export type JobStatus = 'InProgress' | 'Stopping' | 'Completed' | 'Failed' | 'Stopped' | 'Lost';

export interface JobDescription {
  name: string;
  kind: JobKind;
  subject?: string;
  user?: string;
  status: JobStatus;
  progress: number;
  /** How many times a process (or a SageMaker job) was started under this name. */
  starts: number;
  startedAt: string;
  endedAt?: string;
  failureReason?: string;
  /** Storage keys of the outputs, once Completed. */
  outputs?: string[];
}

/** The statuses of a job that holds its GPU. */
export const runningStatuses = ['InProgress', 'Stopping'] as const satisfies readonly JobStatus[];
export const isRunning = (status: JobStatus): boolean => (runningStatuses as readonly JobStatus[]).includes(status);

/** The GPU jobs as their runner recorded them, read without changing anything: no job is finished, written or uploaded by a list. */
export interface JobView {
  /** Every job, or with `running` only the running ones (runningStatuses). */
  list(filter?: { running?: boolean }): Promise<JobDescription[]>;
}

/** What the workflow asks of the runGpuJob activity: a job spec and the step and run that name the job. */
export interface GpuJobRequest extends JobSpec {
  /** The workflow's step, part of the job name. */
  step: string;
  /** Owned by the workflow: a deliberate rerun takes the next number, hence a new job. */
  run: number;
}

export interface GpuJobResult {
  jobName: string;
  outputs: string[];
  starts: number;
  seconds: number;
}

/** The runGpuJob activity's heartbeat details: how a retry adopts its job, and the progress a status shows. */
export interface GpuJobHeartbeat {
  jobName: string;
  status: string;
  progress: number;
  startedAt: string;
}
