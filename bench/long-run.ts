// One video through a local stack as a user sends it: a raw upload, then the status polled until
// the request ends; when the first commentary line became visible (a segment's lines in the status,
// or the commentary endpoint answering with lines), and the stitched tracks and events fetched
// through the status' file links.
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VideoStatus } from '../client/videos-service';
import type { LocalStack } from '../test/helpers/stack';

export interface Processed {
  videoId: string;
  /** From the start of the upload. */
  wallSeconds: number;
  uploadSeconds: number;
  firstLineSeconds: number;
  segments: number;
  status: VideoStatus & { files: Record<string, string> };
  /** The 1-minute load average when the upload started and when the request ended. */
  load: string;
}

const seconds = (since: number): number => Math.round((performance.now() - since) / 100) / 10;
const load1 = (): string => loadavg()[0]!.toFixed(2);

/** Lines the commentary endpoint answers with now (partial while segments run), or 0. */
async function commentaryLines(stack: LocalStack, videoId: string, user: string): Promise<number> {
  const res = await stack.api(`/v1/videos/${videoId}/commentary`, user).catch(() => undefined);
  if (!res?.ok) {
    await res?.body?.cancel();
    return 0;
  }
  const body = (await res.json()) as { lines?: unknown[] };
  return body.lines?.length ?? 0;
}

const segmentLines = (s: VideoStatus): boolean => (s.segments ?? []).some((seg) => (seg.lines ?? 0) > 0 || seg.commentaryKey !== undefined);

/** Uploads `file` as `user` and follows it to its end; fails unless it completes. */
export async function processVideo(stack: LocalStack, file: string, user: string, timeoutMs: number): Promise<Processed> {
  const load = load1();
  const started = performance.now();
  const videoId = await stack.upload(file, user);
  const uploadSeconds = seconds(started);
  let firstLineSeconds: number | undefined;
  let ended = false;
  const lineSeen = (): void => void (firstLineSeconds ??= seconds(started));
  const watchEndpoint = (async () => {
    while (!ended && firstLineSeconds === undefined) {
      if ((await commentaryLines(stack, videoId, user)) > 0) lineSeen();
      await sleep(500);
    }
  })();
  const last = await stack.waitFor(videoId, user, (s) => {
    if (segmentLines(s)) lineSeen();
    return s.status !== 'running';
  }, timeoutMs);
  const wallSeconds = seconds(started);
  ended = true;
  await watchEndpoint;
  if (last.status !== 'completed') throw new Error(`${videoId} ended ${last.status} at ${last.stage}: ${last.error ?? 'no error given'}`);
  if (firstLineSeconds === undefined && (await commentaryLines(stack, videoId, user)) > 0) lineSeen();
  return {
    videoId, wallSeconds, uploadSeconds, firstLineSeconds: firstLineSeconds ?? Number.NaN, segments: Math.max(1, last.segments?.length ?? 0),
    status: last as Processed['status'], load: `${load} -> ${load1()}`,
  };
}

/** Downloads the run's `name` (tracks.txt, actions.json) through its file link into `dir`. */
export async function download(stack: LocalStack, processed: Processed, name: string, dir: string, as: string): Promise<string> {
  const link = processed.status.files[name];
  if (!link) throw new Error(`${processed.videoId} has no ${name}: ${Object.keys(processed.status.files).join(', ')}`);
  const res = await fetch(new URL(link, stack.apiUrl));
  if (!res.ok) throw new Error(`${name} of ${processed.videoId} answered ${res.status}`);
  const path = join(dir, as);
  await writeFile(path, Buffer.from(await res.arrayBuffer()));
  return path;
}
