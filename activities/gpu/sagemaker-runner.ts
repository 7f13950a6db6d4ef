// GPU jobs on SageMaker: inference ('mot', 'action') as Processing jobs, training as Training jobs,
// under the container contract (/opt/ml/processing/input/{name}, /opt/ml/processing/output/{name},
// /opt/ml/input/data/{channel}, /opt/ml/model). SageMaker keeps a job name for ever, so a name
// that exists is adopted by the caller (JobAlreadyExists), never started twice. Errors of the API
// itself (throttling, quotas, capacity, internal errors) are thrown as they are: plain errors,
// which Temporal retries; a job that ran and failed is reported as status 'Failed'.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateProcessingJobCommand,
  CreateTrainingJobCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
  StopProcessingJobCommand,
  StopTrainingJobCommand,
  paginateListProcessingJobs,
  paginateListTrainingJobs,
  type CreateProcessingJobRequest,
  type CreateTrainingJobRequest,
  type DescribeProcessingJobResponse,
  type DescribeTrainingJobResponse,
  type ProcessingInstanceType,
  type TrainingInstanceType,
  type SageMakerClientConfig,
} from '@aws-sdk/client-sagemaker';
import { badInput } from '../failures';
import type { Storage } from '../storage/storage';
import { JobAlreadyExists, type GpuJobRunner, type JobDescription, type JobKind, type JobSpec, type JobStatus } from './runner';
import type { SageMakerJobConfig } from './sagemaker-config';

export interface SageMakerRunnerOptions {
  /** The bucket that storage keys name; inputs and outputs are s3://{bucket}/{key}. */
  bucket: string;
  /** The same bucket as Storage: lists the outputs of finished jobs, deletes those of stopped ones. */
  storage: Storage;
  /** How each kind runs; a kind left out is refused. */
  jobs: Partial<Record<JobKind, SageMakerJobConfig>>;
  /** A client to use instead of one from the standard AWS configuration (plus endpoint, region). */
  client?: SageMakerClient;
  endpoint?: string;
  region?: string;
  clientConfig?: SageMakerClientConfig;
  /** list() shows the jobs whose names start with this (SageMaker's NameContains, then checked). */
  namePrefix?: string;
  /** list() shows at most this many of the newest jobs of each type. */
  listLimit?: number;
  /** How often stop() looks whether the job has stopped, and for how long at most. */
  stopPollMs?: number;
  stopTimeoutMs?: number;
  /** Tags on every job (cost allocation). */
  tags?: Record<string, string>;
}

const processingRoot = '/opt/ml/processing';
/** Set on every job: describe() tells the kind and subject of a job from its environment. */
const kindVariable = 'BING_JOB_KIND';
const subjectVariable = 'BING_JOB_SUBJECT';
const nameVariable = 'BING_JOB_NAME';

type JobType = 'processing' | 'training';
const jobType = (kind: JobKind): JobType => (kind === 'train' ? 'training' : 'processing');

const terminal = new Set<JobStatus>(['Completed', 'Failed', 'Stopped']);
const statuses = new Set<string>(['InProgress', 'Stopping', 'Completed', 'Failed', 'Stopped']);

export class SageMakerRunner implements GpuJobRunner {
  readonly client: SageMakerClient;
  /** Which API knows a name, learnt from start and describe: saves a Describe call per poll. */
  private readonly types = new Map<string, JobType>();

  constructor(private readonly options: SageMakerRunnerOptions) {
    this.client = options.client ?? new SageMakerClient({
      ...options.clientConfig,
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    });
  }

  private config(kind: JobKind): SageMakerJobConfig {
    const config = this.options.jobs[kind];
    if (!config) throw badInput(`no SageMaker configuration for ${kind} jobs`);
    return config;
  }

  private s3(key: string): string {
    return `s3://${this.options.bucket}/${key}`;
  }

  /** The storage key of an S3 URI in our bucket; undefined for any other place. */
  private keyOf(uri: string | undefined): string | undefined {
    const base = `s3://${this.options.bucket}/`;
    return uri?.startsWith(base) ? uri.slice(base.length) : undefined;
  }

  private environment(name: string, spec: JobSpec, config: SageMakerJobConfig): Record<string, string> {
    return {
      ...config.environment,
      ...spec.environment,
      [nameVariable]: name,
      [kindVariable]: spec.kind,
      ...(spec.subject ? { [subjectVariable]: spec.subject } : {}),
    };
  }

  private tags(spec: JobSpec) {
    const tags = { ...this.options.tags, 'bing:kind': spec.kind };
    return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  }

  processingRequest(name: string, spec: JobSpec): CreateProcessingJobRequest {
    const config = this.config(spec.kind);
    for (const prefix of Object.values(spec.outputs)) {
      if (!prefix.endsWith('/')) throw badInput(`output prefix ${prefix} must end in '/'`);
    }
    return {
      ProcessingJobName: name,
      RoleArn: config.roleArn,
      AppSpecification: {
        ImageUri: config.image,
        ...(config.entrypoint ? { ContainerEntrypoint: config.entrypoint } : {}),
        ...(config.arguments ? { ContainerArguments: config.arguments } : {}),
      },
      // A key that does not end in '/' is an S3 prefix too: SageMaker fetches every object whose
      // key starts with it, each named by what follows the prefix's last '/'.
      ProcessingInputs: Object.entries(spec.inputs).map(([channel, key]) => ({
        InputName: channel,
        S3Input: {
          S3Uri: this.s3(key), LocalPath: `${processingRoot}/input/${channel}`,
          S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated',
        },
      })),
      ProcessingOutputConfig: {
        Outputs: Object.entries(spec.outputs).map(([output, prefix]) => ({
          OutputName: output,
          S3Output: { S3Uri: this.s3(prefix), LocalPath: `${processingRoot}/output/${output}`, S3UploadMode: 'EndOfJob' },
        })),
        ...(config.outputKmsKeyId ? { KmsKeyId: config.outputKmsKeyId } : {}),
      },
      ProcessingResources: {
        ClusterConfig: {
          InstanceType: config.instanceType as ProcessingInstanceType, InstanceCount: config.instanceCount, VolumeSizeInGB: config.volumeSizeGb,
          ...(config.volumeKmsKeyId ? { VolumeKmsKeyId: config.volumeKmsKeyId } : {}),
        },
      },
      StoppingCondition: { MaxRuntimeInSeconds: config.maxRuntimeSeconds },
      Environment: this.environment(name, spec, config),
      ...(config.network ? {
        NetworkConfig: {
          VpcConfig: { Subnets: config.network.subnets, SecurityGroupIds: config.network.securityGroupIds },
          EnableNetworkIsolation: config.network.enableNetworkIsolation ?? false,
          EnableInterContainerTrafficEncryption: config.network.enableInterContainerTrafficEncryption ?? false,
        },
      } : {}),
      Tags: this.tags(spec),
    };
  }

  trainingRequest(name: string, spec: JobSpec): CreateTrainingJobRequest {
    const config = this.config(spec.kind);
    // A training job has one output place: SageMaker writes {prefix}{name}/output/model.tar.gz
    // (the container's /opt/ml/model) and output.tar.gz (its /opt/ml/output/data) there.
    const outputs = Object.entries(spec.outputs);
    if (outputs.length !== 1 || !outputs[0]![1].endsWith('/')) {
      throw badInput(`a training job has exactly one output prefix ending in '/', e.g. {model: 'models/mot/'}; got ${JSON.stringify(spec.outputs)}`);
    }
    return {
      TrainingJobName: name,
      RoleArn: config.roleArn,
      AlgorithmSpecification: {
        TrainingImage: config.image, TrainingInputMode: 'File',
        ...(config.entrypoint ? { ContainerEntrypoint: config.entrypoint } : {}),
        ...(config.arguments ? { ContainerArguments: config.arguments } : {}),
      },
      InputDataConfig: Object.entries(spec.inputs).map(([channel, key]) => ({
        ChannelName: channel,
        InputMode: 'File',
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: this.s3(key), S3DataDistributionType: 'FullyReplicated' } },
      })),
      OutputDataConfig: { S3OutputPath: this.s3(outputs[0]![1]), ...(config.outputKmsKeyId ? { KmsKeyId: config.outputKmsKeyId } : {}) },
      ResourceConfig: {
        InstanceType: config.instanceType as TrainingInstanceType, InstanceCount: config.instanceCount, VolumeSizeInGB: config.volumeSizeGb,
        ...(config.volumeKmsKeyId ? { VolumeKmsKeyId: config.volumeKmsKeyId } : {}),
      },
      StoppingCondition: { MaxRuntimeInSeconds: config.maxRuntimeSeconds },
      // SageMaker writes these to /opt/ml/input/config/hyperparameters.json.
      HyperParameters: spec.hyperparameters ?? {},
      Environment: this.environment(name, spec, config),
      ...(config.network ? {
        VpcConfig: { Subnets: config.network.subnets, SecurityGroupIds: config.network.securityGroupIds },
        EnableNetworkIsolation: config.network.enableNetworkIsolation ?? false,
        EnableInterContainerTrafficEncryption: config.network.enableInterContainerTrafficEncryption ?? false,
      } : {}),
      Tags: this.tags(spec),
    };
  }

  async start(name: string, spec: JobSpec): Promise<void> {
    const type = jobType(spec.kind);
    const create = type === 'training'
      ? () => this.client.send(new CreateTrainingJobCommand(this.trainingRequest(name, spec)))
      : () => this.client.send(new CreateProcessingJobCommand(this.processingRequest(name, spec)));
    try {
      await create();
    } catch (err) {
      if (isAlreadyExists(err)) {
        this.types.set(name, type);
        throw new JobAlreadyExists(name);
      }
      throw err;
    }
    this.types.set(name, type);
  }

  async describe(name: string): Promise<JobDescription | undefined> {
    return this.describeJob(name, true);
  }

  private async describeJob(name: string, withOutputs: boolean, only?: JobType): Promise<JobDescription | undefined> {
    const known = only ?? this.types.get(name);
    for (const type of known ? [known] : (['processing', 'training'] as const)) {
      const raw = await this.describeRaw(name, type);
      if (!raw) continue;
      this.types.set(name, type);
      const job = type === 'processing' ? this.fromProcessing(raw as DescribeProcessingJobResponse) : this.fromTraining(raw as DescribeTrainingJobResponse);
      if (withOutputs && job.status === 'Completed') job.outputs = await this.listOutputs(this.outputPrefixes(name, raw, type));
      return job;
    }
    return undefined;
  }

  private async describeRaw(name: string, type: JobType): Promise<DescribeProcessingJobResponse | DescribeTrainingJobResponse | undefined> {
    try {
      return type === 'processing'
        ? await this.client.send(new DescribeProcessingJobCommand({ ProcessingJobName: name }))
        : await this.client.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private kindOf(environment: Record<string, string> | undefined, image: string | undefined, type: JobType): JobKind {
    const named = environment?.[kindVariable];
    if (named === 'mot' || named === 'action' || named === 'train') return named;
    if (type === 'training') return 'train';
    const byImage = (['mot', 'action'] as const).find((k) => image && this.options.jobs[k]?.image === image);
    return byImage ?? 'mot';
  }

  private fromProcessing(raw: DescribeProcessingJobResponse): JobDescription {
    return this.described({
      name: raw.ProcessingJobName!, status: raw.ProcessingJobStatus, environment: raw.Environment,
      kind: this.kindOf(raw.Environment, raw.AppSpecification?.ImageUri, 'processing'),
      started: raw.ProcessingStartTime ?? raw.CreationTime, ended: raw.ProcessingEndTime ?? raw.LastModifiedTime,
      failure: [raw.FailureReason, raw.ExitMessage],
    });
  }

  private fromTraining(raw: DescribeTrainingJobResponse): JobDescription {
    return this.described({
      name: raw.TrainingJobName!, status: raw.TrainingJobStatus, environment: raw.Environment,
      kind: this.kindOf(raw.Environment, raw.AlgorithmSpecification?.TrainingImage, 'training'),
      started: raw.TrainingStartTime ?? raw.CreationTime, ended: raw.TrainingEndTime ?? raw.LastModifiedTime,
      failure: [raw.FailureReason],
    });
  }

  /** What Processing and Training descriptions have in common, as a JobDescription. */
  private described(job: {
    name: string; status: string | undefined; environment: Record<string, string> | undefined; kind: JobKind;
    started: Date | undefined; ended: Date | undefined; failure: [string | undefined, (string | undefined)?];
  }): JobDescription {
    const status = statusOf(job.status);
    return {
      name: job.name,
      kind: job.kind,
      ...subject(job.environment),
      status,
      progress: status === 'Completed' ? 1 : 0,
      starts: 1,
      startedAt: iso(job.started),
      ...(terminal.has(status) ? { endedAt: iso(job.ended) } : {}),
      ...reason(status, ...job.failure),
    };
  }

  /** The storage prefixes a job writes to, from its own description. */
  private outputPrefixes(name: string, raw: DescribeProcessingJobResponse | DescribeTrainingJobResponse, type: JobType): string[] {
    if (type === 'processing') {
      return ((raw as DescribeProcessingJobResponse).ProcessingOutputConfig?.Outputs ?? [])
        .map((o) => this.keyOf(o.S3Output?.S3Uri))
        .filter((k): k is string => !!k);
    }
    const path = this.keyOf((raw as DescribeTrainingJobResponse).OutputDataConfig?.S3OutputPath);
    return path ? [`${path.endsWith('/') ? path : `${path}/`}${name}/`] : [];
  }

  private async listOutputs(prefixes: string[]): Promise<string[]> {
    const keys = await Promise.all(prefixes.map((p) => this.options.storage.list(p.endsWith('/') ? p : `${p}/`)));
    return keys.flat();
  }

  async stop(name: string): Promise<void> {
    const type = this.types.get(name) ?? (await this.describeJob(name, false) ? this.types.get(name) : undefined);
    if (!type) return;
    let raw = await this.describeRaw(name, type);
    if (!raw || terminal.has(rawStatus(raw))) return;
    if (rawStatus(raw) === 'InProgress') {
      try {
        if (type === 'processing') await this.client.send(new StopProcessingJobCommand({ ProcessingJobName: name }));
        else await this.client.send(new StopTrainingJobCommand({ TrainingJobName: name }));
      } catch (err) {
        // It ended (or began stopping) between the two calls: wait for it below all the same.
        if (!isValidation(err)) throw err;
      }
    }
    const pollMs = this.options.stopPollMs ?? 5000;
    const deadline = Date.now() + (this.options.stopTimeoutMs ?? 15 * 60_000);
    for (;;) {
      raw = await this.describeRaw(name, type);
      if (!raw || terminal.has(rawStatus(raw))) break;
      if (Date.now() > deadline) throw new Error(`SageMaker ${type} job ${name} is still ${rawStatus(raw)} after ${this.options.stopTimeoutMs ?? 900_000} ms`);
      await sleep(pollMs);
    }
    if (raw) {
      for (const prefix of this.outputPrefixes(name, raw, type)) await this.options.storage.deletePrefix(prefix.endsWith('/') ? prefix : `${prefix}/`);
    }
  }

  async list(): Promise<JobDescription[]> {
    const prefix = this.options.namePrefix;
    const limit = this.options.listLimit ?? 100;
    const filter = { SortBy: 'CreationTime' as const, SortOrder: 'Descending' as const, ...(prefix ? { NameContains: prefix } : {}) };
    const names: Array<[string, JobType]> = [];
    const collect = async (pages: AsyncIterable<{ names: string[] }>, type: JobType) => {
      let count = 0;
      for await (const page of pages) {
        for (const name of page.names) {
          if (prefix && !name.startsWith(prefix)) continue;
          if (count++ >= limit) return;
          names.push([name, type]);
        }
      }
    };
    await collect(mapPages(paginateListProcessingJobs({ client: this.client, pageSize: 100 }, filter), (p) => (p.ProcessingJobSummaries ?? []).map((s) => s.ProcessingJobName!)), 'processing');
    await collect(mapPages(paginateListTrainingJobs({ client: this.client, pageSize: 100 }, filter), (p) => (p.TrainingJobSummaries ?? []).map((s) => s.TrainingJobName!)), 'training');
    // Summaries lack the environment that names kind and subject: describe each, a few at a time.
    const jobs: JobDescription[] = [];
    for (let i = 0; i < names.length; i += 4) {
      const batch = await Promise.all(names.slice(i, i + 4).map(([name, type]) => this.describeJob(name, false, type)));
      jobs.push(...batch.filter((j): j is JobDescription => j !== undefined));
    }
    return jobs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }
}

async function* mapPages<P>(pages: AsyncIterable<P>, names: (page: P) => string[]): AsyncIterable<{ names: string[] }> {
  for await (const page of pages) yield { names: names(page) };
}

const rawStatus = (raw: DescribeProcessingJobResponse | DescribeTrainingJobResponse): JobStatus =>
  statusOf('ProcessingJobStatus' in raw ? raw.ProcessingJobStatus : (raw as DescribeTrainingJobResponse).TrainingJobStatus);

function statusOf(status: string | undefined): JobStatus {
  if (status && statuses.has(status)) return status as JobStatus;
  // An unknown status is one SageMaker added later: treat it as still running.
  return 'InProgress';
}

const iso = (date: Date | undefined): string => (date ?? new Date()).toISOString();

const subject = (environment: Record<string, string> | undefined) =>
  environment?.[subjectVariable] ? { subject: environment[subjectVariable] } : {};

function reason(status: JobStatus, failureReason: string | undefined, exitMessage?: string): { failureReason?: string } {
  if (status !== 'Failed' && status !== 'Stopped') return {};
  const parts = [failureReason?.trim(), exitMessage?.trim()].filter((p): p is string => !!p);
  const unique = parts.filter((p, i) => parts.indexOf(p) === i);
  return unique.length > 0 ? { failureReason: unique.join(': ').slice(0, 2048) } : {};
}

const errorName = (err: unknown): string | undefined => (err as { name?: string } | undefined)?.name;
const errorMessage = (err: unknown): string => (err as { message?: string } | undefined)?.message ?? '';
const isValidation = (err: unknown) => errorName(err) === 'ValidationException';

function isAlreadyExists(err: unknown): boolean {
  const name = errorName(err);
  return name === 'ResourceInUse' || (isValidation(err) && /already exists|must be unique/i.test(errorMessage(err)));
}

function isNotFound(err: unknown): boolean {
  return errorName(err) === 'ResourceNotFound' || (isValidation(err) && /could not find|not found|does not exist/i.test(errorMessage(err)));
}
