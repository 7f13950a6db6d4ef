// A GPU job runner: SageMaker in production, child processes locally. Jobs are named by the
// caller, and a name is used once: starting a name that exists throws JobAlreadyExists, except a
// Lost job (its process vanished without an exit code: local runner only), which starts again.

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
}

export type JobStatus = 'InProgress' | 'Stopping' | 'Completed' | 'Failed' | 'Stopped' | 'Lost';

export interface JobDescription {
  name: string;
  kind: JobKind;
  subject?: string;
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

export class JobAlreadyExists extends Error {
  constructor(readonly jobName: string) {
    super(`a job named ${jobName} already exists`);
  }
}

export interface GpuJobRunner {
  start(name: string, spec: JobSpec): Promise<void>;
  describe(name: string): Promise<JobDescription | undefined>;
  /** Stops the job, waits until it has stopped, and removes its partial outputs. */
  stop(name: string): Promise<void>;
  list(): Promise<JobDescription[]>;
}
