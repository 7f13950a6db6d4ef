// What an upload must pass before its request starts, on every door: the user's uploads in
// progress (429) and, on local storage, the free space it needs (507).
import type { Storage } from '../activities/storage/storage';
import { loadConfig, type Config } from '../common/config';
import { durationMs } from '../common/duration';
import { HttpProblem } from './problem';
import type { VideosService } from '../client/videos-service';

export interface UploadLimits {
  /** A body that sends nothing for this long is cut with 408 (BING_UPLOAD_IDLE_TIMEOUT). */
  idleTimeoutMs: number;
  /** A request whose upload is not finished by then fails (BING_UPLOAD_TIMEOUT). */
  uploadTimeoutMs: number;
  /** Uploads one user may have in progress at once (BING_MAX_UPLOADS_PER_USER). */
  perUser: number;
  /** Bytes local storage keeps free (BING_STORAGE_RESERVE_BYTES). */
  reserveBytes: number;
}

export const uploadLimits = (config: Config): UploadLimits => ({
  idleTimeoutMs: durationMs(config.BING_UPLOAD_IDLE_TIMEOUT),
  uploadTimeoutMs: durationMs(config.BING_UPLOAD_TIMEOUT),
  perUser: config.BING_MAX_UPLOADS_PER_USER,
  reserveBytes: config.BING_STORAGE_RESERVE_BYTES,
});

/** The limits of an unset configuration. */
export const defaultUploadLimits = uploadLimits(loadConfig({}));

/**
 * Refuses an upload before it starts. `bytes`: what it will write to storage, when known (a
 * declared length); unknown, storage must still have its reserve free.
 */
export async function admitUpload(
  { videos, storage, limits }: { videos: VideosService; storage: Storage; limits: UploadLimits },
  userId: string,
  bytes?: number,
): Promise<void> {
  const uploads = await videos.uploadsInProgress(userId);
  if (uploads.length >= limits.perUser) {
    // When a place frees by itself: a body streamed to the API that stalls is cut within the idle
    // timeout; a tus or S3 upload, which its client may pause, only fails at the upload timeout.
    const now = Date.now();
    const freedInMs = Math.min(...uploads.map((u) => (u.resumable ? u.startedMs + limits.uploadTimeoutMs - now : limits.idleTimeoutMs)));
    throw new HttpProblem(429, 'Too many uploads',
      `you have ${uploads.length} uploads in progress, the most one user may have at once; finish one, or end one (DELETE /v1/uploads/{id} for a tus upload, POST /v1/videos/{id}/cancel for any), then try again`,
      { 'Retry-After': String(Math.max(1, Math.ceil(freedInMs / 1000))) });
  }
  if (!storage.freeBytes) return;
  const free = await storage.freeBytes();
  const needed = (bytes ?? 0) + limits.reserveBytes;
  if (free < needed) {
    throw new HttpProblem(507, 'Insufficient storage', bytes === undefined
      ? `the server's storage has ${free} bytes free, under the ${limits.reserveBytes} it keeps in reserve; try again later`
      : `the upload needs ${bytes} bytes and the server's storage has ${free} free, ${limits.reserveBytes} of which it keeps in reserve; try again later`);
  }
}
