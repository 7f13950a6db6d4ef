// How each kind of GPU job runs on SageMaker, and how that is read from BING_SAGEMAKER_* settings.
import { z } from 'zod';
import { durationMs, durationPattern } from '../../common/duration';
import type { JobKind } from '../../contracts/gpu-jobs';

export interface SageMakerNetwork {
  subnets: string[];
  securityGroupIds: string[];
  enableNetworkIsolation?: boolean;
  enableInterContainerTrafficEncryption?: boolean;
}

export interface SageMakerJobConfig {
  /** The job's container image, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/bing-mot:1.2. */
  image: string;
  /** The execution role SageMaker assumes: reads inputs, writes outputs, pulls the image. */
  roleArn: string;
  instanceType: string;
  instanceCount: number;
  volumeSizeGb: number;
  maxRuntimeSeconds: number;
  environment?: Record<string, string>;
  network?: SageMakerNetwork;
  /** KMS key for the instances' volumes and for the outputs, when the account requires one. */
  volumeKmsKeyId?: string;
  outputKmsKeyId?: string;
  /** Overrides the image's ENTRYPOINT (exec form). */
  entrypoint?: string[];
  arguments?: string[];
}

const kinds = ['mot', 'action', 'train'] as const satisfies readonly JobKind[];

const jobOverride = z.object({
  image: z.string().min(1),
  roleArn: z.string().startsWith('arn:'),
  instanceType: z.string().startsWith('ml.'),
  instanceCount: z.number().int().min(1).max(100),
  volumeSizeGb: z.number().int().min(1).max(16384),
  maxRuntimeSeconds: z.number().int().min(1).max(28 * 86400),
  environment: z.record(z.string(), z.string()),
  network: z.object({
    subnets: z.array(z.string()).min(1),
    securityGroupIds: z.array(z.string()).min(1),
    enableNetworkIsolation: z.boolean().optional(),
    enableInterContainerTrafficEncryption: z.boolean().optional(),
  }),
  volumeKmsKeyId: z.string(),
  outputKmsKeyId: z.string(),
  entrypoint: z.array(z.string()).min(1),
  arguments: z.array(z.string()),
}).partial().strict();

const overrides = z.object({ mot: jobOverride, action: jobOverride, train: jobOverride, default: jobOverride }).partial().strict();

/** The settings, as environment variables (all strings); see sageMakerJobs. */
export interface SageMakerSettings {
  BING_SAGEMAKER_ROLE_ARN?: string;
  BING_SAGEMAKER_MOT_IMAGE?: string;
  BING_SAGEMAKER_ACTION_IMAGE?: string;
  BING_SAGEMAKER_TRAIN_IMAGE?: string;
  BING_SAGEMAKER_INSTANCE_TYPE?: string;
  BING_SAGEMAKER_SUBNETS?: string;
  BING_SAGEMAKER_SECURITY_GROUPS?: string;
  BING_SAGEMAKER_MAX_RUNTIME?: string;
  BING_SAGEMAKER_JOBS?: string;
}

const list = (s: string | undefined) => (s ?? '').split(',').map((p) => p.trim()).filter(Boolean);

/**
 * Each configured kind's SageMaker settings. The plain variables cover the usual case: one role,
 * one image per kind, one instance type, one VPC; BING_SAGEMAKER_JOBS, a JSON object
 * `{"default": {...}, "mot": {...}, "action": {...}, "train": {...}}` of SageMakerJobConfig fields,
 * overrides any field for all kinds or one. A kind without an image is left out: jobs of that kind
 * are refused. Throws naming the fault.
 */
export function sageMakerJobs(settings: SageMakerSettings): Partial<Record<JobKind, SageMakerJobConfig>> {
  let parsed: z.output<typeof overrides> = {};
  if (settings.BING_SAGEMAKER_JOBS?.trim()) {
    let json: unknown;
    try {
      json = JSON.parse(settings.BING_SAGEMAKER_JOBS);
    } catch {
      throw new Error('BING_SAGEMAKER_JOBS: not JSON');
    }
    const result = overrides.safeParse(json);
    if (!result.success) throw new Error(`BING_SAGEMAKER_JOBS: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    parsed = result.data;
  }
  let maxRuntimeSeconds = 6 * 3600;
  if (settings.BING_SAGEMAKER_MAX_RUNTIME) {
    const text = settings.BING_SAGEMAKER_MAX_RUNTIME.trim();
    if (!durationPattern.test(text)) throw new Error(`BING_SAGEMAKER_MAX_RUNTIME: not a duration such as 90m or 6h: ${settings.BING_SAGEMAKER_MAX_RUNTIME}`);
    maxRuntimeSeconds = Math.ceil(durationMs(text) / 1000);
  }
  const subnets = list(settings.BING_SAGEMAKER_SUBNETS);
  const securityGroupIds = list(settings.BING_SAGEMAKER_SECURITY_GROUPS);
  if ((subnets.length === 0) !== (securityGroupIds.length === 0)) {
    throw new Error('BING_SAGEMAKER_SUBNETS and BING_SAGEMAKER_SECURITY_GROUPS go together: set both or neither');
  }
  const images: Record<JobKind, string | undefined> = {
    mot: settings.BING_SAGEMAKER_MOT_IMAGE, action: settings.BING_SAGEMAKER_ACTION_IMAGE, train: settings.BING_SAGEMAKER_TRAIN_IMAGE,
  };
  const jobs: Partial<Record<JobKind, SageMakerJobConfig>> = {};
  for (const kind of kinds) {
    const merged = {
      roleArn: settings.BING_SAGEMAKER_ROLE_ARN,
      instanceType: settings.BING_SAGEMAKER_INSTANCE_TYPE || (kind === 'train' ? 'ml.g5.xlarge' : 'ml.g4dn.xlarge'),
      instanceCount: 1,
      volumeSizeGb: 30,
      maxRuntimeSeconds,
      ...(subnets.length > 0 ? { network: { subnets, securityGroupIds } } : {}),
      ...(images[kind] ? { image: images[kind] } : {}),
      ...parsed.default,
      ...parsed[kind],
    };
    if (!merged.image) continue;
    if (!merged.roleArn) throw new Error(`SageMaker ${kind} jobs need a role: set BING_SAGEMAKER_ROLE_ARN`);
    jobs[kind] = { ...merged, image: merged.image, roleArn: merged.roleArn };
  }
  if (Object.keys(jobs).length === 0) throw new Error('no SageMaker job has an image: set BING_SAGEMAKER_MOT_IMAGE, BING_SAGEMAKER_ACTION_IMAGE, BING_SAGEMAKER_TRAIN_IMAGE');
  return jobs;
}
