// One workflow per uploaded video: wait for the upload, ingest it, track the players, recognise
// their actions, write the commentary, deliver a manifest. Every stage is visible as BingStage.
import {
  ActivityFailure, ApplicationFailure, CancellationScope, condition, isCancellation, log, proxyActivities,
  setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  gpuTaskQueue, incomingKey, progressQuery, searchAttributes, stageNames, uploadCompletedSignal,
  type Progress, type Stage, type StageName, type StageProgress, type UploadCompleted, type VideoCommentaryInput, type VideoManifest,
} from './definitions';

const { ingestUpload, writeCommentary, deliver, discardVideo } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: ['BadInput'] },
});

const gpuJobs = () => proxyActivities<Activities>({
  taskQueue: gpuTaskQueue(workflowInfo().taskQueue),
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', maximumInterval: '2 minutes', nonRetryableErrorTypes: ['BadInput', 'JobFailed'] },
});

export async function videoCommentary(input: VideoCommentaryInput): Promise<VideoManifest> {
  const { videoId, userId } = input;
  const { runGpuJob } = gpuJobs();
  const stages = Object.fromEntries(stageNames.map((s) => [s, { state: 'pending', progress: 0 }])) as Record<StageName, StageProgress>;
  const progress: Progress = { videoId, userId, stage: 'uploading', stages };
  let upload: UploadCompleted | undefined;

  setHandler(progressQuery, () => progress);
  setHandler(uploadCompletedSignal, (u) => {
    upload ??= u;
  });

  const enter = (stage: Stage) => {
    progress.stage = stage;
    upsertSearchAttributes([{ key: searchAttributes.stage, value: stage }]);
  };

  async function stage<T>(name: StageName, work: () => Promise<T>): Promise<T> {
    enter(name);
    const started = Date.now();
    Object.assign(stages[name], { state: 'running', startedAt: new Date(started).toISOString() });
    const result = await work();
    Object.assign(stages[name], { state: 'done', progress: 1, endedAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000 });
    return result;
  }

  upsertSearchAttributes([{ key: searchAttributes.userId, value: userId }]);
  try {
    const uploaded = await stage('uploading', async () => {
      if (!(await condition(() => upload !== undefined, input.uploadTimeout))) {
        throw ApplicationFailure.nonRetryable(`the upload did not finish within ${input.uploadTimeout}`, 'UploadTimeout');
      }
      return upload!;
    });
    const source = await stage('ingest', () => ingestUpload({ videoId, userId, upload: uploaded }));
    const resultsPrefix = `results/${videoId}/`;
    const mot = await stage('mot', () => runGpuJob({
      kind: 'mot', step: 'mot', run: 1, subject: videoId,
      inputs: { video: source.key }, outputs: { tracks: resultsPrefix },
    }));
    const tracksKey = requireOutput(mot.outputs, `${resultsPrefix}tracks.json`);
    const action = await stage('action', () => runGpuJob({
      kind: 'action', step: 'action', run: 1, subject: videoId,
      inputs: { tracks: tracksKey }, outputs: { actions: resultsPrefix },
    }));
    const actionsKey = requireOutput(action.outputs, `${resultsPrefix}actions.json`);
    const commentary = await stage('commentary', () =>
      writeCommentary({ videoId, actionsKey, tracksKey, resultsPrefix, language: input.language }));
    const manifest: VideoManifest = {
      videoId, userId,
      source: { key: source.key, size: source.size, sha256: source.sha256, facts: source.facts },
      results: {
        tracks: tracksKey, tracksTxt: `${resultsPrefix}tracks.txt`, actions: actionsKey,
        commentary: commentary.commentaryKey, commentaryVtt: commentary.vttKey,
      },
      summary: { tracks: commentary.tracks, events: commentary.events, lines: commentary.lines, language: input.language },
      stageSeconds: stageSeconds(stages),
    };
    progress.manifestKey = await stage('deliver', () => deliver(manifest));
    enter('done');
    return { ...manifest, stageSeconds: stageSeconds(stages) };
  } catch (err) {
    const current = progress.stage as StageName;
    const cancelled = isCancellation(err);
    if (stages[current]) stages[current].state = cancelled ? 'cancelled' : 'failed';
    progress.error = cancelled ? 'cancelled' : reasonOf(err);
    log.warn('video request ended early', { videoId, stage: current, error: progress.error });
    await CancellationScope.nonCancellable(() => discardVideo({ videoId, uploadKey: incomingKey(videoId) }));
    enter(cancelled ? 'cancelled' : 'failed');
    throw err;
  }
}

const stageSeconds = (stages: Record<StageName, StageProgress>) =>
  Object.fromEntries(stageNames.filter((s) => stages[s].seconds !== undefined).map((s) => [s, stages[s].seconds]));

function requireOutput(outputs: string[], key: string): string {
  if (!outputs.includes(key)) {
    throw ApplicationFailure.nonRetryable(`the job did not write ${key} (it wrote ${outputs.join(', ') || 'nothing'})`, 'MissingOutput');
  }
  return key;
}

/** The innermost failure's message: what the user needs to read. */
function reasonOf(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
