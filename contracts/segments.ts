// A long video is processed as overlapping segments: each has its own MOT job, its tracks are
// stitched to the previous segment's through the overlap, and each event, commentary line and
// stitched box belongs to exactly one segment, the one whose core holds it. Frames here are
// 0-based indices into the stored video; artifacts (tracks, events) keep their own 1-based frames.

export interface SegmentSettings {
  /** A video longer than this is processed in segments of this length (BING_SEGMENT_SECONDS). */
  seconds: number;
  /** Segment MOT jobs of one request running at once (BING_MAX_PARALLEL_SEGMENTS). */
  maxParallel: number;
  /** How much each segment reaches into the next one's time, for stitching. */
  overlapSeconds: number;
}

export const defaultOverlapSeconds = 4;

export interface Segment {
  index: number;
  /** The frames the segment's jobs read: [firstFrame, endFrame). */
  firstFrame: number;
  endFrame: number;
  /** The frames whose boxes, events and lines this segment owns: [coreFirstFrame, coreEndFrame). */
  coreFirstFrame: number;
  coreEndFrame: number;
}

/**
 * The segments of a video of `frames` frames at `fps`: one segment (the whole video) when it is no
 * longer than `settings.seconds`. Segment k starts at k·length and reaches `overlap` frames into
 * segment k+1; the boundary between their cores is the middle of that overlap. The last segment
 * takes the remainder, so none is shorter than the overlap.
 */
export function planSegments(frames: number, fps: number, settings: SegmentSettings): Segment[] {
  const length = Math.max(1, Math.round(settings.seconds * fps));
  const overlap = Math.min(Math.round(settings.overlapSeconds * fps), Math.floor(length / 2));
  const count = frames <= length ? 1 : Math.max(1, Math.ceil((frames - overlap) / length));
  const boundary = (k: number) => k * length + Math.floor(overlap / 2);
  return Array.from({ length: count }, (_, k) => {
    const last = k === count - 1;
    return {
      index: k,
      firstFrame: k * length,
      endFrame: last ? frames : Math.min(frames, (k + 1) * length + overlap),
      coreFirstFrame: k === 0 ? 0 : boundary(k),
      coreEndFrame: last ? frames : boundary(k + 1),
    };
  });
}

/** The frames of a video whose ingest measured `durationSeconds` at `fps`. */
export const frameCount = (durationSeconds: number, fps: number): number => Math.max(1, Math.round(durationSeconds * fps));

/** Where segment `index`'s artifacts go under a run's results prefix. */
export const segmentPrefix = (resultsPrefix: string, index: number): string => `${resultsPrefix}segments/${index}/`;

/** An event's id in the whole video's actions.json: each segment's action job numbers its own events. */
export const segmentEventId = (segment: number, id: string): string => `s${segment}-${id}`;

/** The workflow step of a segment's GPU job, part of its job name: video-{id}-mot-s3-1. */
export const segmentStep = (kind: 'mot' | 'action', index: number): string => `${kind}-s${index}`;

/** Which segment a MOT job's name says it tracks, for a job of a segment. */
export function motSegmentOfJob(jobName: string): number | undefined {
  const match = /-mot-s(\d+)-\d+$/.exec(jobName);
  return match ? Number(match[1]) : undefined;
}

/** The environment that tells a MOT job to read only its segment's frames of the stored video. */
export const segmentEnvironment = (segment: Segment): Record<string, string> => ({
  BING_FIRST_FRAME: String(segment.firstFrame),
  BING_END_FRAME: String(segment.endFrame),
});

export type SegmentState = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

/** One segment as the status shows it. */
export interface SegmentProgress {
  index: number;
  startSeconds: number;
  endSeconds: number;
  mot: SegmentState;
  /** 0..1, from the MOT job's heartbeats. */
  motProgress: number;
  action: SegmentState;
  commentary: SegmentState;
  /** Once its commentary exists: where it is, and how many lines it holds. */
  commentaryKey?: string;
  lines?: number;
}
