// Records the histories test/replay.test.ts replays: each scenario runs the workflows of the tree
// this file sits in against a dev server, with the real activities over a temporary storage
// directory and a GPU-job runner whose jobs end at once (one MOT job runs until it is cancelled).
// Usage: npx tsx test/histories/record.ts [OUT_DIR]. Files are named SCENARIO.COMMIT.json after the
// tree's commit (with -dirty when workflows/ has uncommitted changes); to record an older commit's workflows, run this file and
// test/helpers/temporal.ts copied into a worktree of that commit (README: Replay tests).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowContinuedAsNewError, type Client, type WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import * as tar from 'tar';
import { createActivities } from '../../activities';
import type { JobSpec } from '../../contracts/gpu-jobs';
import { LocalStorage } from '../../activities/storage/local';
import { projectRoot, workflowsPath } from '../../workers/tools';
import { gpuTaskQueue, incomingKey, progressQuery, uploadCompletedSignal, type VideoCommentaryInput } from '../../contracts/video-commentary';
import { retrainingWorkflowId, weightsArrivedSignal, type RetrainingInput } from '../../contracts/retraining';
import { fakeActions, fakeTracks, FakeRunner, type FakeJob } from '../helpers/fake-runner';
import { writeHistory } from '../helpers/histories';
import { localEnv } from '../helpers/temporal';
import { testPattern } from '../helpers/videos';

const taskQueue = 'record-histories';
const outDir = process.argv[2] ?? join(projectRoot, 'test', 'histories');
const git = (...args: string[]) => execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8' }).trim();
/** The commit whose workflows ran, marked dirty when workflows/ differs from it. */
const commit = git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--', 'workflows') ? '-dirty' : '');

/** A training job's model archive whose metrics.json scores the candidate by its weight file's name (w-0.70.pt: 0.70). */
function trainedModel(dir: string, spec: JobSpec): Buffer {
  const work = mkdtempSync(join(dir, 'model-'));
  const candidate = Number(/(\d\.\d+)\.pt$/.exec(spec.inputs.pretrained ?? '')?.[1] ?? 0);
  writeFileSync(join(work, 'model.json'), JSON.stringify({ version: spec.hyperparameters?.version, params: {} }));
  writeFileSync(join(work, 'metrics.json'), JSON.stringify({ metric: 'f1', candidate: { f1: candidate }, current: { f1: 0.5 } }));
  tar.create({ gzip: true, sync: true, cwd: work, file: join(work, 'model.tar.gz') }, ['model.json', 'metrics.json']);
  return readFileSync(join(work, 'model.tar.gz'));
}

/** Jobs end at once, but the MOT job of the video named 'cancelled' runs for an hour. */
function plan(dir: string, spec: JobSpec): FakeJob {
  if (spec.kind === 'train') return { durationMs: 0, outputs: { 'model.tar.gz': trainedModel(dir, spec) } };
  if (spec.kind === 'mot') return { durationMs: spec.subject === 'cancelled' ? 3_600_000 : 0, outputs: { 'tracks.json': fakeTracks, 'tracks.txt': '' } };
  return { durationMs: 0, outputs: { 'actions.json': fakeActions } };
}

async function save(client: Client, name: string, workflowId: string, runId?: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const file = join(outDir, `${name}.${commit}.json`);
  await writeHistory(file, history);
  process.stdout.write(`${file}: ${history.events?.length} events\n`);
}

const videoInput = (videoId: string): VideoCommentaryInput => ({ videoId, userId: 'alice', fileName: 'clip.mp4', language: 'en', uploadTimeout: '1h' });

async function recordVideos(client: Client, storage: LocalStorage, clip: string, receiverUrl?: string): Promise<void> {
  const start = (videoId: string) => client.workflow.start('videoCommentary', { taskQueue, workflowId: `video-${videoId}`, args: [videoInput(videoId)] });
  const upload = async (handle: WorkflowHandle, videoId: string, file: string | Buffer) => {
    const key = incomingKey(videoId);
    const info = typeof file === 'string' ? await storage.upload(file, key) : await storage.put(key, file);
    await handle.signal(uploadCompletedSignal, { key, size: info.size, sha256: info.sha256 });
  };

  const completed = await start('completed');
  await upload(completed, 'completed', clip);
  await completed.result();
  await save(client, 'video-completed', completed.workflowId);

  if (receiverUrl) {
    const input = { ...videoInput('callback'), callback: { url: receiverUrl, statusUrl: 'http://127.0.0.1/v1/videos/callback' } };
    const withCallback = await client.workflow.start('videoCommentary', { taskQueue, workflowId: 'video-callback', args: [input] });
    await upload(withCallback, 'callback', clip);
    await withCallback.result();
    await save(client, 'video-completed-callback', withCallback.workflowId);
  }

  const failed = await start('notvideo');
  await upload(failed, 'notvideo', Buffer.from('this is a text file, not a video'));
  await failed.result().catch(() => undefined);
  await save(client, 'video-failed-not-a-video', failed.workflowId);

  // Cancelled while its MOT job runs: the activity stops the job, the workflow discards the upload.
  const cancelled = await start('cancelled');
  await upload(cancelled, 'cancelled', clip);
  while ((await cancelled.query(progressQuery)).stage !== 'mot') await new Promise((resolve) => setTimeout(resolve, 100));
  await cancelled.cancel();
  await cancelled.result().catch(() => undefined);
  await save(client, 'video-cancelled-during-mot', cancelled.workflowId);
}

/** Waits for one run to continue as new (the dev server suggests it early) and returns the next run's id. */
async function nextRun(client: Client, workflowId: string, runId: string): Promise<string> {
  const err = await client.workflow.getHandle(workflowId, runId, { followRuns: false }).result().catch((e: unknown) => e);
  if (!(err instanceof WorkflowContinuedAsNewError)) throw new Error(`run ${runId} of ${workflowId} ended without continuing as new: ${String(err)}`);
  return err.newExecutionRunId;
}

async function recordRetraining(client: Client, storage: LocalStorage): Promise<void> {
  await storage.put('training/action/clip-1/tracks.json', '{}');
  const workflowId = retrainingWorkflowId('action');
  const input: RetrainingInput = { kind: 'action', debounce: '1s', margin: 0.01, trainingData: 'training/action/' };
  const arrive = async (name: string, second: number) => {
    const key = `models/incoming/action/${name}`;
    await storage.put(key, `weights ${name}`);
    await client.workflow.getHandle(workflowId).signal(weightsArrivedSignal, { key, etag: name, size: 10, eventTime: new Date(Date.UTC(2026, 10, 25, 10, 0, second)).toISOString() });
  };
  const first = await client.workflow.start('retraining', { taskQueue, workflowId, args: [input] });
  await arrive('w-0.70.pt', 0);
  const second = await nextRun(client, workflowId, first.firstExecutionRunId);
  await save(client, 'retraining-promoted', workflowId, first.firstExecutionRunId);
  await arrive('w-0.40.pt', 1);
  await nextRun(client, workflowId, second);
  await save(client, 'retraining-continued-rejected', workflowId, second);
  await client.workflow.getHandle(workflowId).terminate('recorded');
}

/**
 * The tree's worker versioning (workers/deployment.ts, absent before Worker Deployment versioning
 * came): workers of a tree that has it must declare a version, current before they get tasks.
 */
async function workerVersioning() {
  if (!existsSync(join(projectRoot, 'workers', 'deployment.ts'))) return undefined;
  const deployment = await import('../../workers/deployment');
  const config = { BING_DEPLOYMENT_NAME: 'record-histories', BING_BUILD_ID: commit, BING_DEPLOYMENT_SET_CURRENT: 'always' } as const;
  return { options: deployment.workerDeployment(config), becomeCurrent: (client: Client) => deployment.becomeCurrent(client, config) };
}

/** A loopback receiver that takes every webhook (204). */
async function webhookReceiver(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`, server };
}

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'bing-record-'));
  // A history of a dozen events already suggests continue-as-new, so a retraining run continues after its first training.
  const env = await localEnv(['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=10']);
  try {
    const storage = new LocalStorage(join(dir, 'storage'));
    const runner = new FakeRunner(storage, async () => Date.now(), (spec) => plan(dir, spec));
    // Completion webhooks came with workflows/completion-callback.ts: a tree that has them records a request with one.
    const receiver = existsSync(join(projectRoot, 'workflows', 'completion-callback.ts')) ? await webhookReceiver() : undefined;
    const callbacks = { secret: `whsec_${randomBytes(32).toString('base64')}`, allowPrivate: true };
    const { runGpuJob, ...light } = createActivities({ storage, runner, jobPolling: { intervalMs: 100 }, callbacks });
    const versioning = await workerVersioning();
    const common = { connection: env.nativeConnection, workerDeploymentOptions: versioning?.options };
    const main = await Worker.create({ ...common, taskQueue, workflowsPath, activities: light });
    const gpu = await Worker.create({ ...common, taskQueue: gpuTaskQueue(taskQueue), activities: { runGpuJob }, maxHeartbeatThrottleInterval: '1ms' });
    const clip = await testPattern(join(dir, 'clip.mp4'));
    await gpu.runUntil(main.runUntil(async () => {
      await versioning?.becomeCurrent(env.client);
      await recordVideos(env.client, storage, clip, receiver?.url);
      await recordRetraining(env.client, storage);
    }));
    receiver?.server.close();
  } finally {
    await env.teardown();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`record: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
