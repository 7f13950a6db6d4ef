// Uploads cut by a crash. A body streaming into local storage (POST /v1/videos, a form, POST
// /request) is written to a temporary file named for its key, renamed to incoming/{videoId} once
// whole, and then the request's workflow is signalled. When the API process dies mid-body, the file
// stays half-written and the request waits at `uploading` for a signal no one will send, until
// BING_UPLOAD_TIMEOUT (24 h). Every API process sweeps them at start and then periodically.
//
// Whose upload is dead, when several API processes share the storage: a live process writes each
// chunk to the file as it arrives and cuts a body that sends nothing for BING_UPLOAD_IDLE_TIMEOUT,
// removing the file. So an upload none of whose files (the temporary one, or the stored object
// that the signal did not follow) has been written for `staleAfterMs` (twice the idle timeout) has
// no live owner; nor has a request at `uploading` older than that with no such file. tus uploads
// are not swept (a tus client resumes after a crash; tus expires them after BING_UPLOAD_TIMEOUT),
// nor direct S3 uploads (the client writes to the bucket).
import { rm, stat } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { StorageWith } from '../activities/storage/storage';
import { incomingKey, progressQuery, searchAttributes } from '../contracts/video-commentary';
import { resumableUpload, type VideosService } from '../client/videos-service';

export interface UploadSweepOptions {
  client: Client;
  videos: VideosService;
  storage: StorageWith<'unfinishedWrites' | 'localPath'>;
  /** An upload whose files no one has written for this long has no live API process behind it. */
  staleAfterMs: number;
  logger: Logger;
}

export const cutUploadReason = 'the upload broke off: the API process receiving it stopped before the last byte; upload the video again';

const incomingPrefix = incomingKey('');

/** Removes the files of dead uploads and ends their requests; returns the video ids it ended. */
export async function sweepCutUploads({ client, videos, storage, staleAfterMs, logger }: UploadSweepOptions): Promise<string[]> {
  const now = Date.now();
  const alive = (modifiedMs: number) => now - modifiedMs < staleAfterMs;
  const writes = (await storage.unfinishedWrites()).filter((w) => w.key?.startsWith(incomingPrefix));
  await Promise.all(writes.filter((w) => !alive(w.modifiedMs)).map((w) => rm(w.path, { force: true })));
  const liveKeys = new Set(writes.filter((w) => alive(w.modifiedMs)).map((w) => w.key));

  const ended: string[] = [];
  const query = `WorkflowType = 'videoCommentary' AND ExecutionStatus = 'Running' AND BingStage = 'uploading'`;
  for await (const request of client.workflow.list({ query })) {
    if (resumableUpload(request.memo) || alive(request.startTime.getTime())) continue;
    const videoId = request.typedSearchAttributes.get(searchAttributes.videoId) ?? request.workflowId.replace(/^video-/, '');
    const key = incomingKey(videoId);
    if (liveKeys.has(key)) continue;
    const stored = await stat(storage.localPath(key)).catch(() => undefined);
    if (stored && alive(stored.mtimeMs)) continue;
    // The search attribute may lag: ask the workflow itself whether it still waits for its upload.
    const progress = await client.workflow.getHandle(request.workflowId).query(progressQuery).catch(() => undefined);
    if (progress?.stage !== 'uploading') continue;
    await storage.delete(key);
    await videos.uploadFailed(videoId, cutUploadReason, request.runId);
    ended.push(videoId);
  }
  if (ended.length) logger.warn({ videoIds: ended }, `ended ${ended.length} request(s) whose upload broke off when an API process stopped`);
  return ended;
}

/** Sweeps now and every `staleAfterMs`, until stopped. */
export function startUploadSweep(options: UploadSweepOptions): { stop: () => void } {
  const sweep = () => sweepCutUploads(options).catch((err: unknown) => options.logger.warn({ err }, 'upload sweep failed; it runs again'));
  void sweep();
  const timer = setInterval(() => void sweep(), options.staleAfterMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
