// GET /v1/jobs lists the GPU jobs from the read-only job view: the API process finishes, writes and
// uploads nothing, even for a job whose process has ended before the worker looked at it.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalJobView } from '../activities/gpu/local-job-view';
import { LocalJobRunner } from '../activities/gpu/local-runner';
import { SageMakerJobView } from '../activities/gpu/sagemaker-job-view';
import { SageMakerRunner } from '../activities/gpu/sagemaker-runner';
import { LocalStorage } from '../activities/storage/local';
import { createApp } from '../api/app';
import { UrlSigner } from '../api/signed-urls';
import { RetrainingService } from '../client/retraining-service';
import { VideosService } from '../client/videos-service';
import type { JobSpec } from '../contracts/gpu-jobs';
import { countingJob } from './helpers/counting-job';
import { fileHashes } from './helpers/file-hashes';
import { listenOnLoopback } from './helpers/http';
import { motoBucket, startMoto, type Moto } from './helpers/moto';
import { noRetraining } from './helpers/retraining';
import { scratchDir } from './helpers/scratch';
import { localEnv } from './helpers/temporal';

const operatorKey = 'local-key-0123456789';
const userKey = 'alice-key-0123456789';

const dir = scratchDir('jobs');
const jobsDir = join(dir, 'jobs');
const storage = new LocalStorage(join(dir, 'storage'));
let env: TestWorkflowEnvironment;
let runner: LocalJobRunner;
let server: Server;
let base: string;

beforeAll(async () => {
  env = await localEnv();
  await storage.put('in/n.txt', '1 2 3 4');
  runner = new LocalJobRunner({ jobsDir, storage, commands: { mot: countingJob, action: countingJob, train: countingJob }, stopGraceMs: 2000 });
  const app = createApp({
    client: env.client, videos: new VideosService(env.client, 'jobs-test-no-worker'), storage, jobs: new LocalJobView(jobsDir),
    signer: new UrlSigner('a-test-secret-of-thirty-two-chars!'), apiKeys: new Map([[operatorKey, '*'], [userKey, 'alice']]),
    maxUploadBytes: 1000, uploadTimeout: '1h', tusDir: join(dir, 'tus'), retraining: new RetrainingService(env.client, noRetraining), logger: pino({ level: 'silent' }),
  });
  ({ server, base } = await listenOnLoopback(app));
});

afterAll(async () => {
  server?.close();
  await env?.teardown();
});

const spec = (name: string, environment: Record<string, string>): JobSpec => ({
  kind: 'mot', subject: name, inputs: { numbers: 'in/n.txt' }, outputs: { sum: `out/${name}/` }, environment,
});

/** Starts a job and waits until its process has written its exit code, without describing it. */
async function runToExit(name: string, environment: Record<string, string>): Promise<void> {
  await runner.start(name, spec(name, environment));
  while (!existsSync(join(jobsDir, name, 'exit-code'))) await sleep(20);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface ListedJob { name: string; status: string; progress: number; starts: number; endedAt?: string; failureReason?: string }

async function listJobs(key: string): Promise<ListedJob[]> {
  const res = await fetch(`${base}/v1/jobs`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { jobs: ListedJob[] }).jobs;
}

describe('GET /v1/jobs', () => {
  it('leaves every job directory and state file byte-identical and uploads nothing, also for jobs whose process ended before the worker described them', async () => {
    await runToExit('recorded', { STEPS: '2' });
    expect(await runner.describe('recorded')).toMatchObject({ status: 'Completed' });
    await runToExit('exited', { STEPS: '2' });
    await runToExit('failed', { STEPS: '2', FAIL_WITH: 'the pitch is upside down' });
    await runner.start('lost', spec('lost', { STEPS: '100000' }));
    const { pid } = JSON.parse(await readFile(join(jobsDir, 'lost', 'state.json'), 'utf8')) as { pid: number };
    process.kill(-pid, 'SIGKILL');
    while (isRunning(pid)) await sleep(20);

    const before = await fileHashes(dir);
    const listed = [];
    for (let i = 0; i < 3; i++) listed.push(await listJobs(operatorKey), await listJobs(userKey));
    expect(await fileHashes(dir)).toEqual(before);
    expect(await storage.list('out/')).toEqual(['out/recorded/sum.txt']);

    const [jobs, own] = listed;
    expect(own).toEqual([]);
    const byName = Object.fromEntries(jobs!.map((j) => [j.name, j]));
    expect(byName.recorded).toMatchObject({ status: 'Completed', progress: 1, starts: 1 });
    // Exited but not yet collected by the worker: in progress until its outputs are in storage.
    expect(byName.exited).toMatchObject({ status: 'InProgress', progress: 1, starts: 1 });
    expect(byName.exited!.endedAt).toBeUndefined();
    expect(byName.failed).toMatchObject({ status: 'Failed', failureReason: 'the pitch is upside down' });
    expect(Date.parse(byName.failed!.endedAt!)).not.toBeNaN();
    expect(byName.lost).toMatchObject({ status: 'Lost', starts: 1 });

    // The worker's describe() records the ended jobs; the list then shows what it recorded.
    expect(await runner.describe('exited')).toMatchObject({ status: 'Completed', outputs: ['out/exited/sum.txt'] });
    expect((await listJobs(operatorKey)).find((j) => j.name === 'exited')).toMatchObject({ status: 'Completed', progress: 1 });
  });

  it("shows a job whose process runs in another container (compose's gpu-worker) as in progress: its pid means nothing in the API's process table", async () => {
    await runner.start('elsewhere', spec('elsewhere', { STEPS: '100000' }));
    const statePath = join(jobsDir, 'elsewhere', 'state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8')) as { pid: number; host?: string };
    expect(state.host).toBeTruthy();
    process.kill(-state.pid, 'SIGKILL');
    while (isRunning(state.pid)) await sleep(20);
    await writeFile(statePath, JSON.stringify({ ...state, host: 'gpu-worker-container' }));
    expect((await listJobs(operatorKey)).find((j) => j.name === 'elsewhere')).toMatchObject({ status: 'InProgress', starts: 1 });
  });
});

describe('the SageMaker job view', () => {
  const bucket = 'bing-jobs-view';
  const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/bing-mot:1';
  let moto: Moto;
  let sageMaker: SageMakerRunner;
  let view: SageMakerJobView;

  beforeAll(async () => {
    moto = await startMoto();
    const jobs = { mot: { image, roleArn: 'arn:aws:iam::123456789012:role/bing', instanceType: 'ml.g4dn.xlarge', instanceCount: 1, volumeSizeGb: 30, maxRuntimeSeconds: 3600 } };
    sageMaker = new SageMakerRunner({ bucket, storage: await motoBucket(moto, bucket), jobs, endpoint: moto.endpoint, region: 'us-east-1' });
    view = new SageMakerJobView({ jobs, endpoint: moto.endpoint, region: 'us-east-1' });
  });

  afterAll(async () => {
    sageMaker?.client.destroy();
    view?.client.destroy();
    await moto?.stop();
  });

  it('lists the jobs as the runner describes them, through List and Describe calls only', async () => {
    await sageMaker.start('video-v1-mot-1', { ...spec('v1', {}), inputs: { video: 'uploads/alice/v1/source' } });
    const sent: string[] = [];
    view.client.middlewareStack.add((next, context) => (args) => {
      sent.push(context.commandName!);
      return next(args);
    }, { step: 'initialize' });
    const { outputs: _outputs, ...described } = (await sageMaker.describe('video-v1-mot-1'))!;
    expect(await view.list()).toEqual([described]);
    expect(sent).toEqual(expect.arrayContaining(['ListProcessingJobsCommand', 'DescribeProcessingJobCommand']));
    expect(sent.filter((name) => !/^(List|Describe)/.test(name))).toEqual([]);
  });
});
