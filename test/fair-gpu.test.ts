// Fair sharing of the GPU task queue (#18) on the real dev server: a short request's GPU task goes
// before a long match's backlog, two users' backlogs take turns, and BING_USER_GPU_JOBS keeps one
// user's jobs to that many at once while another user's job runs beside them (local runner; the
// SageMaker runner's count and user records with a mocked client).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateProcessingJobCommand, DescribeProcessingJobCommand, DescribeTrainingJobCommand, ListProcessingJobsCommand, ListTrainingJobsCommand,
  SageMakerClient, SageMakerServiceException, type DescribeProcessingJobResponse,
} from '@aws-sdk/client-sagemaker';
import { ApplicationFailure } from '@temporalio/common';
import { mockClient } from 'aws-sdk-client-mock';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities';
import { jobNameFor } from '../activities/gpu/job-name';
import { killJobProcesses, LocalJobRunner } from '../activities/gpu/local-runner';
import { SageMakerRunner } from '../activities/gpu/sagemaker-runner';
import { LocalStorage } from '../activities/storage/local';
import type { MockActivityEnvironment } from '@temporalio/testing';
import type { GpuJobRequest, GpuJobResult, JobDescription } from '../contracts/gpu-jobs';
import { isRunning } from '../contracts/gpu-jobs';
import type { gpuJob, gpuTasks, GpuTasksInput } from './fixtures/workflows/gpu-queue';
import { countingJob } from './helpers/counting-job';
import { gpuActivityEnv } from './helpers/gpu-activity';
import { useDummyAwsCredentials } from './helpers/moto';
import { scratchDir } from './helpers/scratch';
import { localEnv } from './helpers/temporal';

const workflowsPath = join(__dirname, 'fixtures', 'workflows', 'gpu-queue.ts');
const dir = scratchDir('fair-gpu');
const storage = new LocalStorage(join(dir, 'storage'));
const jobsDir = join(dir, 'jobs');
const runner = new LocalJobRunner({ jobsDir, storage, commands: { mot: countingJob, action: countingJob, train: countingJob }, stopGraceMs: 2000 });
const pollMs = 100;

let env: TestWorkflowEnvironment;
let workflowWorker: Worker;
let workflowQueue: string;
let workflowsRunning: Promise<void>;

beforeAll(async () => {
  env = await localEnv();
  await storage.put('in/n.txt', '1 2 3 4');
  workflowQueue = `fair-workflows-${randomUUID()}`;
  workflowWorker = await Worker.create({ connection: env.nativeConnection, taskQueue: workflowQueue, workflowsPath });
  workflowsRunning = workflowWorker.run();
});

afterAll(async () => {
  await killJobProcesses(jobsDir);
  workflowWorker?.shutdown();
  await workflowsRunning;
  await env?.teardown();
});

/** The activity tasks waiting on `taskQueue`, as the server counts them. */
async function backlog(taskQueue: string): Promise<number> {
  const { stats } = await env.client.workflowService.describeTaskQueue({
    namespace: env.namespace ?? 'default', taskQueue: { name: taskQueue }, taskQueueType: 2 /* ACTIVITY */, reportStats: true,
  });
  return Number(stats?.approximateBacklogCount ?? 0);
}

/**
 * Each group's workflow schedules its tasks, one group after the other, while no worker polls the
 * GPU queue; then one worker with a single slot takes them: the labels in the order they ran.
 */
async function dispatchOrder(groups: Omit<GpuTasksInput, 'taskQueue'>[]): Promise<string[]> {
  const taskQueue = `fair-gpu-${randomUUID()}`;
  const handles: WorkflowHandle<typeof gpuTasks>[] = [];
  let queued = 0;
  for (const group of groups) {
    handles.push(await env.client.workflow.start<typeof gpuTasks>('gpuTasks', { taskQueue: workflowQueue, workflowId: `${taskQueue}-${group.user}`, args: [{ ...group, taskQueue }] }));
    queued += group.labels.length;
    while ((await backlog(taskQueue)) < queued) await sleep(50);
  }
  const order: string[] = [];
  const gpuWorker = await Worker.create({
    connection: env.nativeConnection, taskQueue, maxConcurrentActivityTaskExecutions: 1,
    activities: { gpuTask: async (label: string) => void order.push(label) },
  });
  await gpuWorker.runUntil(Promise.all(handles.map((h) => h.result())));
  return order;
}

const labels = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

describe('the GPU task queue on the dev server', () => {
  it("runs a second user's short request before the rest of a long match's segment backlog", async () => {
    const order = await dispatchOrder([
      { user: 'alice', segmented: true, labels: labels('a', 6) },
      { user: 'bob', segmented: false, labels: ['b1'] },
    ]);
    expect(order).toHaveLength(7);
    // First, or second where the slot took a task before bob's reached the queue; last in FIFO order.
    expect(order.indexOf('b1')).toBeLessThanOrEqual(1);
  });

  it("takes turns between two users' segment backlogs, whoever queued first", async () => {
    const order = await dispatchOrder([
      { user: 'alice', segmented: true, labels: labels('a', 6) },
      { user: 'bob', segmented: true, labels: labels('b', 2) },
    ]);
    expect(order).toHaveLength(8);
    // Both of bob's within the first four: alice's backlog does not go first as a whole.
    expect(Math.max(order.indexOf('b1'), order.indexOf('b2'))).toBeLessThanOrEqual(3);
  });
});

const request = (user: string, step: string, steps: number): GpuJobRequest => ({
  kind: 'mot', step, run: 1, user, inputs: { numbers: 'in/n.txt' }, outputs: { sum: `out/${user}/${step}/` }, environment: { STEPS: String(steps) },
});

/** runGpuJob with BING_USER_GPU_JOBS=1, as the worker builds it. */
const { runGpuJob } = createActivities({ storage, runner, jobPolling: { intervalMs: pollMs }, userGpuJobs: 1 });
const runIn = (activity: MockActivityEnvironment, req: GpuJobRequest): Promise<GpuJobResult> => activity.run(runGpuJob, req);

const runningOf = (jobs: JobDescription[], user: string) => jobs.filter((j) => j.user === user && isRunning(j.status));

describe('BING_USER_GPU_JOBS', () => {
  it("keeps one user's jobs to one at a time while another user's job runs beside them", async () => {
    const taskQueue = `fair-limit-${randomUUID()}`;
    const gpuWorker = await Worker.create({ connection: env.nativeConnection, taskQueue, maxConcurrentActivityTaskExecutions: 3, maxHeartbeatThrottleInterval: '1s', activities: { runGpuJob } });
    const start = (user: string, step: string) => env.client.workflow.start<typeof gpuJob>('gpuJob', {
      taskQueue: workflowQueue, workflowId: `${taskQueue}-${user}-${step}`, args: [{ taskQueue, request: request(user, step, 100_000) }],
    });
    await gpuWorker.runUntil(async () => {
      const handles = [await start('ann', 'one'), await start('ann', 'two'), await start('ben', 'one')];
      const jobOf = (h: WorkflowHandle) => jobNameFor(h.workflowId, h.workflowId.split('-').pop()!, 1);
      /** The running jobs, never two of ann's. */
      const snapshot = async () => {
        const jobs = await runner.list({ running: true });
        expect(runningOf(jobs, 'ann').length).toBeLessThanOrEqual(1);
        return jobs;
      };
      /** Whether the workflow's GPU activity is waiting out a refusal at the limit. */
      const refused = async (h: WorkflowHandle) => {
        const { pendingActivities } = await env.client.workflowService.describeWorkflowExecution({
          namespace: env.namespace ?? 'default', execution: { workflowId: h.workflowId },
        });
        return pendingActivities?.[0]?.lastFailure?.applicationFailureInfo?.type === 'UserAtGpuLimit';
      };

      let jobs = await snapshot();
      while (runningOf(jobs, 'ann').length === 0 || runningOf(jobs, 'ben').length === 0) jobs = await snapshot();
      const [first] = runningOf(jobs, 'ann');
      const [firstHandle, secondHandle] = jobOf(handles[0]!) === first!.name ? [handles[0]!, handles[1]!] : [handles[1]!, handles[0]!];
      while (!(await refused(secondHandle))) await snapshot();

      await firstHandle.cancel();
      const second = jobOf(secondHandle);
      while (!runningOf(jobs, 'ann').some((j) => j.name === second)) jobs = await snapshot();
      expect(runningOf(jobs, 'ben')).toHaveLength(1);
      await firstHandle.result().catch(() => undefined);
      expect(await runner.describe(first!.name)).toMatchObject({ status: 'Stopped', starts: 1 });

      await Promise.all([secondHandle, handles[2]!].map((h) => h.cancel()));
      await Promise.all(handles.map((h) => h.result().catch(() => undefined)));
    });
  });

  it('lets only one of two activities of one user on one worker start a job at once, and adopts a running job at the limit', async () => {
    const racing = ['video-race-1', 'video-race-2'].map((workflowId) => gpuActivityEnv(workflowId).env);
    const outcomes = await Promise.allSettled(racing.map((activity) => runIn(activity, request('cy', 'race', 20))));
    const refusals = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason as unknown);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toBeInstanceOf(ApplicationFailure);
    expect(refusals[0]).toMatchObject({ type: 'UserAtGpuLimit', nonRetryable: false, nextRetryDelay: pollMs });

    // A retry of an attempt whose job runs adopts it, the user's limit notwithstanding.
    const running = gpuActivityEnv('video-adopt');
    const attempt = runIn(running.env, request('cy', 'adopt', 40)).catch((e: unknown) => e);
    while (!running.beats.some((b) => b.status === 'InProgress')) await sleep(20);
    const retry = gpuActivityEnv('video-adopt');
    const adopted = await runIn(retry.env, request('cy', 'adopt', 40));
    expect(adopted).toMatchObject({ jobName: jobNameFor('video-adopt', 'adopt', 1), starts: 1 });
    expect(await attempt).toMatchObject({ jobName: adopted.jobName });
  });
});

describe('BING_USER_GPU_JOBS on SageMaker (a mocked client: moto completes every job at once)', () => {
  const client = new SageMakerClient({ region: 'us-east-1' });
  const sm = mockClient(client);
  afterAll(() => sm.restore());

  const notFound = () => new SageMakerServiceException({ name: 'ValidationException', $fault: 'client', message: 'Could not find requested job with name', $metadata: {} });
  const processing = (name: string, status: 'InProgress' | 'Completed', user: string): DescribeProcessingJobResponse => ({
    ProcessingJobName: name, ProcessingJobStatus: status, Environment: { BING_JOB_KIND: 'mot', BING_JOB_USER: user },
    CreationTime: new Date('2026-01-01T10:00:00Z'), ProcessingStartTime: new Date('2026-01-01T10:01:00Z'),
    ...(status === 'Completed' ? { ProcessingEndTime: new Date('2026-01-01T10:02:00Z') } : {}),
    ProcessingJobArn: 'arn', AppSpecification: { ImageUri: 'bing-mot:1' },
    ProcessingResources: { ClusterConfig: { InstanceType: 'ml.g4dn.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
  });

  it("refuses a user's new job at the limit before creating it, and records another user's job with its user (environment and tag)", async () => {
    useDummyAwsCredentials();
    const runner = new SageMakerRunner({
      bucket: 'bing-jobs', storage, client,
      jobs: { mot: { image: 'bing-mot:1', roleArn: 'arn:aws:iam::123456789012:role/bing', instanceType: 'ml.g4dn.xlarge', instanceCount: 1, volumeSizeGb: 30, maxRuntimeSeconds: 3600 } },
    });
    const { runGpuJob: limited } = createActivities({ storage, runner, jobPolling: { intervalMs: 5 }, userGpuJobs: 1 });
    const running = jobNameFor('video-dee-1', 'mot', 1);
    const eves = jobNameFor('video-eve-1', 'mot', 1);
    sm.on(ListProcessingJobsCommand).resolves({ ProcessingJobSummaries: [] });
    sm.on(ListProcessingJobsCommand, { StatusEquals: 'InProgress' }).resolves({
      ProcessingJobSummaries: [{ ProcessingJobName: running, ProcessingJobArn: 'arn', CreationTime: new Date(), ProcessingJobStatus: 'InProgress' }],
    });
    sm.on(ListTrainingJobsCommand).resolves({ TrainingJobSummaries: [] });
    sm.on(DescribeTrainingJobCommand).rejects(notFound());
    sm.on(DescribeProcessingJobCommand).rejects(notFound());
    sm.on(DescribeProcessingJobCommand, { ProcessingJobName: running }).resolves(processing(running, 'InProgress', 'dee'));
    sm.on(DescribeProcessingJobCommand, { ProcessingJobName: eves }).rejectsOnce(notFound()).resolves(processing(eves, 'Completed', 'eve'));
    sm.on(CreateProcessingJobCommand).resolves({ ProcessingJobArn: 'arn' });
    const run = (workflowId: string, user: string): Promise<GpuJobResult> => gpuActivityEnv(workflowId).env.run(limited, { ...request(user, 'mot', 1), environment: {} });

    await expect(run('video-dee-2', 'dee')).rejects.toMatchObject({ type: 'UserAtGpuLimit', nextRetryDelay: 5 });
    expect(sm.commandCalls(ListProcessingJobsCommand).map((c) => c.args[0].input.StatusEquals).sort()).toEqual(['InProgress', 'Stopping']);
    expect(sm.commandCalls(CreateProcessingJobCommand)).toHaveLength(0);

    expect(await run('video-eve-1', 'eve')).toMatchObject({ jobName: eves });
    const [create] = sm.commandCalls(CreateProcessingJobCommand);
    expect(create!.args[0].input.Environment).toMatchObject({ BING_JOB_USER: 'eve' });
    expect(create!.args[0].input.Tags).toContainEqual({ Key: 'bing:user', Value: 'eve' });
    expect((await runner.list({ running: true })).map((j) => [j.name, j.user])).toEqual([[running, 'dee']]);
  });
});
