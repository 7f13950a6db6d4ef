// A GPU-job runner whose jobs take a fixed time on a clock the test controls (the time-skipping
// server's), and write their outputs to storage when they complete.
import type { JobDescription, JobSpec } from '../../contracts/gpu-jobs';
import type { GpuJobRunner } from '../../activities/gpu/runner';
import { JobAlreadyExists } from '../../activities/gpu/runner';
import type { Storage } from '../../activities/storage/storage';

export interface FakeJob {
  durationMs: number;
  /** Files the job writes to its first output prefix when it completes. */
  outputs: Record<string, string | Buffer>;
  failureReason?: string;
}

export class FakeRunner implements GpuJobRunner {
  readonly jobs = new Map<string, JobDescription & { spec: JobSpec; due: number }>();
  readonly startCalls: string[] = [];
  private described: (() => void)[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly now: () => Promise<number>,
    private readonly plan: (spec: JobSpec) => FakeJob,
  ) {}

  async start(name: string, spec: JobSpec): Promise<void> {
    this.startCalls.push(name);
    if (this.jobs.has(name)) throw new JobAlreadyExists(name);
    const now = await this.now();
    const job = this.plan(spec);
    this.jobs.set(name, {
      name, kind: spec.kind, status: 'InProgress', progress: 0, starts: 1, startedAt: new Date(now).toISOString(),
      spec, due: now + job.durationMs,
    });
  }

  /** Resolves at the next describe(): the activity polls, then heartbeats. */
  nextDescribe(): Promise<void> {
    return new Promise((resolve) => this.described.push(resolve));
  }

  async describe(name: string): Promise<JobDescription | undefined> {
    for (const resolve of this.described.splice(0)) resolve();
    const job = this.jobs.get(name);
    if (!job || job.status !== 'InProgress') return job;
    const now = await this.now();
    const total = job.due - Date.parse(job.startedAt);
    job.progress = Math.min(1, (now - Date.parse(job.startedAt)) / total);
    if (now < job.due) return job;
    const plan = this.plan(job.spec);
    job.endedAt = new Date(now).toISOString();
    if (plan.failureReason) {
      Object.assign(job, { status: 'Failed', failureReason: plan.failureReason });
      return job;
    }
    const prefix = Object.values(job.spec.outputs)[0]!;
    job.outputs = [];
    for (const [file, body] of Object.entries(plan.outputs)) {
      await this.storage.put(`${prefix}${file}`, body);
      job.outputs.push(`${prefix}${file}`);
    }
    Object.assign(job, { status: 'Completed', progress: 1 });
    return job;
  }

  async stop(name: string): Promise<void> {
    const job = this.jobs.get(name);
    if (job?.status === 'InProgress') Object.assign(job, { status: 'Stopped', endedAt: new Date(await this.now()).toISOString() });
  }

  async list(): Promise<JobDescription[]> {
    return [...this.jobs.values()];
  }
}

/** What a fake MOT job writes for a 1 s, 160×120 video: two players, one of each team. */
export const fakeTracks = JSON.stringify({
  video: { width: 160, height: 120, fps: 25, frames: 25, duration: 1 },
  detector: {},
  tracks: [{ id: 1, class: 'person', team: 0, color: [200, 30, 30], boxes: [] }, { id: 2, class: 'person', team: 1, color: [30, 30, 200], boxes: [] }],
});

/** What a fake action job writes for the same video: one pass between them. */
export const fakeActions = JSON.stringify({
  video: { width: 160, height: 120, fps: 25, duration: 1 },
  model: { name: 'test', version: '1' },
  events: [{ id: 'e1', start: 0.2, end: 0.8, trackIds: [1, 2], action: 'pass', confidence: 0.9 }],
});
