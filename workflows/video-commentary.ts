// One workflow per uploaded video: wait for the upload, ingest it, track the players, recognise
// their actions, write the commentary, deliver a manifest. Every stage is visible as BingStage
// and in the workflow's current details; a rerun starts from the stored upload.
import {
  ActivityCancellationType, ApplicationFailure, CancellationScope, condition, isCancellation, log, proxyActivities,
  setCurrentDetails, setHandler, setWorkflowOptions, upsertSearchAttributes, workflowInfo, type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { GpuJobRequest } from '../contracts/gpu-jobs';
import {
  gpuTaskQueue, incomingKey, progressQuery, resultsPrefix, searchAttributes, stageNames, uploadCompletedSignal, uploadFailedSignal,
  type IngestedSource, type Progress, type Stage, type StageName, type StageProgress, type UploadCompleted,
  type VideoCommentaryInput, type VideoManifest,
} from '../contracts/video-commentary';
import { initCallback, startCallback } from './completion-callback';
import { reasonOf } from './failure-reason';
import { requestCompleted, requestFailed, requestStarted, stageDone } from './metrics';

const retry = { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: ['BadInput'] };

const { ingestUpload, deliver, discardVideo, currentModels } = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', retry });

/** Commentary may wait on a language model; speech renders audio: both heartbeat. */
const { writeCommentary } = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '5 minutes', retry });
const { speakCommentary } = proxyActivities<Activities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '1 minute', retry });

const gpuJobOptions = (): ActivityOptions => ({
  taskQueue: gpuTaskQueue(workflowInfo().taskQueue),
  // The request ends only after its job has stopped, so that nothing keeps running unpaid-for.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', maximumInterval: '2 minutes', nonRetryableErrorTypes: ['BadInput', 'JobFailed'] },
});

/** A GPU job, named in the Web UI by its step and the job it runs. */
function runGpuJob(request: GpuJobRequest) {
  const options = gpuJobOptions();
  const jobName = `${workflowInfo().workflowId}-${request.step}-${request.run}`;
  return proxyActivities<Activities>(options).runGpuJob.executeWithOptions(
    { ...options, summary: `${request.kind} job ${jobName}` }, [request]);
}

// A request runs to its end on the worker version that started it: a deploy never replays it on other code.
setWorkflowOptions({ versioningBehavior: 'PINNED' }, videoCommentary);

export async function videoCommentary(input: VideoCommentaryInput): Promise<VideoManifest> {
  const { videoId, userId } = input;
  const run = input.run ?? 1;
  const stages = Object.fromEntries(stageNames.map((s) => [s, { state: 'pending', progress: 0 }])) as Record<StageName, StageProgress>;
  const progress: Progress = { videoId, userId, run, stage: 'uploading', stages };
  initCallback(input, progress);
  const prefix = resultsPrefix(videoId, run);
  let upload: UploadCompleted | undefined;
  let uploadFailure: string | undefined;

  setHandler(progressQuery, () => progress);
  setHandler(uploadCompletedSignal, (u) => {
    upload ??= u;
  });
  setHandler(uploadFailedSignal, (reason) => {
    uploadFailure ??= reason;
  });

  const enter = (stage: Stage) => {
    progress.stage = stage;
    upsertSearchAttributes([{ key: searchAttributes.stage, value: stage }]);
    setCurrentDetails(`**${stage}**${progress.error ? `: ${progress.error}` : ''}\n\n${stageNames.map((s) => `${s}: ${stages[s].state}`).join(' · ')}`);
  };

  async function stage<T>(name: StageName, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    Object.assign(stages[name], { state: 'running', startedAt: new Date(started).toISOString() });
    enter(name);
    const result = await work();
    Object.assign(stages[name], { state: 'done', progress: 1, endedAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000 });
    stageDone(name, (Date.now() - started) / 1000);
    return result;
  }

  const skip = (name: StageName) => Object.assign(stages[name], { state: 'done', progress: 1, seconds: 0 });

  upsertSearchAttributes([{ key: searchAttributes.userId, value: userId }, { key: searchAttributes.videoId, value: videoId }]);
  requestStarted();
  try {
    const models = await currentModels();
    progress.models = { mot: models.mot.version, action: models.action.version };
    upsertSearchAttributes([{ key: searchAttributes.modelVersions, value: Object.entries(progress.models).map(([k, v]) => `${k}:${v}`) }]);
    const modelInput = (kind: keyof typeof models): Record<string, string> => (models[kind].key ? { model: models[kind].key } : {});
    let source: IngestedSource;
    if (input.source) {
      source = input.source;
      skip('uploading');
      skip('ingest');
    } else {
      const uploaded = await stage('uploading', async () => {
        if (!(await condition(() => upload !== undefined || uploadFailure !== undefined, input.uploadTimeout))) {
          throw ApplicationFailure.nonRetryable(`the upload did not finish within ${input.uploadTimeout}`, 'UploadTimeout');
        }
        if (!upload) throw ApplicationFailure.nonRetryable(uploadFailure, 'UploadFailed');
        return upload;
      });
      source = await stage('ingest', () => ingestUpload({ videoId, userId, upload: uploaded }));
    }
    progress.source = source;
    upsertSearchAttributes([{ key: searchAttributes.videoSeconds, value: source.facts.durationSeconds }]);
    const mot = await stage('mot', () => runGpuJob({
      kind: 'mot', step: 'mot', run, subject: videoId, inputs: { video: source.key, ...modelInput('mot') }, outputs: { tracks: prefix },
    }));
    const tracksKey = requireOutput(mot.outputs, `${prefix}tracks.json`);
    const action = await stage('action', () => runGpuJob({
      kind: 'action', step: 'action', run, subject: videoId, inputs: { tracks: tracksKey, ...modelInput('action') }, outputs: { actions: prefix },
    }));
    const actionsKey = requireOutput(action.outputs, `${prefix}actions.json`);
    const commentary = await stage('commentary', () => writeCommentary({
      videoId, actionsKey, tracksKey, resultsPrefix: prefix, language: input.language,
      style: input.style, teamNames: input.teamNames, roster: input.roster,
    }));
    const speech = await stage('speech', () => speakCommentary({
      sourceKey: source.key, commentaryKey: commentary.commentaryKey, resultsPrefix: prefix, language: input.language,
    }));
    const manifest: VideoManifest = {
      videoId, userId, run, source, models: progress.models,
      results: {
        tracks: tracksKey, tracksTxt: `${prefix}tracks.txt`, actions: actionsKey,
        commentary: commentary.commentaryKey, commentaryVtt: commentary.vttKey, commentarySrt: commentary.srtKey,
        commentaryAudio: speech.audioKey, commentatedVideo: speech.videoKey,
      },
      summary: { tracks: commentary.tracks, events: commentary.events, lines: commentary.lines, language: input.language },
      stageSeconds: stageSeconds(stages),
    };
    progress.manifestKey = await stage('deliver', () => deliver({ manifest, key: `${prefix}manifest.json` }));
    enter('done');
    requestCompleted();
    await startCallback(input, progress, { status: 'completed', manifest });
    return { ...manifest, stageSeconds: stageSeconds(stages) };
  } catch (err) {
    const current = progress.stage as StageName;
    const cancelled = isCancellation(err);
    requestFailed(current, err);
    if (stages[current]) stages[current].state = cancelled ? 'cancelled' : 'failed';
    progress.error = cancelled ? 'cancelled' : reasonOf(err);
    log.warn('video request ended early', { videoId, run, stage: current, error: progress.error });
    await CancellationScope.nonCancellable(() => discardVideo({ uploadKey: incomingKey(videoId), resultsPrefix: prefix }));
    enter(cancelled ? 'cancelled' : 'failed');
    await startCallback(input, progress, { status: cancelled ? 'cancelled' : 'failed', stage: current });
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
