// One long-lived workflow per model kind, `retraining-{kind}`, fed weight files by signal: it drops
// files it has seen, waits for a burst to settle, trains once on the newest file, lets the training
// job score the candidate beside the current model on one held-out set, and promotes the candidate
// only when it wins by the margin. One training at a time; continue-as-new keeps the history short.
import {
  ActivityCancellationType, ApplicationFailure, allHandlersFinished, condition, continueAsNew, isCancellation, log, proxyActivities,
  setCurrentDetails, setHandler, setWorkflowOptions, sleep, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { TrainingMetrics } from '../contracts/registry';
import { gpuTaskQueue } from '../contracts/video-commentary';
import { msToNumber, type Duration } from '@temporalio/common/lib/time';
import { reasonOf } from './failure-reason';
import { retrainingOutcome } from './metrics';
import {
  pauseSignal, recentOutcomes, resumeSignal, retrainingStateQuery, seenKept, weightsArrivedSignal, weightsIdentity,
  type RetrainingInput, type RetrainingOutcome, type RetrainingState, type WeightsArrived,
} from '../contracts/retraining';

const retry = { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: ['BadInput'] };
const { prepareTraining, readTrainingMetrics, recordCandidate } = proxyActivities<Activities>({ startToCloseTimeout: '2 hours', retry });

/** A burst that never settles still trains after this many debounce windows. */
const maxDebounceWindows = 6;
const historyLimit = 2000;

// Long-lived: it moves to each new current version at its next task (its code must replay its own history).
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, retraining);

export async function retraining(input: RetrainingInput): Promise<void> {
  const { kind } = input;
  const carried = input.carried;
  const seen = new Set(carried?.seen ?? []);
  const state: RetrainingState = {
    kind, paused: carried?.paused ?? false, queued: carried?.queued ?? [], recent: carried?.recent ?? [], trainings: carried?.trainings ?? 0,
  };
  let firstArrival = Date.now();
  let lastArrival = Date.now();

  const show = () => setCurrentDetails(
    `**${state.running ? `training version ${state.running.version}` : state.paused ? 'paused' : state.queued.length > 0 ? 'waiting for the burst to settle' : 'idle'}**`
    + `\n\nqueued: ${state.queued.length} · trainings: ${state.trainings}`
    + (state.recent[0] ? ` · last: ${state.recent[0].result} ${state.recent[0].version ?? ''} (${state.recent[0].reason})` : ''),
  );

  setHandler(retrainingStateQuery, () => state);
  setHandler(weightsArrivedSignal, (file) => {
    const identity = weightsIdentity(file);
    if (seen.has(identity)) return;
    seen.add(identity);
    if (state.queued.length === 0) firstArrival = Date.now();
    lastArrival = Date.now();
    state.queued.push(file);
    show();
  });
  setHandler(pauseSignal, () => {
    state.paused = true;
    show();
  });
  setHandler(resumeSignal, () => {
    state.paused = false;
    show();
  });

  const remember = (outcome: RetrainingOutcome) => {
    retrainingOutcome(kind, outcome);
    state.recent = [outcome, ...state.recent].slice(0, recentOutcomes);
  };

  const debounceMs = msToNumber(input.debounce as Duration);
  show();
  for (;;) {
    await condition(() => state.queued.length > 0 && !state.paused);
    // The window closes once no new file came for `debounce`, or after maxDebounceWindows.
    for (;;) {
      const due = Math.min(lastArrival + debounceMs, firstArrival + maxDebounceWindows * debounceMs);
      if (Date.now() >= due) break;
      await sleep(due - Date.now());
    }
    if (state.paused) continue;
    const burst = state.queued;
    state.queued = [];
    const newest = burst.reduce((a, b) => (Date.parse(b.eventTime) >= Date.parse(a.eventTime) ? b : a));
    for (const file of burst) {
      if (file !== newest) remember({ file, result: 'superseded', reason: `a newer file arrived in the same burst: ${newest.key}`, at: new Date().toISOString() });
    }
    remember(await train(newest));
    state.running = undefined;
    show();

    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof retraining>({
        ...input,
        carried: { seen: [...seen].slice(-seenKept), queued: state.queued, recent: state.recent, paused: state.paused, trainings: state.trainings },
      });
    }
  }

  async function train(file: WeightsArrived): Promise<RetrainingOutcome> {
    const at = () => new Date().toISOString();
    state.trainings++;
    try {
      const prepared = await prepareTraining({ kind, file, trainingData: input.trainingData });
      const { version } = prepared;
      // The chain's first run id keeps job names unique if this workflow is ever started afresh.
      const step = `train-v${version}-${workflowInfo().firstExecutionRunId.slice(0, 8)}`;
      const jobName = `${workflowInfo().workflowId}-${step}-${state.trainings}`;
      state.running = { file, version, jobName, startedAt: at() };
      show();
      const options = {
        taskQueue: gpuTaskQueue(workflowInfo().taskQueue),
        cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        startToCloseTimeout: '7 days',
        heartbeatTimeout: '30s',
        retry: { initialInterval: '2s', maximumInterval: '2 minutes', nonRetryableErrorTypes: ['BadInput', 'JobFailed'] },
      };
      const job = await proxyActivities<Activities>(options).runGpuJob.executeWithOptions({ ...options, summary: `training job ${jobName}` }, [{
        kind: 'train', step, run: state.trainings, subject: `models/${kind}`,
        inputs: { pretrained: prepared.weightsKey, train: input.trainingData, ...(prepared.currentKey ? { current: prepared.currentKey } : {}) },
        outputs: { model: `models/${kind}/training/` },
        hyperparameters: { seed: version, ...input.hyperparameters, kind, version },
      }]);
      const trainedKey = job.outputs.find((key) => key.endsWith('/model.tar.gz'));
      if (!trainedKey) throw ApplicationFailure.nonRetryable(`the training job wrote no model.tar.gz (it wrote ${job.outputs.join(', ') || 'nothing'})`, 'MissingOutput');
      const metrics = await readTrainingMetrics({ trainedKey });
      const verdict = judge(metrics, input.margin);
      await recordCandidate({ kind, version, file, jobName: job.jobName, trainedKey, metrics, ...verdict });
      log.info('candidate recorded', { kind, version, status: verdict.status, reason: verdict.reason });
      return { file, result: verdict.status, reason: verdict.reason, version, jobName: job.jobName, metrics, at: at() };
    } catch (err) {
      if (isCancellation(err)) throw err;
      const reason = reasonOf(err);
      log.warn('training failed', { kind, file: file.key, reason });
      return { file, result: 'failed', reason, version: state.running?.version, jobName: state.running?.jobName, at: at() };
    }
  }
}

function judge(metrics: TrainingMetrics, margin: number): { status: 'promoted' | 'rejected'; reason: string } {
  const { metric } = metrics;
  const candidate = metrics.candidate[metric]!;
  const current = metrics.current[metric]!;
  const compared = `candidate ${metric} ${candidate.toFixed(3)} vs current ${current.toFixed(3)} + margin ${margin}`;
  return candidate >= current + margin
    ? { status: 'promoted', reason: `${compared}: better` }
    : { status: 'rejected', reason: `${compared}: not better by the margin` };
}
