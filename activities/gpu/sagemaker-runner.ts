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
  StopProcessingJobCommand,
  StopTrainingJobCommand,
  type CreateProcessingJobRequest,
  type CreateTrainingJobRequest,
  type DescribeProcessingJobResponse,
  type DescribeTrainingJobResponse,
  type ProcessingInstanceType,
  type TrainingInstanceType,
} from '@aws-sdk/client-sagemaker';
import type { JobDescription, JobKind, JobSpec } from '../../contracts/gpu-jobs';
import { badInput } from '../failures';
import type { Storage } from '../storage/storage';
import { JobAlreadyExists, type GpuJobRunner } from './runner';
import type { SageMakerJobConfig } from './sagemaker-config';
import { isAlreadyExists, isValidation } from './sagemaker-errors';
import {
  kindVariable, rawStatus, SageMakerJobView, subjectVariable, terminal, userVariable,
  type JobType, type RawJob, type SageMakerJobViewOptions,
} from './sagemaker-job-view';

export interface SageMakerRunnerOptions extends SageMakerJobViewOptions {
  /** The bucket that storage keys name; inputs and outputs are s3://{bucket}/{key}. */
  bucket: string;
  /** The same bucket as Storage: lists the outputs of finished jobs, deletes those of stopped ones. */
  storage: Storage;
  /** How each kind runs; a kind left out is refused. */
  jobs: Partial<Record<JobKind, SageMakerJobConfig>>;
  /** How often stop() looks whether the job has stopped, and for how long at most. */
  stopPollMs?: number;
  stopTimeoutMs?: number;
  /** Tags on every job (cost allocation). */
  tags?: Record<string, string>;
}

const processingRoot = '/opt/ml/processing';
const nameVariable = 'BING_JOB_NAME';

const jobType = (kind: JobKind): JobType => (kind === 'train' ? 'training' : 'processing');

export class SageMakerRunner extends SageMakerJobView implements GpuJobRunner {
  declare protected readonly options: SageMakerRunnerOptions;

  constructor(options: SageMakerRunnerOptions) {
    super(options);
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
      ...(spec.user ? { [userVariable]: spec.user } : {}),
    };
  }

  private tags(spec: JobSpec) {
    const tags = { ...this.options.tags, 'bing:kind': spec.kind, ...(spec.user ? { 'bing:user': spec.user } : {}) };
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
    const found = await this.find(name);
    if (!found) return undefined;
    if (found.job.status === 'Completed') found.job.outputs = await this.listOutputs(this.outputPrefixes(name, found.raw, found.type));
    return found.job;
  }

  /** The storage prefixes a job writes to, from its own description. */
  private outputPrefixes(name: string, raw: RawJob, type: JobType): string[] {
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
    const type = this.types.get(name) ?? (await this.find(name))?.type;
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
}
