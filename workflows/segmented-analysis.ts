// A long video's analysis in segments: each segment's MOT job, the stitching of its tracks to the
// previous segment's, its action job and its commentary, segments in parallel up to the request's
// limit; then one set of results, the same files an unsegmented run writes. One failure cancels
// the rest, and the analysis ends only once every job it started has stopped.
import { CancellationScope, isCancellation } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { segmentEnvironment, segmentPrefix, segmentStep, type Segment, type SegmentProgress, type SegmentState } from '../contracts/segments';
import type { IngestedSource, VideoCommentaryInput } from '../contracts/video-commentary';
import { assembleSegments, requireOutput, runGpuJob, speakLines, stitchSegment, writeCommentary } from './activities';

type StitchResult = Awaited<ReturnType<Activities['stitchSegment']>>;
export type Analysis = Awaited<ReturnType<Activities['assembleSegments']>>;

export interface SegmentedRequest {
  input: VideoCommentaryInput;
  run: number;
  resultsPrefix: string;
  source: IngestedSource;
  segments: Segment[];
  maxParallel: number;
  /** The model each job kind runs, as job inputs ({model: key} or nothing for the built-in one). */
  modelInputs: Record<'mot' | 'action', Record<string, string>>;
  /** Every segment's state, changed in place as segments progress. */
  progress: SegmentProgress[];
  /** Called after each change of `progress`. */
  changed: () => void;
}

/** Where each segment's lines are spoken as it completes, for the final speech track to place. */
export const voicePrefix = (resultsPrefix: string): string => `${resultsPrefix}voice/`;

export const segmentProgress = (segments: Segment[], fps: number): SegmentProgress[] =>
  segments.map((s) => ({
    index: s.index, startSeconds: s.firstFrame / fps, endSeconds: s.endFrame / fps,
    mot: 'pending', motProgress: 0, action: 'pending', commentary: 'pending',
  }));

export async function analyseInSegments(request: SegmentedRequest): Promise<Analysis> {
  const { input, run, resultsPrefix, source, segments } = request;
  const { videoId, userId } = input;
  const fps = source.facts.fps;
  const withPermit = semaphore(request.maxParallel);
  const mark = (k: number, step: 'mot' | 'action' | 'commentary', state: SegmentState) => {
    const segment = request.progress[k]!;
    segment[step] = state;
    if (step === 'mot' && state === 'done') segment.motProgress = 1;
    request.changed();
  };

  /** A GPU step of one segment, marked in its progress; a failure marks it and is rethrown. */
  async function step<T>(k: number, name: 'mot' | 'action' | 'commentary', work: () => Promise<T>): Promise<T> {
    mark(k, name, 'running');
    try {
      const result = await work();
      mark(k, name, 'done');
      return result;
    } catch (err) {
      mark(k, name, isCancellation(err) ? 'cancelled' : 'failed');
      throw err;
    }
  }

  /** MOT, stitching and the action job hold one of the request's permits, so a segment's actions come before the next segment's MOT. */
  const analyseSegment = (segment: Segment, previous: Promise<StitchResult | undefined>, stitched: (result: StitchResult) => void) =>
    withPermit(async () => {
      const k = segment.index;
      const prefix = segmentPrefix(resultsPrefix, k);
      const mot = await step(k, 'mot', () => runGpuJob({
        kind: 'mot', step: segmentStep('mot', k), run, subject: videoId, user: userId, environment: segmentEnvironment(segment),
        inputs: { video: source.key, ...request.modelInputs.mot }, outputs: { tracks: `${prefix}mot/` },
      }, true));
      const before = await previous;
      const stitch = await stitchSegment({
        segment, previous: segments[k - 1], rawTracksKey: requireOutput(mot.outputs, `${prefix}mot/tracks.json`),
        previousTracksKey: before?.tracksKey, tracksKey: `${prefix}tracks.json`, nextId: before?.nextId ?? 1,
      });
      stitched(stitch);
      const action = await step(k, 'action', () => runGpuJob({
        kind: 'action', step: segmentStep('action', k), run, subject: videoId, user: userId,
        inputs: { tracks: stitch.tracksKey, ...request.modelInputs.action }, outputs: { actions: prefix },
      }, false));
      return { prefix, tracksKey: stitch.tracksKey, actionsKey: requireOutput(action.outputs, `${prefix}actions.json`) };
    });

  const commentOn = (segment: Segment, files: { prefix: string; tracksKey: string; actionsKey: string }) =>
    step(segment.index, 'commentary', async () => {
      const commentary = await writeCommentary({
        videoId, actionsKey: files.actionsKey, tracksKey: files.tracksKey, resultsPrefix: files.prefix,
        language: input.language, style: input.style, teamNames: input.teamNames, roster: input.roster,
        window: { from: segment.coreFirstFrame / fps, to: segment.coreEndFrame / fps },
      });
      Object.assign(request.progress[segment.index]!, { commentaryKey: commentary.commentaryKey, lines: commentary.lines });
      return commentary.commentaryKey;
    }).then((commentaryKey) => speakLines({ commentaryKey, language: input.language, voicePrefix: voicePrefix(resultsPrefix) }));

  const scope = new CancellationScope();
  await scope.run(async () => {
    let previous: Promise<StitchResult | undefined> = Promise.resolve(undefined);
    const work = segments.map((segment) => {
      const after = previous;
      let stitched!: (result: StitchResult) => void;
      let notStitched!: (err: unknown) => void;
      previous = new Promise<StitchResult>((resolve, reject) => {
        stitched = resolve;
        notStitched = reject;
      });
      // The next segment reports this failure through its own await; the segment itself reports it here.
      previous.catch(() => undefined);
      return analyseSegment(segment, after, stitched)
        .catch((err: unknown) => {
          notStitched(err);
          throw err;
        })
        .then((files) => commentOn(segment, files));
    });
    try {
      await Promise.all(work);
    } catch (err) {
      scope.cancel();
      await Promise.allSettled(work);
      throw err;
    }
  });
  return assembleSegments({ resultsPrefix, segments, videoId });
}

/** Runs at most `permits` functions at once, the others in the order they asked. */
function semaphore(permits: number) {
  let free = permits;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}
