// The S3-event consumer (`npm run s3-events`): long-polls the SQS queue that S3 sends its event
// notifications to, and hands each new weight file to its kind's retraining workflow. A message is
// deleted only after every file in it was signalled; while it is being handled its visibility is
// extended; one that fails is offered again after a short delay, and after the queue's
// maxReceiveCount SQS moves it to the dead-letter queue of its redrive policy.
import {
  ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message,
} from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { RetrainingService, retrainingSettings } from '../client/retraining-service';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { connectTemporalClient } from '../common/temporal-connection';

export interface ConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  retraining: RetrainingService;
  logger: Logger;
  /** Long-poll wait, at most 20 s. */
  waitSeconds?: number;
  /** How long a received message stays hidden; extended while it is handled. */
  visibilitySeconds?: number;
  /** How soon a message that failed is offered again. */
  retryDelaySeconds?: number;
}

export async function consumeS3Events(options: ConsumerOptions, stop: AbortSignal): Promise<void> {
  const { sqs, queueUrl, logger } = options;
  const visibility = options.visibilitySeconds ?? 60;
  while (!stop.aborted) {
    let messages: Message[];
    try {
      ({ Messages: messages = [] } = await sqs.send(new ReceiveMessageCommand({
        QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: options.waitSeconds ?? 20, VisibilityTimeout: visibility,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }), { abortSignal: stop }));
    } catch (err) {
      if (stop.aborted) return;
      logger.error({ err }, 'receiving from the S3-event queue failed; trying again');
      await new Promise((resolve) => setTimeout(resolve, 5000));
      continue;
    }
    await Promise.all(messages.map((message) => handle(options, visibility, message)));
  }
}

async function handle(options: ConsumerOptions, visibility: number, message: Message): Promise<void> {
  const { sqs, queueUrl, logger, retraining } = options;
  const receipt = { QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! };
  const extend = setInterval(() => {
    sqs.send(new ChangeMessageVisibilityCommand({ ...receipt, VisibilityTimeout: visibility })).catch((err: unknown) => logger.warn({ err }, 'could not extend a message\'s visibility'));
  }, (visibility * 1000) / 2);
  try {
    const parsed = await retraining.acceptStorageEvent(JSON.parse(message.Body ?? ''));
    for (const { kind, file } of parsed.weights) logger.info({ kind, key: file.key }, 'weight file handed to retraining');
    for (const ignored of parsed.ignored) logger.info(ignored, 'storage event ignored');
    await sqs.send(new DeleteMessageCommand(receipt));
  } catch (err) {
    const receives = message.Attributes?.ApproximateReceiveCount;
    logger.warn({ err, messageId: message.MessageId, receives }, 'S3-event message failed; it stays in the queue (its dead-letter queue takes it after maxReceiveCount)');
    await sqs.send(new ChangeMessageVisibilityCommand({ ...receipt, VisibilityTimeout: options.retryDelaySeconds ?? 30 })).catch(() => undefined);
  } finally {
    clearInterval(extend);
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('bing-s3-events', config.BING_LOG_LEVEL);
  if (!config.BING_S3_EVENTS_QUEUE_URL) throw new Error('BING_S3_EVENTS_QUEUE_URL is not set: no queue to consume');
  const client = await connectTemporalClient(config);
  const retraining = new RetrainingService(client, retrainingSettings(config));
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  logger.info(`consuming ${config.BING_S3_EVENTS_QUEUE_URL}`);
  const sqs = new SQSClient(config.BING_SQS_ENDPOINT ? { endpoint: config.BING_SQS_ENDPOINT } : {});
  await consumeS3Events({ sqs, queueUrl: config.BING_S3_EVENTS_QUEUE_URL, retraining, logger }, stop.signal);
  await client.connection.close();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bing-s3-events: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
