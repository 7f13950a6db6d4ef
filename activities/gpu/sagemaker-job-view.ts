// SageMaker's Processing and Training jobs as BING lists them, through the read-only List and
// Describe calls. The runner builds on this; the API lists from it.
import {
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
  paginateListProcessingJobs,
  paginateListTrainingJobs,
  type DescribeProcessingJobResponse,
  type DescribeTrainingJobResponse,
  type SageMakerClientConfig,
} from '@aws-sdk/client-sagemaker';
import { runningStatuses, type JobDescription, type JobKind, type JobStatus, type JobView } from '../../contracts/gpu-jobs';
import { isNotFound } from './sagemaker-errors';

export interface SageMakerJobViewOptions {
  /** Each kind's image: tells the kind of a job whose environment does not name it. */
  jobs: Partial<Record<JobKind, { image: string }>>;
  /** A client to use instead of one from the standard AWS configuration (plus endpoint, region). */
  client?: SageMakerClient;
  endpoint?: string;
  region?: string;
  clientConfig?: SageMakerClientConfig;
  /** list() shows the jobs whose names start with this (SageMaker's NameContains, then checked). */
  namePrefix?: string;
  /** list() shows at most this many of the newest jobs of each type. */
  listLimit?: number;
}

/** Set on every job: a description tells the kind, subject and user of a job from its environment. */
export const kindVariable = 'BING_JOB_KIND';
export const subjectVariable = 'BING_JOB_SUBJECT';
export const userVariable = 'BING_JOB_USER';

export type JobType = 'processing' | 'training';
export type RawJob = DescribeProcessingJobResponse | DescribeTrainingJobResponse;

export const terminal = new Set<JobStatus>(['Completed', 'Failed', 'Stopped']);
const statuses = new Set<string>(['InProgress', 'Stopping', 'Completed', 'Failed', 'Stopped']);

export class SageMakerJobView implements JobView {
  readonly client: SageMakerClient;
  /** Which API knows a name, learnt from start and describe: saves a Describe call per poll. */
  protected readonly types = new Map<string, JobType>();

  constructor(protected readonly options: SageMakerJobViewOptions) {
    this.client = options.client ?? new SageMakerClient({
      ...options.clientConfig,
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    });
  }

  /** The job of that name (of that type, when given) as BING describes it, with SageMaker's own answer. */
  protected async find(name: string, only?: JobType): Promise<{ job: JobDescription; raw: RawJob; type: JobType } | undefined> {
    const known = only ?? this.types.get(name);
    for (const type of known ? [known] : (['processing', 'training'] as const)) {
      const raw = await this.describeRaw(name, type);
      if (!raw) continue;
      this.types.set(name, type);
      const job = type === 'processing' ? this.fromProcessing(raw as DescribeProcessingJobResponse) : this.fromTraining(raw as DescribeTrainingJobResponse);
      return { job, raw, type };
    }
    return undefined;
  }

  protected async describeRaw(name: string, type: JobType): Promise<RawJob | undefined> {
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
    return described({
      name: raw.ProcessingJobName!, status: raw.ProcessingJobStatus, environment: raw.Environment,
      kind: this.kindOf(raw.Environment, raw.AppSpecification?.ImageUri, 'processing'),
      started: raw.ProcessingStartTime ?? raw.CreationTime, ended: raw.ProcessingEndTime ?? raw.LastModifiedTime,
      failure: [raw.FailureReason, raw.ExitMessage],
    });
  }

  private fromTraining(raw: DescribeTrainingJobResponse): JobDescription {
    return described({
      name: raw.TrainingJobName!, status: raw.TrainingJobStatus, environment: raw.Environment,
      kind: this.kindOf(raw.Environment, raw.AlgorithmSpecification?.TrainingImage, 'training'),
      started: raw.TrainingStartTime ?? raw.CreationTime, ended: raw.TrainingEndTime ?? raw.LastModifiedTime,
      failure: [raw.FailureReason],
    });
  }

  async list(filter: { running?: boolean } = {}): Promise<JobDescription[]> {
    if (!filter.running) return this.listWhere();
    const lists = await Promise.all(runningStatuses.map((status) => this.listWhere(status)));
    return lists.flat().sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  /** The newest jobs, of one status when given. */
  private async listWhere(status?: (typeof runningStatuses)[number]): Promise<JobDescription[]> {
    const prefix = this.options.namePrefix;
    const limit = this.options.listLimit ?? 100;
    const filter = {
      SortBy: 'CreationTime' as const, SortOrder: 'Descending' as const,
      ...(prefix ? { NameContains: prefix } : {}), ...(status ? { StatusEquals: status } : {}),
    };
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
      const batch = await Promise.all(names.slice(i, i + 4).map(async ([name, type]) => (await this.find(name, type))?.job));
      jobs.push(...batch.filter((j): j is JobDescription => j !== undefined));
    }
    return jobs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }
}

async function* mapPages<P>(pages: AsyncIterable<P>, names: (page: P) => string[]): AsyncIterable<{ names: string[] }> {
  for await (const page of pages) yield { names: names(page) };
}

export const rawStatus = (raw: RawJob): JobStatus =>
  statusOf('ProcessingJobStatus' in raw ? raw.ProcessingJobStatus : (raw as DescribeTrainingJobResponse).TrainingJobStatus);

function statusOf(status: string | undefined): JobStatus {
  if (status && statuses.has(status)) return status as JobStatus;
  // An unknown status is one SageMaker added later: treat it as still running.
  return 'InProgress';
}

/** What Processing and Training descriptions have in common, as a JobDescription. */
function described(job: {
  name: string; status: string | undefined; environment: Record<string, string> | undefined; kind: JobKind;
  started: Date | undefined; ended: Date | undefined; failure: [string | undefined, (string | undefined)?];
}): JobDescription {
  const status = statusOf(job.status);
  return {
    name: job.name,
    kind: job.kind,
    ...subject(job.environment),
    ...(job.environment?.[userVariable] ? { user: job.environment[userVariable] } : {}),
    status,
    progress: status === 'Completed' ? 1 : 0,
    starts: 1,
    startedAt: iso(job.started),
    ...(terminal.has(status) ? { endedAt: iso(job.ended) } : {}),
    ...reason(status, ...job.failure),
  };
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
