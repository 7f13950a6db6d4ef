// What the API asks of Temporal about videos: start, signal, list, read, cancel and rerun them.
import { ServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, isGrpcServiceError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { status as grpcStatus } from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import { videoWorkflowId } from '../common/ids';
import { uploadedBytes } from './upload-metrics';
import type { GpuJobHeartbeat } from '../contracts/gpu-jobs';
import type { completionCallback } from '../workflows/completion-callback';
import {
  callbackWorkflowId, progressQuery, searchAttributes, stageNames, uploadCompletedSignal, uploadFailedSignal,
  type CallbackProgress, type CallbackRefusal, type CallbackTarget, type Progress, type Stage, type UploadCompleted, type VideoCommentaryInput, type VideoManifest,
} from '../contracts/video-commentary';
import type { videoCommentary } from '../workflows/video-commentary';
import { defaultOverlapSeconds, motSegmentOfJob, type SegmentSettings } from '../contracts/segments';

export type RequestStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out' | 'continued_as_new';

export interface VideoStatus extends Progress {
  status: RequestStatus;
  workflowId: string;
  startedAt?: string;
  closedAt?: string;
  result?: VideoManifest;
}

export interface VideoListing {
  videoId: string;
  workflowId: string;
  status: RequestStatus;
  stage: Stage;
  fileName?: string;
  startedAt?: string;
  closedAt?: string;
}

export class NotRerunnable extends Error {}

/** An upload through a route that resumes after a pause or a crash, or that never passes through the API: its client may send nothing for hours. */
export const resumableUpload = (memo: Record<string, unknown> | undefined): boolean => memo?.via === 'tus' || memo?.via === 's3';

/**
 * Where the request an Idempotency-Key names stands. `received`: its latest run got its bytes (it
 * was signalled its upload, or started on a stored one): the key replays it. `uploading`: its run
 * waits for its upload. `open`: there is no request, or its latest run ended before it got its
 * bytes (refused, cut, stalled, timed out): the key starts a new run of the same workflow id.
 */
export type KeyedRequest = 'received' | 'uploading' | 'open';

/** A delivery still retrying: the attempts refused so far, and the last one's answer. */
function refusedSoFar(activity: temporal.api.workflow.v1.IPendingActivityInfo): Partial<CallbackProgress> {
  const failure = activity.lastFailure;
  const detail = failure?.applicationFailureInfo?.details?.payloads?.[0];
  const refusal = detail ? defaultPayloadConverter.fromPayload<CallbackRefusal>(detail) : undefined;
  return refusal ? { attempts: refusal.attempt, lastStatus: refusal.status, error: failure?.message ?? undefined } : {};
}

const emptyStages = () =>
  Object.fromEntries(stageNames.map((s) => [s, { state: 'pending', progress: 0 }])) as Progress['stages'];

const statusName = (code: number | null | undefined): RequestStatus =>
  (temporal.api.enums.v1.WorkflowExecutionStatus[code ?? 0] ?? 'UNSPECIFIED').replace('WORKFLOW_EXECUTION_STATUS_', '').toLowerCase() as RequestStatus;

const timestamp = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  t?.seconds ? new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString() : undefined;

/** BING_SEGMENT_SECONDS and BING_MAX_PARALLEL_SEGMENTS at their defaults (the latter: BING_GPU_SLOTS, 1). */
export const defaultSegmentSettings: SegmentSettings = { seconds: 120, maxParallel: 1, overlapSeconds: defaultOverlapSeconds };

export class VideosService {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly segments: SegmentSettings = defaultSegmentSettings,
  ) {}

  /** The video's latest run, or the run `runId` when given (signals and ends then never reach a newer run). */
  private handle(videoId: string, runId?: string): WorkflowHandle<typeof videoCommentary> {
    return this.client.workflow.getHandle(videoWorkflowId(videoId), runId);
  }

  /**
   * Starts a video's workflow and returns the run's id. `keyed` (an upload with an Idempotency-Key):
   * a new run only where the last one ended without completing; returns undefined when a run of
   * this id is running or has completed.
   */
  async start(input: VideoCommentaryInput, memo: Record<string, unknown>, keyed = false): Promise<string | undefined> {
    const workflowId = videoWorkflowId(input.videoId);
    try {
      return await this.startWorkflow(workflowId, input, memo, keyed);
    } catch (err) {
      if (keyed && err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
      throw err;
    }
  }

  private async startWorkflow(workflowId: string, input: VideoCommentaryInput, memo: Record<string, unknown>, keyed: boolean): Promise<string> {
    const handle = await this.client.workflow.start<typeof videoCommentary>('videoCommentary', {
      taskQueue: this.taskQueue,
      workflowId,
      workflowIdReusePolicy: keyed ? 'ALLOW_DUPLICATE_FAILED_ONLY' : 'ALLOW_DUPLICATE',
      args: [{ segments: this.segments, ...input }],
      memo,
      staticSummary: `${input.fileName} from ${input.userId}${input.run && input.run > 1 ? `, run ${input.run}` : ''}`,
      staticDetails: `**video** ${input.videoId} · **user** ${input.userId} · **file** ${input.fileName} · **language** ${input.language}`,
      typedSearchAttributes: [
        { key: searchAttributes.userId, value: input.userId },
        { key: searchAttributes.videoId, value: input.videoId },
        { key: searchAttributes.stage, value: input.source ? 'mot' : 'uploading' },
      ],
    });
    return handle.firstExecutionRunId;
  }

  /** Where the request of an Idempotency-Key stands (see KeyedRequest). */
  async keyedRequest(videoId: string): Promise<KeyedRequest> {
    let description;
    try {
      description = await this.handle(videoId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'open';
      throw err;
    }
    if (description.status.name === 'COMPLETED') return 'received';
    const history = await this.handle(videoId, description.runId).fetchHistory();
    for (const event of history.events ?? []) {
      const input = event.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      if (input && defaultPayloadConverter.fromPayload<VideoCommentaryInput>(input).source) return 'received';
      if (event.workflowExecutionSignaledEventAttributes?.signalName === uploadCompletedSignal.name) return 'received';
    }
    return description.status.name === 'RUNNING' ? 'uploading' : 'open';
  }

  /** Waits, `ms` at most, for the video's latest run to end (the wait's calls stop then too). */
  async ended(videoId: string, ms: number): Promise<void> {
    await this.client.withAbortSignal(AbortSignal.timeout(ms), () => this.handle(videoId).result()).catch(() => undefined);
  }

  /** The user's requests that wait for their upload now: when each started, and whether its client may pause it (tus, S3). */
  async uploadsInProgress(userId: string): Promise<{ startedMs: number; resumable: boolean }[]> {
    const query = `WorkflowType = 'videoCommentary' AND ExecutionStatus = 'Running' AND BingUserId = '${userId}' AND BingStage = 'uploading'`;
    const uploads = [];
    for await (const request of this.client.workflow.list({ query })) {
      uploads.push({ startedMs: request.startTime.getTime(), resumable: resumableUpload(request.memo) });
    }
    return uploads;
  }

  /**
   * Hands the finished upload to the workflow. Without a sha256 (an upload that went straight to
   * S3 without one) ingest computes it; the workflow passes the signal to ingest as it is.
   */
  async uploadCompleted(videoId: string, upload: UploadCompleted, runId?: string): Promise<void> {
    await this.handle(videoId, runId).signal(uploadCompletedSignal, upload);
    uploadedBytes.inc(upload.size);
  }

  /** The upload will not come: the request fails with `reason` (the run's status says it), unless it has already ended. */
  async uploadFailed(videoId: string, reason: string, runId?: string): Promise<void> {
    await this.handle(videoId, runId).signal(uploadFailedSignal, reason).catch(() => undefined);
  }

  /** The memo a video's request was started with, when it exists and belongs to the user. */
  async memo(videoId: string, userId: string): Promise<{ running: boolean; memo: Record<string, unknown> } | undefined> {
    const description = await this.owned(videoId, userId);
    return description && { running: description.status.name === 'RUNNING', memo: description.memo ?? {} };
  }

  async abandon(videoId: string, reason: string): Promise<void> {
    await this.handle(videoId).terminate(reason).catch(() => undefined);
  }

  /** The latest run's description, when the video exists and belongs to the user. */
  private async owned(videoId: string, userId: string): Promise<WorkflowExecutionDescription | undefined> {
    try {
      const description = await this.handle(videoId).describe();
      return description.typedSearchAttributes.get(searchAttributes.userId) === userId ? description : undefined;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** The video's status, or undefined when it does not exist or belongs to someone else. */
  async status(videoId: string, userId: string): Promise<VideoStatus | undefined> {
    const description = await this.owned(videoId, userId);
    if (!description) return undefined;
    const handle = this.handle(videoId);
    const status = description.status.name.toLowerCase() as RequestStatus;
    // A request terminated before its first workflow task has no state to query.
    const progress = await handle.query(progressQuery).catch((): Progress => ({
      videoId, userId, run: 1, stage: status === 'running' ? 'uploading' : 'failed', stages: emptyStages(),
      error: status === 'running' ? undefined : `the request was ${status}`,
    }));
    for (const activity of description.raw.pendingActivities ?? []) {
      const payload = activity.heartbeatDetails?.payloads?.[0];
      if (!payload) continue;
      const beat = defaultPayloadConverter.fromPayload<GpuJobHeartbeat>(payload);
      if (typeof beat.progress !== 'number') continue;
      const segment = progress.segments?.[motSegmentOfJob(beat.jobName ?? '') ?? -1];
      const stage = progress.stages[progress.stage as keyof Progress['stages']];
      if (segment) segment.motProgress = beat.progress;
      else if (stage) stage.progress = beat.progress;
    }
    if (progress.segments && progress.stages.mot.state === 'running') {
      progress.stages.mot.progress = progress.segments.reduce((sum, s) => sum + s.motProgress, 0) / progress.segments.length;
    }
    if (progress.callback?.state === 'delivering') progress.callback = await this.callbackDelivery(videoId, description.runId, progress.callback);
    return {
      ...progress,
      status,
      workflowId: description.workflowId,
      startedAt: description.startTime.toISOString(),
      closedAt: description.closeTime?.toISOString(),
      result: status === 'completed' ? await handle.result() : undefined,
    };
  }

  /**
   * A run's completion webhook once the run has started its delivery, which goes on after the run
   * ended: the delivery workflow's outcome, or while it retries, the attempts refused so far.
   */
  private async callbackDelivery(videoId: string, requestRunId: string, started: CallbackProgress): Promise<CallbackProgress> {
    const handle = this.client.workflow.getHandle<typeof completionCallback>(callbackWorkflowId(videoId, requestRunId));
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return started;
      throw err;
    }
    const status = description.status.name;
    if (status === 'COMPLETED') return handle.result();
    if (status !== 'RUNNING') return { ...started, state: 'failed', error: `the delivery was ${status.toLowerCase()}` };
    const activity = description.raw.pendingActivities?.[0];
    return { ...started, ...(activity ? refusedSoFar(activity) : {}) };
  }

  /** The user's videos, newest first, one entry per video (its latest run); the page tokens are Temporal's. */
  async list(userId: string, options: { stage?: Stage; pageSize: number; pageToken?: Uint8Array }): Promise<{ videos: VideoListing[]; nextPageToken?: Uint8Array }> {
    const query = [`WorkflowType = 'videoCommentary'`, `BingUserId = '${userId}'`, ...(options.stage ? [`BingStage = '${options.stage}'`] : [])].join(' AND ');
    const response = await this.client.workflowService.listWorkflowExecutions({
      namespace: this.client.options.namespace,
      query,
      pageSize: options.pageSize,
      nextPageToken: options.pageToken,
    });
    const seen = new Set<string>();
    const videos: VideoListing[] = [];
    for (const execution of response.executions ?? []) {
      const workflowId = execution.execution?.workflowId ?? '';
      if (seen.has(workflowId)) continue;
      seen.add(workflowId);
      const fields = execution.searchAttributes?.indexedFields ?? {};
      const decode = <T>(payload: temporal.api.common.v1.IPayload | null | undefined) => (payload ? defaultPayloadConverter.fromPayload<T>(payload) : undefined);
      videos.push({
        videoId: decode<string>(fields.BingVideoId) ?? workflowId.replace(/^video-/, ''),
        workflowId,
        status: statusName(execution.status),
        stage: decode<Stage>(fields.BingStage) ?? 'uploading',
        fileName: decode<string>(execution.memo?.fields?.fileName),
        startedAt: timestamp(execution.startTime),
        closedAt: timestamp(execution.closeTime),
      });
    }
    return { videos, nextPageToken: response.nextPageToken?.length ? response.nextPageToken : undefined };
  }

  /** Requests cancellation; false when there is no such video of the user's. */
  async cancel(videoId: string, userId: string): Promise<VideoStatus | undefined> {
    const description = await this.owned(videoId, userId);
    if (!description) return undefined;
    if (description.status.name === 'RUNNING') await this.handle(videoId).cancel();
    return this.status(videoId, userId);
  }

  /**
   * A new run of a finished request on its stored upload, with the models current now. Throws
   * NotRerunnable while it runs (or is still ending), when it never stored a video, and when
   * another rerun started first.
   */
  async rerun(videoId: string, userId: string): Promise<{ workflowId: string; run: number } | undefined> {
    const description = await this.owned(videoId, userId);
    if (!description) return undefined;
    if (description.status.name === 'RUNNING') throw new NotRerunnable('the request is still running or ending; cancel it or wait for it to end');
    const previous = await this.handle(videoId).query(progressQuery).catch((err: unknown) => {
      if (err instanceof ServiceError && isGrpcServiceError(err.cause) && err.cause.code === grpcStatus.FAILED_PRECONDITION) {
        // What Temporal answers a query of a run that ended before its first workflow task.
        throw new NotRerunnable('the request ended before it started, so there is nothing to rerun');
      }
      throw err;
    });
    if (!previous.source) throw new NotRerunnable('the request never stored a valid video, so there is nothing to rerun');
    const memo = description.memo ?? {};
    const fileName = typeof memo.fileName === 'string' ? memo.fileName : 'video';
    const language = memo.language === 'ko' ? 'ko' : 'en';
    const style = memo.style === 'summary' ? 'summary' : 'play-by-play';
    const teamNames = (memo.teamNames ?? undefined) as VideoCommentaryInput['teamNames'];
    const callback = memo.callback ? { callback: memo.callback as CallbackTarget } : {};
    const run = previous.run + 1;
    try {
      await this.start({ videoId, userId, fileName, language, style, teamNames, uploadTimeout: '1m', run, source: previous.source, ...callback }, { ...memo, run });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new NotRerunnable('another rerun of the request started first');
      throw err;
    }
    return { workflowId: videoWorkflowId(videoId), run };
  }
}
