// What the API asks of Temporal about one video: start it, signal its upload, read its status.
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { videoWorkflowId } from '../common/ids';
import type { GpuJobHeartbeat } from '../activities/gpu/run-gpu-job';
import {
  progressQuery, searchAttributes, stageNames, uploadCompletedSignal,
  type Progress, type UploadCompleted, type VideoCommentaryInput, type VideoManifest,
} from '../workflows/definitions';
import type { videoCommentary } from '../workflows/video-commentary';

export type RequestStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

export interface VideoStatus extends Progress {
  status: RequestStatus;
  workflowId: string;
  startedAt?: string;
  closedAt?: string;
  result?: VideoManifest;
}

const emptyStages = () =>
  Object.fromEntries(stageNames.map((s) => [s, { state: 'pending', progress: 0 }])) as Progress['stages'];

export class VideosService {
  constructor(private readonly client: Client, private readonly taskQueue: string) {}

  private handle(videoId: string): WorkflowHandle<typeof videoCommentary> {
    return this.client.workflow.getHandle(videoWorkflowId(videoId));
  }

  async start(input: VideoCommentaryInput, memo: Record<string, unknown>): Promise<string> {
    const workflowId = videoWorkflowId(input.videoId);
    await this.client.workflow.start<typeof videoCommentary>('videoCommentary', {
      taskQueue: this.taskQueue,
      workflowId,
      args: [input],
      memo,
      typedSearchAttributes: [
        { key: searchAttributes.userId, value: input.userId },
        { key: searchAttributes.stage, value: 'uploading' },
      ],
    });
    return workflowId;
  }

  async uploadCompleted(videoId: string, upload: UploadCompleted): Promise<void> {
    await this.handle(videoId).signal(uploadCompletedSignal, upload);
  }

  async abandon(videoId: string, reason: string): Promise<void> {
    await this.handle(videoId).terminate(reason).catch(() => undefined);
  }

  /** The video's status, or undefined when it does not exist or belongs to someone else. */
  async status(videoId: string, userId: string): Promise<VideoStatus | undefined> {
    const handle = this.handle(videoId);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
    if (description.typedSearchAttributes.get(searchAttributes.userId) !== userId) return undefined;
    const status = description.status.name.toLowerCase() as RequestStatus;
    // A request terminated before its first workflow task has no state to query.
    const progress = await handle.query(progressQuery).catch((): Progress => ({
      videoId, userId, stage: status === 'running' ? 'uploading' : 'failed', stages: emptyStages(),
      error: status === 'running' ? undefined : `the request was ${status}`,
    }));
    for (const activity of description.raw.pendingActivities ?? []) {
      const payload = activity.heartbeatDetails?.payloads?.[0];
      if (!payload) continue;
      const beat = defaultPayloadConverter.fromPayload<GpuJobHeartbeat>(payload);
      const stage = progress.stages[progress.stage as keyof Progress['stages']];
      if (stage && typeof beat.progress === 'number') stage.progress = beat.progress;
    }
    return {
      ...progress,
      status,
      workflowId: description.workflowId,
      startedAt: description.startTime.toISOString(),
      closedAt: description.closeTime?.toISOString(),
      result: status === 'completed' ? await handle.result() : undefined,
    };
  }
}
