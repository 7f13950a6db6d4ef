// A long video's commentary while its request runs: the lines of the segments whose commentary
// exists, read from each segment's commentary.json, in the time order of the whole video.
import type { Response } from 'express';
import type { Commentary, CommentaryLine } from '../activities/commentary/actions';
import { toSrt, toWebVtt } from '../activities/commentary/subtitles';
import { ObjectNotFound, readJson, type Storage } from '../activities/storage/storage';
import type { VideoStatus } from '../client/videos-service';
import { segmentEventId, type SegmentProgress } from '../contracts/segments';
import { HttpProblem } from './problem';

type CommentedSegment = SegmentProgress & { commentaryKey: string };

/** The segments whose commentary file exists, in order. */
export const commentedSegments = (status: Pick<VideoStatus, 'segments'>): CommentedSegment[] =>
  (status.segments ?? []).filter((s): s is CommentedSegment => s.commentaryKey !== undefined);

const byTime = (a: CommentaryLine, b: CommentaryLine) => a.start - b.start || a.end - b.end;

/** The commentary so far, as GET /v1/videos/{id}/commentary answers it while the request runs. */
export interface PartialCommentary extends Omit<Commentary, 'usage'> {
  partial: true;
  /** How many segments the lines cover (`indexes`: which ones) of how many the video has. */
  segments: { done: number; total: number; indexes: number[] };
}

async function segmentCommentary(storage: Storage, segment: CommentedSegment): Promise<Commentary> {
  try {
    const commentary = (await readJson(storage, segment.commentaryKey)) as Commentary;
    // The ids the whole video's actions.json gives the segment's events.
    const lines = commentary.lines.map((line) => ({ ...line, eventIds: line.eventIds.map((id) => segmentEventId(segment.index, id)) }));
    return { ...commentary, lines };
  } catch (err) {
    if (err instanceof ObjectNotFound) throw new HttpProblem(404, 'Not found', `the commentary of segment ${segment.index} is no longer stored`);
    throw err;
  }
}

/** The lines of the segments commented so far; undefined before the first segment's commentary exists. */
export async function partialCommentary(storage: Storage, status: Pick<VideoStatus, 'segments'>): Promise<PartialCommentary | undefined> {
  const done = commentedSegments(status);
  const [first, ...rest] = await Promise.all(done.map((segment) => segmentCommentary(storage, segment)));
  if (!first) return undefined;
  const lines = [first, ...rest].flatMap((c) => c.lines).sort(byTime);
  return {
    language: first.language, model: first.model, lines, text: lines.map((l) => l.text).join(' '),
    partial: true, segments: { done: done.length, total: status.segments?.length ?? 0, indexes: done.map((s) => s.index) },
  };
}

/** Answers with the commentary so far as JSON, WebVTT or SRT; never cached, as the next answer has more. */
export function sendPartialCommentary(res: Response, commentary: PartialCommentary, format: 'json' | 'vtt' | 'srt'): void {
  const { done, total } = commentary.segments;
  res.set({ 'cache-control': 'no-store', 'x-bing-commentary-segments': `${done}/${total}` });
  if (format === 'json') res.json(commentary);
  else if (format === 'vtt') res.type('text/vtt; charset=utf-8').send(toWebVtt(commentary.lines));
  else res.type('application/x-subrip; charset=utf-8').send(toSrt(commentary.lines));
}

/**
 * The `commentary` events of one event stream while the request runs: for each segment whose
 * commentary appeared since the last call, its index, time range and lines. A segment whose file
 * cannot be read now is sent with a later status.
 */
export function commentaryEvents(storage: Storage): (status: Pick<VideoStatus, 'status' | 'segments'>) => Promise<string> {
  const sent = new Set<number>();
  return async (status) => {
    let events = '';
    if (status.status !== 'running') return events;
    for (const segment of commentedSegments(status).filter((s) => !sent.has(s.index))) {
      const commentary = await segmentCommentary(storage, segment).catch(() => undefined);
      if (!commentary) continue;
      sent.add(segment.index);
      const data = { index: segment.index, startSeconds: segment.startSeconds, endSeconds: segment.endSeconds, lines: [...commentary.lines].sort(byTime) };
      events += `event: commentary\ndata: ${JSON.stringify(data)}\n\n`;
    }
    return events;
  };
}
