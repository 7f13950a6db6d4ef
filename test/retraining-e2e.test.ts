// Retraining end to end on real servers: moto_server for S3 and SQS, the Temporal dev server, the
// real workers with the local job runner and the reference training job. A .pt put into the weights
// bucket goes by S3's notification to SQS, the consumer, the retraining workflow, a training job, its
// evaluation and a promoted version 2; the webhook, the models API and `bing models` show the rest.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Server } from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities';
import { LocalJobRunner } from '../activities/gpu/local-runner';
import { readRegistry } from '../activities/registry';
import { S3Storage } from '../activities/storage/s3';
import { createApp } from '../api/app';
import { RetrainingService } from '../client/retraining-service';
import { UrlSigner } from '../api/signed-urls';
import { VideosService } from '../client/videos-service';
import { jobCommands } from '../common/job-programs';
import { workflowsPath } from '../workers/tools';
import { consumeS3Events } from '../workers/s3-events';
import { gpuTaskQueue } from '../contracts/video-commentary';
import { retrainingStateQuery, retrainingWorkflowId, type RetrainingState } from '../contracts/retraining';
import { writeTrainingData } from './fixtures/training';
import { DEFAULT_FAULTS } from './fixtures/training/tracker-tracks';
import { makeTestVersionCurrent, testDeployment } from './helpers/deployment';
import { listenOnLoopback } from './helpers/http';
import { startMoto, useDummyAwsCredentials, type Moto } from './helpers/moto';
import { scratchDir } from './helpers/scratch';
import { bing } from './helpers/stack';
import { localEnv } from './helpers/temporal';

const taskQueue = 'retrain-e2e';
const bucket = 'bing-retrain-e2e';
const weightsBucket = 'gasby-actrecog';
const webhookSecret = 'a-webhook-secret-for-tests';
const operatorKey = 'operator-key-0123456789';
const dir = scratchDir('retrain-e2e');

let moto: Moto;
let env: TestWorkflowEnvironment;
let storage: S3Storage;
let sqs: SQSClient;
let queueUrl: string;
let deadLetterUrl: string;
let retraining: RetrainingService;
let server: Server;
let base: string;
const stopConsumer = new AbortController();
let consumer: Promise<void>;
let stopWorkers: () => Promise<void>;

async function createQueues(): Promise<void> {
  ({ QueueUrl: deadLetterUrl } = (await sqs.send(new CreateQueueCommand({ QueueName: 'weights-dlq' }))) as { QueueUrl: string });
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }));
  ({ QueueUrl: queueUrl } = (await sqs.send(new CreateQueueCommand({
    QueueName: 'weights',
    Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: 2 }) },
  }))) as { QueueUrl: string });
}

async function uploadTrainingData(): Promise<void> {
  const examples = join(dir, 'examples');
  // The deployment's tracker is noisier than the built-in model was tuned for: training can adapt to it.
  writeTrainingData({ out: examples, count: 6, seconds: 8, faults: { ...DEFAULT_FAULTS, jitter: 0.15, miss: 0.1, breaksPerSecond: 0.05 } });
  const files = readdirSync(examples, { recursive: true }).map(String).filter((f) => statSync(join(examples, f)).isFile());
  for (const file of files) await storage.upload(join(examples, file), `training/action/${relative(examples, join(examples, file))}`);
}

beforeAll(async () => {
  useDummyAwsCredentials();
  [moto, env] = await Promise.all([startMoto(), localEnv()]);
  const s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
  sqs = new SQSClient({ endpoint: moto.endpoint });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new CreateBucketCommand({ Bucket: weightsBucket }));
  await createQueues();
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  await s3.send(new PutBucketNotificationConfigurationCommand({
    Bucket: weightsBucket,
    NotificationConfiguration: { QueueConfigurations: [{ QueueArn: Attributes!.QueueArn, Events: ['s3:ObjectCreated:*'] }] },
  }));
  storage = new S3Storage({ bucket, endpoint: moto.endpoint });
  await uploadTrainingData();

  const runner = new LocalJobRunner({ jobsDir: join(dir, 'jobs'), storage, commands: jobCommands(), stopGraceMs: 2000 });
  const { runGpuJob, ...light } = createActivities({ storage, runner, jobPolling: { intervalMs: 500 } });
  const main = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities: light, workerDeploymentOptions: testDeployment });
  const gpu = await Worker.create({ connection: env.nativeConnection, taskQueue: gpuTaskQueue(taskQueue), activities: { runGpuJob }, workerDeploymentOptions: testDeployment });
  const running = Promise.all([main.run(), gpu.run()]);
  await makeTestVersionCurrent(env.client);
  stopWorkers = async () => {
    main.shutdown();
    gpu.shutdown();
    await running;
  };

  retraining = new RetrainingService(env.client, {
    taskQueue, debounce: '2s', margin: 0, trainingData: { mot: 'training/mot/', action: 'training/action/' },
    sources: { mot: [{ bucket: 'gasby-mot', prefix: '' }], action: [{ bucket: weightsBucket, prefix: '' }] },
    // The search stops when it converges, not when a clock on a busy machine says so: the same result every time.
    hyperparameters: { max_seconds: '600' },
  });
  consumer = consumeS3Events({ sqs, queueUrl, retraining, logger: pino({ level: 'silent' }), waitSeconds: 1, visibilitySeconds: 10, retryDelaySeconds: 0 }, stopConsumer.signal);
  const app = createApp({
    client: env.client, videos: new VideosService(env.client, taskQueue), storage, jobs: runner,
    signer: new UrlSigner('a-test-secret-of-thirty-two-chars!'), apiKeys: new Map([[operatorKey, '*'], ['alice-key-0123456789', 'alice']]),
    maxUploadBytes: 1 << 20, uploadTimeout: '1h', tusDir: join(dir, 'tus'), retraining, webhookSecret, logger: pino({ level: 'silent' }),
  });
  ({ server, base } = await listenOnLoopback(app));
}, 240_000);

afterAll(async () => {
  stopConsumer.abort();
  await consumer;
  server?.close();
  for (const kind of ['action', 'mot']) await env?.client.workflow.getHandle(retrainingWorkflowId(kind as 'action')).terminate('test over').catch(() => undefined);
  await stopWorkers?.();
  await Promise.all([env?.teardown(), moto?.stop()]);
});

async function waitForOutcome(kind: 'action' | 'mot', count: number): Promise<RetrainingState> {
  for (;;) {
    const state = await env.client.workflow.getHandle(retrainingWorkflowId(kind)).query(retrainingStateQuery).catch(() => undefined);
    if (state && state.recent.filter((o) => o.result !== 'superseded').length >= count) return state;
    await sleep(500);
  }
}

const post = (path: string, body: unknown, secret = webhookSecret) => fetch(`${base}${path}`, {
  method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
});

describe('retraining end to end', () => {
  it('a .pt put into the weights bucket reaches SQS, the consumer, a training job, its evaluation and a promoted version 2', async () => {
    const pretrained = JSON.stringify({ name: 'upstream', version: 'u1', params: { walkSpeed: 1.5, runSpeed: 3.6, sprintSpeed: 6.9 } });
    await new S3Client({ endpoint: moto.endpoint, forcePathStyle: true }).send(new PutObjectCommand({ Bucket: weightsBucket, Key: 'weights/model.pt', Body: pretrained }));
    const state = await waitForOutcome('action', 1);
    expect(state.recent[0], state.recent[0]!.reason).toMatchObject({ result: 'promoted', version: '2', file: { bucket: weightsBucket, key: 'weights/model.pt' } });
    const registry = await readRegistry(storage, 'action');
    expect(registry.current).toBe('2');
    const [entry] = registry.versions;
    expect(entry).toMatchObject({ version: '2', status: 'promoted', model: 'models/action/2/model.tar.gz', source: { key: 'weights/model.pt' } });
    expect(entry!.metrics.candidate.f1).toBeGreaterThan(entry!.metrics.current.f1!);
    expect(await storage.head('models/action/2/model.tar.gz')).toBeDefined();
    expect((await storage.list('models/action/2/weights/'))).toEqual(['models/action/2/weights/model.pt']);
  }, 300_000);

  it('a message no one can read goes to the dead-letter queue after maxReceiveCount', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'this is not an S3 event' }));
    for (;;) {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      if (Number(Attributes!.ApproximateNumberOfMessages) === 1) break;
      await sleep(500);
    }
  });

  it('a message naming a key that is not URL-encoded is taken, its file ignored, not dead-lettered', async () => {
    const count = async (url: string, ...names: ('ApproximateNumberOfMessages' | 'ApproximateNumberOfMessagesNotVisible')[]) => {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }));
      return names.reduce((sum, name) => sum + Number(Attributes![name]), 0);
    };
    const deadLettered = await count(deadLetterUrl, 'ApproximateNumberOfMessages');
    const record = { eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), s3: { bucket: { name: weightsBucket }, object: { key: 'weights/bad%zz.pt', size: 3 } } };
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ Records: [record] }) }));
    while ((await count(queueUrl, 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible')) > 0) await sleep(200);
    expect(await count(deadLetterUrl, 'ApproximateNumberOfMessages')).toBe(deadLettered);
  });

  it('the webhook takes S3 notifications with the shared secret only, and says what it ignored', async () => {
    expect((await post('/v1/events/s3', {}, 'wrong-secret-0123456789')).status).toBe(401);
    const unreadable = await post('/v1/events/s3', { hello: 'world' });
    expect(unreadable.status).toBe(400);
    expect(unreadable.headers.get('content-type')).toContain('application/problem+json');
    const test = await post('/v1/events/s3', { Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: weightsBucket });
    expect(await test.json()).toEqual({ signalled: [], ignored: [], testEvent: true });
    const record = (key: string, eventName = 'ObjectCreated:Put') => ({ eventName, eventTime: new Date().toISOString(), s3: { bucket: { name: 'gasby-mot' }, object: { key, size: 3, eTag: '"abc"' } } });
    const answer = await post('/v1/events/s3', { Records: [record('notes.txt'), record('old.pt', 'ObjectRemoved:Delete'), record('mot+v2.pt')] });
    expect(answer.status).toBe(202);
    const body = await answer.json() as { signalled: unknown[]; ignored: { key: string; reason: string }[] };
    expect(body.signalled).toEqual([{ kind: 'mot', key: 'mot v2.pt' }]);
    expect(body.ignored.map((i) => i.key)).toEqual(['notes.txt', 'old.pt']);
    // This deployment has no labelled MOT examples: the mot candidate fails, saying so.
    const state = await waitForOutcome('mot', 1);
    expect(state.recent[0]).toMatchObject({ result: 'failed', file: { key: 'mot v2.pt' } });
    expect(state.recent[0]!.reason).toContain("training/mot/: the training job's train channel is empty");
  }, 120_000);

  it('GET /v1/models and `bing models` show the registry; weights go up by the operator only', async () => {
    const forbidden = await fetch(`${base}/v1/models/action/weights?name=x.pt`, { method: 'POST', headers: { authorization: 'Bearer alice-key-0123456789' }, body: 'x' });
    expect(forbidden.status).toBe(403);
    // A model's own JSON is what the training job reads from its pretrained channel, never a weight file that starts retraining.
    for (const name of ['x.txt', 'x.json']) {
      const badName = await fetch(`${base}/v1/models/action/weights?name=${name}`, { method: 'POST', headers: { authorization: `Bearer ${operatorKey}` }, body: 'x' });
      expect(badName.status, name).toBe(400);
    }
    const models = await (await fetch(`${base}/v1/models`, { headers: { authorization: 'Bearer alice-key-0123456789' } })).json() as { models: { kind: string; current: string }[] };
    expect(models.models.map((m) => [m.kind, m.current])).toEqual([['mot', 'builtin'], ['action', '2']]);
    const cli = await bing({ ...process.env, BING_API_URL: base, BING_API_KEY: operatorKey }, 'models');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('action: current version 2');
    expect(cli.stdout).toMatch(/^2 +promoted +0\.\d{3} +0\.\d{3} +weights\/model\.pt/m);
    expect(cli.stdout).toContain('mot: current version builtin');
    expect(cli.stdout).toContain("failed: mot v2.pt: no labelled examples under");
  });
});
