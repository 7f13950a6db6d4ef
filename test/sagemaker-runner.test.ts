// The SageMaker runner: against moto_server for what moto implements (create, describe and stop
// processing jobs; create and describe training jobs; list both), and with aws-sdk-client-mock for
// what moto cannot produce: its jobs are Completed the moment they are created, it accepts a second
// job of the same name, and it has no StopTrainingJob.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateProcessingJobCommand,
  CreateTrainingJobCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  ResourceInUse,
  SageMakerClient,
  SageMakerServiceException,
  StopProcessingJobCommand,
  StopTrainingJobCommand,
  type DescribeProcessingJobResponse,
  type DescribeTrainingJobResponse,
} from '@aws-sdk/client-sagemaker';
import { ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jobNameFor } from '../activities/gpu/job-name';
import { JobAlreadyExists } from '../activities/gpu/runner';
import type { GpuJobRequest, GpuJobResult, JobSpec } from '../contracts/gpu-jobs';
import { sageMakerJobs, type SageMakerJobConfig } from '../activities/gpu/sagemaker-config';
import { SageMakerRunner } from '../activities/gpu/sagemaker-runner';
import { LocalStorage } from '../activities/storage/local';
import { S3Storage } from '../activities/storage/s3';
import { motoBucket, startMoto, useDummyAwsCredentials, type Moto } from './helpers/moto';
import { gpuActivityEnv, runGpuJobIn } from './helpers/gpu-activity';

const bucket = 'bing-jobs';
const role = 'arn:aws:iam::123456789012:role/bing-sagemaker';
const job = (image: string, extra: Partial<SageMakerJobConfig> = {}): SageMakerJobConfig => ({
  image, roleArn: role, instanceType: 'ml.g4dn.xlarge', instanceCount: 1, volumeSizeGb: 30, maxRuntimeSeconds: 3600, ...extra,
});
const jobs = {
  mot: job('123456789012.dkr.ecr.us-east-1.amazonaws.com/bing-mot:1', {
    environment: { BING_DETECT_STRIDE: '3' },
    network: { subnets: ['subnet-1', 'subnet-2'], securityGroupIds: ['sg-1'] },
  }),
  action: job('123456789012.dkr.ecr.us-east-1.amazonaws.com/bing-action:1'),
  train: job('123456789012.dkr.ecr.us-east-1.amazonaws.com/bing-train:1', { instanceType: 'ml.g5.xlarge' }),
};

const motSpec = (video: string): JobSpec => ({
  kind: 'mot', subject: video,
  inputs: { video: `uploads/alice/${video}/source` },
  outputs: { tracks: `results/${video}/` },
  environment: { BING_TRACKER: 'sort' },
});

const trainSpec: JobSpec = {
  kind: 'train', subject: 'models/mot',
  inputs: { train: 'datasets/mot/train/', weights: 'incoming/mot/new.pt' },
  outputs: { model: 'models/mot/' },
  hyperparameters: { epochs: '3' },
};

describe('SageMakerRunner on moto_server', () => {
  let moto: Moto;
  let storage: S3Storage;
  let runner: SageMakerRunner;

  beforeAll(async () => {
    moto = await startMoto();
    storage = await motoBucket(moto, bucket);
    runner = new SageMakerRunner({ bucket, storage, jobs, endpoint: moto.endpoint, region: 'us-east-1', namePrefix: 'video-', stopPollMs: 20 });
  });

  afterAll(async () => {
    runner?.client.destroy();
    storage?.client.destroy();
    await moto?.stop();
  });

  it('creates a processing job under the container contract and describes it', async () => {
    const name = jobNameFor('video-m1', 'mot', 1);
    await runner.start(name, motSpec('m1'));
    // moto completes a job at once and runs nothing: the outputs are put here as the job would.
    await storage.put('results/m1/tracks.json', '{}');
    await storage.put('results/m1/tracks.txt', '1,1,0,0,1,1,1,-1,-1,-1');

    const described = await runner.describe(name);
    expect(described).toMatchObject({ name, kind: 'mot', status: 'Completed', progress: 1, starts: 1, outputs: ['results/m1/tracks.json', 'results/m1/tracks.txt'] });
    expect(Date.parse(described!.startedAt)).not.toBeNaN();

    const raw = await runner.client.send(new DescribeProcessingJobCommand({ ProcessingJobName: name }));
    expect(raw.RoleArn).toBe(role);
    expect(raw.AppSpecification?.ImageUri).toBe(jobs.mot.image);
    expect(raw.ProcessingInputs).toEqual([expect.objectContaining({
      InputName: 'video',
      S3Input: expect.objectContaining({ S3Uri: `s3://${bucket}/uploads/alice/m1/source`, LocalPath: '/opt/ml/processing/input/video' }),
    })]);
    expect(raw.ProcessingOutputConfig?.Outputs).toEqual([expect.objectContaining({
      OutputName: 'tracks',
      S3Output: expect.objectContaining({ S3Uri: `s3://${bucket}/results/m1/`, LocalPath: '/opt/ml/processing/output/tracks' }),
    })]);
    expect(raw.NetworkConfig?.VpcConfig).toEqual({ Subnets: ['subnet-1', 'subnet-2'], SecurityGroupIds: ['sg-1'] });
  });

  it('stops a processing job through the API (moto marks it Stopped at once)', async () => {
    const name = jobNameFor('video-m2', 'mot', 1);
    await runner.start(name, motSpec('m2'));
    await runner.client.send(new StopProcessingJobCommand({ ProcessingJobName: name }));
    expect(await runner.describe(name)).toMatchObject({ name, status: 'Stopped', progress: 0 });
    // stop() of a job that has already ended sends nothing and leaves its outputs.
    await storage.put('results/m2/tracks.json', '{}');
    await runner.stop(name);
    expect(await storage.list('results/m2/')).toEqual(['results/m2/tracks.json']);
  });

  it('creates and describes a training job, with channels, hyperparameters and the model output', async () => {
    const name = jobNameFor('retraining-mot', 'train', 4);
    await runner.start(name, trainSpec);
    await storage.put(`models/mot/${name}/output/model.tar.gz`, 'model bytes');
    expect(await runner.describe(name)).toMatchObject({
      name, kind: 'train', status: 'Completed', progress: 1, starts: 1, outputs: [`models/mot/${name}/output/model.tar.gz`],
    });
    const raw = await runner.client.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    expect(raw.AlgorithmSpecification?.TrainingImage).toBe(jobs.train.image);
    expect(raw.HyperParameters).toEqual({ epochs: '3' });
    expect(raw.InputDataConfig?.map((c) => [c.ChannelName, c.DataSource?.S3DataSource?.S3Uri])).toEqual([
      ['train', `s3://${bucket}/datasets/mot/train/`], ['weights', `s3://${bucket}/incoming/mot/new.pt`],
    ]);
    expect(raw.OutputDataConfig?.S3OutputPath).toBe(`s3://${bucket}/models/mot/`);
    expect(raw.ResourceConfig).toMatchObject({ InstanceType: 'ml.g5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 });
    expect(raw.ModelArtifacts?.S3ModelArtifacts).toBe(`s3://${bucket}/models/mot/${name}/output/model.tar.gz`);
  });

  it('knows no job it was never given, and lists those it was', async () => {
    expect(await runner.describe('video-nothing-mot-1')).toBeUndefined();
    const fresh = new SageMakerRunner({ bucket, storage, jobs, endpoint: moto.endpoint, region: 'us-east-1', namePrefix: 'video-' });
    expect(await fresh.describe('video-nothing-mot-1')).toBeUndefined();
    const listed = await fresh.list();
    expect(listed.map((j) => [j.name, j.kind, j.status])).toEqual(expect.arrayContaining([
      [jobNameFor('video-m1', 'mot', 1), 'mot', 'Completed'],
      [jobNameFor('video-m2', 'mot', 1), 'mot', 'Stopped'],
    ]));
    // The training job's name does not start with the prefix.
    expect(listed.every((j) => j.name.startsWith('video-'))).toBe(true);
    fresh.client.destroy();
  });

  it('runs a job through runGpuJob end to end', async () => {
    const name = jobNameFor('video-m3', 'mot', 1);
    await storage.put('results/m3/tracks.json', '{"tracks":[]}');
    const result = await runGpuJobIn(gpuActivityEnv('video-m3').env, runner, { ...motSpec('m3'), step: 'mot', run: 1 }, 10);
    expect(result).toMatchObject({ jobName: name, outputs: ['results/m3/tracks.json'], starts: 1 });
  });
});

// ---------------------------------------------------------------------------------------------
// States moto cannot produce, from a mocked SageMaker client.

const created = new Date('2026-01-01T10:00:00Z');
const processing = (name: string, status: string, extra: Partial<DescribeProcessingJobResponse> = {}): DescribeProcessingJobResponse => ({
  ProcessingJobName: name,
  ProcessingJobArn: `arn:aws:sagemaker:us-east-1:123456789012:processing-job/${name}`,
  ProcessingJobStatus: status as DescribeProcessingJobResponse['ProcessingJobStatus'],
  CreationTime: created,
  ProcessingStartTime: new Date(created.getTime() + 60_000),
  ...(['Completed', 'Failed', 'Stopped'].includes(status) ? { ProcessingEndTime: new Date(created.getTime() + 600_000) } : {}),
  AppSpecification: { ImageUri: jobs.mot.image },
  ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.g4dn.xlarge', VolumeSizeInGB: 30 } },
  StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  Environment: { BING_JOB_KIND: 'mot', BING_JOB_SUBJECT: 'v' },
  ProcessingOutputConfig: { Outputs: [{ OutputName: 'tracks', S3Output: { S3Uri: `s3://${bucket}/results/${name}/`, LocalPath: '/opt/ml/processing/output/tracks', S3UploadMode: 'EndOfJob' } }] },
  ...extra,
});

const training = (name: string, status: string, extra: Partial<DescribeTrainingJobResponse> = {}): DescribeTrainingJobResponse => ({
  TrainingJobName: name,
  TrainingJobArn: `arn:aws:sagemaker:us-east-1:123456789012:training-job/${name}`,
  TrainingJobStatus: status as DescribeTrainingJobResponse['TrainingJobStatus'],
  SecondaryStatus: 'Training',
  CreationTime: created,
  ModelArtifacts: { S3ModelArtifacts: `s3://${bucket}/models/mot/${name}/output/model.tar.gz` },
  AlgorithmSpecification: { TrainingImage: jobs.train.image, TrainingInputMode: 'File' },
  ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.g5.xlarge', VolumeSizeInGB: 30 },
  StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  OutputDataConfig: { S3OutputPath: `s3://${bucket}/models/mot/` },
  Environment: { BING_JOB_KIND: 'train' },
  ...extra,
});

const throttled = () => new SageMakerServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });

describe('SageMakerRunner with a mocked client: sequences moto cannot produce', () => {
  const client = new SageMakerClient({ region: 'us-east-1' });
  const sm = mockClient(client);
  let dir: string;
  let storage: LocalStorage;
  let runner: SageMakerRunner;

  beforeAll(async () => {
    useDummyAwsCredentials();
    dir = await mkdtemp(join(tmpdir(), 'bing-sagemaker-'));
    storage = new LocalStorage(dir);
  });

  afterAll(async () => {
    sm.restore();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    sm.reset();
    runner = new SageMakerRunner({ bucket, storage, jobs, client, stopPollMs: 5 });
  });

  const runIn = (env: MockActivityEnvironment, request: GpuJobRequest): Promise<GpuJobResult> => runGpuJobIn(env, runner, request, 5);
  const request = (step: string, spec: JobSpec = motSpec('v')): GpuJobRequest => ({ ...spec, step, run: 1 });

  it('InProgress -> Completed: heartbeats while running, then returns the outputs', async () => {
    const name = jobNameFor('video-c1', 'mot', 1);
    sm.on(CreateProcessingJobCommand).resolves({ ProcessingJobArn: 'arn' });
    sm.on(DescribeProcessingJobCommand)
      .resolvesOnce(processing(name, 'InProgress'))
      .resolvesOnce(processing(name, 'InProgress'))
      .resolves(processing(name, 'Completed'));
    await storage.put(`results/${name}/tracks.json`, '{}');
    const { env, beats } = gpuActivityEnv('video-c1');
    const result = await runIn(env, request('mot'));
    expect(result).toEqual({ jobName: name, outputs: [`results/${name}/tracks.json`], starts: 1, seconds: 540 });
    expect(beats.map((b) => [b.status, b.progress])).toEqual([['InProgress', 0], ['InProgress', 0], ['Completed', 1]]);
    expect(beats[0]!.startedAt).toBe('2026-01-01T10:01:00.000Z');
    expect(sm.commandCalls(CreateProcessingJobCommand)).toHaveLength(1);

    const input = sm.commandCalls(CreateProcessingJobCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      ProcessingJobName: name, RoleArn: role,
      AppSpecification: { ImageUri: jobs.mot.image },
      ProcessingResources: { ClusterConfig: { InstanceType: 'ml.g4dn.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      Environment: { BING_DETECT_STRIDE: '3', BING_TRACKER: 'sort', BING_JOB_NAME: name, BING_JOB_KIND: 'mot', BING_JOB_SUBJECT: 'v' },
      NetworkConfig: { VpcConfig: { Subnets: ['subnet-1', 'subnet-2'], SecurityGroupIds: ['sg-1'] } },
    });
  });

  it('InProgress -> Failed: a non-retryable failure carrying FailureReason and ExitMessage', async () => {
    const name = jobNameFor('video-c2', 'mot', 1);
    sm.on(CreateProcessingJobCommand).resolves({});
    sm.on(DescribeProcessingJobCommand)
      .resolvesOnce(processing(name, 'InProgress'))
      .resolves(processing(name, 'Failed', { FailureReason: 'AlgorithmError: the tracks are upside down', ExitMessage: 'exit code 3' }));
    const err = await runIn(gpuActivityEnv('video-c2').env, request('mot')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).type).toBe('JobFailed');
    expect((err as Error).message).toBe(`mot job ${name} failed: AlgorithmError: the tracks are upside down: exit code 3`);
  });

  it('InProgress -> Stopped without being asked: a failure', async () => {
    const name = jobNameFor('video-c3', 'mot', 1);
    sm.on(CreateProcessingJobCommand).resolves({});
    sm.on(DescribeProcessingJobCommand).resolvesOnce(processing(name, 'InProgress')).resolves(processing(name, 'Stopped'));
    const err = await runIn(gpuActivityEnv('video-c3').env, request('mot')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toMatch(/stopped without being asked/);
    expect(sm.commandCalls(StopProcessingJobCommand)).toHaveLength(0);
  });

  it('ResourceInUse on start: adopts the existing job, monitors it, creates no other', async () => {
    const name = jobNameFor('video-c4', 'mot', 1);
    sm.on(CreateProcessingJobCommand).rejects(new ResourceInUse({ message: 'Job name must be unique within an AWS account and region, and a job with this name already exists', $metadata: {} }));
    sm.on(DescribeProcessingJobCommand)
      .resolvesOnce(processing(name, 'InProgress'))
      .resolves(processing(name, 'Completed'));
    await storage.put(`results/${name}/tracks.json`, '{}');
    const { env, beats } = gpuActivityEnv('video-c4');
    const result = await runIn(env, request('mot'));
    expect(result.outputs).toEqual([`results/${name}/tracks.json`]);
    expect(beats.map((b) => b.status)).toEqual(['InProgress', 'Completed']);
    expect(sm.commandCalls(CreateProcessingJobCommand)).toHaveLength(1);
    // What the activity saw: the runner's start refuses the name as JobAlreadyExists.
    await expect(runner.start(name, motSpec('v'))).rejects.toBeInstanceOf(JobAlreadyExists);
  });

  it('cancellation stops the job, waits until it has stopped, and removes its partial outputs', async () => {
    const name = jobNameFor('video-c5', 'mot', 1);
    sm.on(CreateProcessingJobCommand).resolves({});
    let stopped = false;
    sm.on(StopProcessingJobCommand).callsFake(() => {
      stopped = true;
      return {};
    });
    let polls = 0;
    sm.on(DescribeProcessingJobCommand).callsFake(() => {
      if (!stopped) return processing(name, 'InProgress');
      return processing(name, ++polls < 3 ? 'Stopping' : 'Stopped');
    });
    await storage.put(`results/${name}/partial.json`, '{');
    await storage.put('results/other/keep.json', '{}');
    const { env, beats } = gpuActivityEnv('video-c5');
    const running = runIn(env, request('mot'));
    while (beats.length < 2) await new Promise((r) => setTimeout(r, 5));
    env.cancel('CANCELLED', new ActivityCancellationDetails({ cancelRequested: true }));
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    expect(sm.commandCalls(StopProcessingJobCommand)).toHaveLength(1);
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(await storage.list(`results/${name}/`)).toEqual([]);
    expect(await storage.list('results/other/')).toEqual(['results/other/keep.json']);
  });

  it('throttling, capacity and internal errors of the API are thrown as retryable errors', async () => {
    const name = jobNameFor('video-c6', 'mot', 1);
    sm.on(CreateProcessingJobCommand).resolves({});
    sm.on(DescribeProcessingJobCommand).rejects(throttled());
    const err = await runIn(gpuActivityEnv('video-c6').env, request('mot')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect((err as Error).name).toBe('ThrottlingException');

    sm.reset();
    sm.on(CreateProcessingJobCommand).rejects(new SageMakerServiceException({ name: 'ResourceLimitExceeded', $fault: 'client', message: 'The account-level service limit for ml.g4dn.xlarge is 0 instances', $metadata: {} }));
    const quota = await runIn(gpuActivityEnv('video-c6').env, request('mot')).catch((e: unknown) => e);
    expect(quota).not.toBeInstanceOf(ApplicationFailure);
    expect((quota as Error).name).toBe('ResourceLimitExceeded');
    void name;
  });

  it('training: InProgress -> Completed returns the model under {prefix}{name}/; cancellation uses StopTrainingJob', async () => {
    const name = jobNameFor('retraining-mot', 'train', 1);
    sm.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: 'arn' });
    sm.on(DescribeProcessingJobCommand).rejects(new SageMakerServiceException({ name: 'ValidationException', $fault: 'client', message: 'Could not find requested job with name', $metadata: {} }));
    sm.on(DescribeTrainingJobCommand).resolvesOnce(training(name, 'InProgress')).resolves(training(name, 'Completed', { TrainingStartTime: created, TrainingEndTime: new Date(created.getTime() + 5000) }));
    await storage.put(`models/mot/${name}/output/model.tar.gz`, 'model');
    const result = await runIn(gpuActivityEnv('retraining-mot').env, request('train', trainSpec));
    expect(result).toEqual({ jobName: name, outputs: [`models/mot/${name}/output/model.tar.gz`], starts: 1, seconds: 5 });
    const input = sm.commandCalls(CreateTrainingJobCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      TrainingJobName: name, HyperParameters: { epochs: '3' },
      OutputDataConfig: { S3OutputPath: `s3://${bucket}/models/mot/` },
      ResourceConfig: { InstanceType: 'ml.g5.xlarge' },
      InputDataConfig: [{ ChannelName: 'train' }, { ChannelName: 'weights' }],
    });

    sm.reset();
    sm.on(DescribeProcessingJobCommand).rejects(new SageMakerServiceException({ name: 'ValidationException', $fault: 'client', message: 'Could not find requested job with name', $metadata: {} }));
    const other = jobNameFor('retraining-mot', 'train', 2);
    let stopped = false;
    sm.on(StopTrainingJobCommand).callsFake(() => {
      stopped = true;
      return {};
    });
    sm.on(DescribeTrainingJobCommand).callsFake(() => training(other, stopped ? 'Stopped' : 'InProgress'));
    await storage.put(`models/mot/${other}/output/partial`, 'x');
    await storage.put(`models/mot/${name}/output/model.tar.gz`, 'model');
    await runner.stop(other);
    expect(sm.commandCalls(StopTrainingJobCommand)).toHaveLength(1);
    expect(await storage.list('models/mot/')).toEqual([`models/mot/${name}/output/model.tar.gz`]);
  });

  it('refuses a kind it has no configuration for, without retry', async () => {
    const bare = new SageMakerRunner({ bucket, storage, jobs: { mot: jobs.mot }, client });
    const err = await bare.start('x', { ...trainSpec }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect(sm.commandCalls(CreateTrainingJobCommand)).toHaveLength(0);
  });
});

describe('sageMakerJobs: the settings', () => {
  it('builds each kind with an image from the plain variables and the JSON overrides', () => {
    const parsed = sageMakerJobs({
      BING_SAGEMAKER_ROLE_ARN: role,
      BING_SAGEMAKER_MOT_IMAGE: 'img/mot:1',
      BING_SAGEMAKER_ACTION_IMAGE: 'img/action:1',
      BING_SAGEMAKER_SUBNETS: 'subnet-1, subnet-2',
      BING_SAGEMAKER_SECURITY_GROUPS: 'sg-1',
      BING_SAGEMAKER_MAX_RUNTIME: '2h',
      BING_SAGEMAKER_JOBS: JSON.stringify({ default: { volumeSizeGb: 50 }, action: { instanceType: 'ml.c5.2xlarge', environment: { A: '1' } } }),
    });
    expect(Object.keys(parsed)).toEqual(['mot', 'action']);
    expect(parsed.mot).toEqual({
      image: 'img/mot:1', roleArn: role, instanceType: 'ml.g4dn.xlarge', instanceCount: 1, volumeSizeGb: 50, maxRuntimeSeconds: 7200,
      network: { subnets: ['subnet-1', 'subnet-2'], securityGroupIds: ['sg-1'] },
    });
    expect(parsed.action).toMatchObject({ instanceType: 'ml.c5.2xlarge', environment: { A: '1' }, volumeSizeGb: 50 });
  });

  it('names what is wrong', () => {
    expect(() => sageMakerJobs({})).toThrow(/BING_SAGEMAKER_MOT_IMAGE/);
    expect(() => sageMakerJobs({ BING_SAGEMAKER_MOT_IMAGE: 'i' })).toThrow(/BING_SAGEMAKER_ROLE_ARN/);
    expect(() => sageMakerJobs({ BING_SAGEMAKER_MOT_IMAGE: 'i', BING_SAGEMAKER_ROLE_ARN: role, BING_SAGEMAKER_SUBNETS: 's' })).toThrow(/SECURITY_GROUPS/);
    expect(() => sageMakerJobs({ BING_SAGEMAKER_MOT_IMAGE: 'i', BING_SAGEMAKER_ROLE_ARN: role, BING_SAGEMAKER_JOBS: '{"mot":{"instanceType":"g4"}}' })).toThrow(/mot.instanceType/);
  });
});
