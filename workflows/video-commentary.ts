// One workflow per uploaded video: wait for the upload, ingest it, track the players, recognise
// their actions, write the commentary, deliver a manifest. Every stage is visible as BingStage
// and in the workflow's current details; a rerun starts from the stored upload.
import {
  ApplicationFailure, CancellationScope, condition, isCancellation, log, setCurrentDetails, setHandler, setWorkflowOptions, upsertSearchAttributes,
} from '@temporalio/workflow';
import { frameCount, planSegments } from '../contracts/segments';
import {
  incomingKey, progressQuery, resultsPrefix, searchAttributes, stageNames, uploadCompletedSignal, uploadFailedSignal,
  type IngestedSource, type Progress, type Stage, type StageName, type StageProgress, type UploadCompleted,
  type VideoCommentaryInput, type VideoManifest,
} from '../contracts/video-commentary';
import { currentModels, deliver, discardVideo, ingestUpload, requireOutput, runGpuJob, speakCommentary, writeCommentary } from './activities';
import { initCallback, startCallback } from './completion-callback';
import { reasonOf } from './failure-reason';
import { requestCompleted, requestFailed, requestStarted, stageDone } from './metrics';
import { analyseInSegments, segmentProgress, voicePrefix, type Analysis } from './segmented-analysis';

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

  /** The Web UI's current details: the stage, each stage's state, and how far the segments are. */
  const describe = () => {
    const segments = progress.segments;
    const counts = segments
      ? `\n\nsegments: ${segmentStages.map((name) => `${segments.filter((s) => s[name] === 'done').length}/${segments.length} ${name}`).join(' · ')}`
      : '';
    setCurrentDetails(`**${progress.stage}**${progress.error ? `: ${progress.error}` : ''}\n\n${stageNames.map((s) => `${s}: ${stages[s].state}`).join(' · ')}${counts}`);
  };

  const enter = (stage: Stage) => {
    progress.stage = stage;
    upsertSearchAttributes([{ key: searchAttributes.stage, value: stage }]);
    describe();
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

  /** The whole video in one MOT job, one action job and one commentary, each its own stage. */
  async function analyseWhole(source: IngestedSource, modelInput: (kind: 'mot' | 'action') => Record<string, string>): Promise<Analysis> {
    const mot = await stage('mot', () => runGpuJob({
      kind: 'mot', step: 'mot', run, subject: videoId, user: userId, inputs: { video: source.key, ...modelInput('mot') }, outputs: { tracks: prefix },
    }, false));
    const tracksKey = requireOutput(mot.outputs, `${prefix}tracks.json`);
    const action = await stage('action', () => runGpuJob({
      kind: 'action', step: 'action', run, subject: videoId, user: userId, inputs: { tracks: tracksKey, ...modelInput('action') }, outputs: { actions: prefix },
    }, false));
    const actionsKey = requireOutput(action.outputs, `${prefix}actions.json`);
    const commentary = await stage('commentary', () => writeCommentary({
      videoId, actionsKey, tracksKey, resultsPrefix: prefix, language: input.language,
      style: input.style, teamNames: input.teamNames, roster: input.roster,
    }));
    return { ...commentary, tracksKey, tracksTxtKey: `${prefix}tracks.txt`, actionsKey };
  }

  /** In segments, the mot, action and commentary stages run side by side: each is done when every segment's is. */
  function segmentsChanged(): void {
    const segments = progress.segments!;
    for (const name of segmentStages) {
      const done = segments.filter((s) => s[name] === 'done').length;
      const state = stages[name];
      state.progress = done / segments.length;
      if (state.state === 'pending' && segments.some((s) => s[name] !== 'pending')) {
        Object.assign(state, { state: 'running', startedAt: new Date().toISOString() });
      }
      if (done === segments.length && state.state === 'running') {
        const seconds = (Date.now() - Date.parse(state.startedAt!)) / 1000;
        Object.assign(state, { state: 'done', endedAt: new Date().toISOString(), seconds });
        stageDone(name, seconds);
      }
    }
    const current = segmentStages.find((name) => stages[name].state !== 'done') ?? 'commentary';
    if (current !== progress.stage) enter(current);
    else describe();
  }

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
    const segments = input.segments ? planSegments(frameCount(source.facts.durationSeconds, source.facts.fps), source.facts.fps, input.segments) : [];
    const analysis: Analysis = segments.length > 1
      ? await analyseInSegments({
        input, run, resultsPrefix: prefix, source, segments, maxParallel: input.segments!.maxParallel,
        modelInputs: { mot: modelInput('mot'), action: modelInput('action') },
        progress: (progress.segments = segmentProgress(segments, source.facts.fps)), changed: segmentsChanged,
      })
      : await analyseWhole(source, modelInput);
    const speech = await stage('speech', () => speakCommentary({
      sourceKey: source.key, commentaryKey: analysis.commentaryKey, resultsPrefix: prefix, language: input.language,
      ...(segments.length > 1 ? { voicePrefix: voicePrefix(prefix) } : {}),
    }));
    const manifest: VideoManifest = {
      videoId, userId, run, source, models: progress.models,
      results: {
        tracks: analysis.tracksKey, tracksTxt: analysis.tracksTxtKey, actions: analysis.actionsKey,
        commentary: analysis.commentaryKey, commentaryVtt: analysis.vttKey, commentarySrt: analysis.srtKey,
        commentaryAudio: speech.audioKey, commentatedVideo: speech.videoKey,
      },
      summary: { tracks: analysis.tracks, events: analysis.events, lines: analysis.lines, language: input.language },
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

const segmentStages = ['mot', 'action', 'commentary'] as const;

const stageSeconds = (stages: Record<StageName, StageProgress>) =>
  Object.fromEntries(stageNames.filter((s) => stages[s].seconds !== undefined).map((s) => [s, stages[s].seconds]));
