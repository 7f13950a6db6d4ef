// The one place BING reads its environment. Every variable is validated at start; a bad value
// stops the process with a message naming the variable.
import { resolve } from 'node:path';
import { z } from 'zod';
import { durationPattern } from './duration';

const duration = z.string().regex(durationPattern, 'a duration such as 90s, 5m, 24h');
const port = z.coerce.number().int().min(1).max(65535);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const apiKeys = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[^:\s]{16,}:([A-Za-z0-9_.@-]{1,64}|\*)$/, 'KEY:USER pairs, keys of 16 or more characters; USER * may act for any user')))
  .transform((pairs) => new Map(pairs.map((p) => p.split(':') as [string, string])));

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const schema = z.object({
  BING_DATA_DIR: z.string().default('.data').transform((p) => resolve(p)),
  BING_API_HOST: z.string().default('127.0.0.1'),
  BING_API_PORT: port.default(8080),
  BING_API_URL: z.url().optional(),
  BING_API_KEYS: apiKeys.optional(),
  /** Signs the API's file links. Required when the API listens beyond loopback; otherwise one is made once in BING_DATA_DIR/url-secret. */
  BING_URL_SECRET: z.string().min(32).optional(),
  /** With TEMPORAL_NAMESPACE: the local dev server's, and the fallback where no temporal.toml profile names a cluster (common/temporal-connection.ts). */
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  BING_TEMPORAL_UI_PORT: port.default(8233),
  BING_TASK_QUEUE: z.string().default('bing'),
  BING_GPU_SLOTS: z.coerce.number().int().min(1).max(64).default(1),
  /** A video longer than this many seconds is processed as overlapping segments whose GPU jobs run in parallel. */
  BING_SEGMENT_SECONDS: z.coerce.number().min(10).max(3600).default(120),
  /** Segments of one request whose GPU jobs run at once; unset, BING_GPU_SLOTS. */
  BING_MAX_PARALLEL_SEGMENTS: z.coerce.number().int().min(1).max(64).optional(),
  /** GPU jobs one user's requests may run at once across the deployment; unset, no limit beyond the slots. */
  BING_USER_GPU_JOBS: z.coerce.number().int().min(1).max(1024).optional(),
  /** Which task queues a worker process polls: both, or one each in separate processes (docker-compose.yml's worker and gpu-worker). */
  BING_WORKER_ROLE: z.enum(['all', 'workflows', 'gpu']).default('all'),
  /** Worker Deployment versioning (workers/deployment.ts): the deployment every worker process joins. */
  BING_DEPLOYMENT_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -').default('bing'),
  /** This code's version in the deployment; unset, the package version and the commit when known (0.1.0+abc1234). */
  BING_BUILD_ID: z.string().regex(/^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,127}$/, 'letters, digits, and . _ + -').optional(),
  /** Whether a starting worker makes its version the current one: if-none (a new deployment's first), always (npm start), never. */
  BING_DEPLOYMENT_SET_CURRENT: z.enum(['if-none', 'always', 'never']).default('if-none'),
  /** On SIGTERM a worker lets running tasks finish for this long; a GPU job still running is left for the next attempt to adopt. */
  BING_WORKER_SHUTDOWN_GRACE: duration.default('30s'),
  /** On SIGTERM the API refuses new uploads (503) and lets those in progress finish for this long, then closes. */
  BING_API_SHUTDOWN_GRACE: duration.default('30s'),
  /** Where a worker serves its Prometheus metrics (the SDK's temporal_ ones and BING's), HOST:PORT; unset or empty, nowhere (`npm start` uses 127.0.0.1:9464). */
  BING_WORKER_METRICS_ADDRESS: z.union([z.literal(''), z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:]+):\d{1,5}$/, 'HOST:PORT, e.g. 0.0.0.0:9464')]).optional(),
  BING_UPLOAD_TIMEOUT: duration.default('24h'),
  BING_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(50 * 1024 ** 3),
  /** A request body that sends nothing for this long is cut with 408. */
  BING_UPLOAD_IDLE_TIMEOUT: duration.default('60s'),
  /** Uploads one user may have in progress (stage uploading) at once; one more is refused with 429. */
  BING_MAX_UPLOADS_PER_USER: z.coerce.number().int().min(1).default(10),
  /** Local storage: bytes that must stay free after an upload, or it is refused with 507 before it starts. */
  BING_STORAGE_RESERVE_BYTES: z.coerce.number().int().min(0).default(1024 ** 3),
  BING_DETECT_STRIDE: z.coerce.number().int().min(1).max(50).optional(),
  BING_DETECT_SIZE: z.coerce.number().int().min(64).max(2048).multipleOf(32).optional(),
  BING_JOB_STOP_GRACE: duration.default('10s'),
  BING_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
  BING_JOB_POLL: duration.default('1s'),
  /** The old POST /request contract: on by default only where the API listens on loopback. It trusts the userId in the body. */
  BING_LEGACY_REQUEST: bool.optional(),
  BING_LEGACY_BODY_LIMIT: z.coerce.number().int().positive().default(100 * 1024 ** 2),
  /** Keys POST /request asks for as x-api-key, as API Gateway's usage plans did; unset, it asks none. */
  BING_LEGACY_API_KEYS: z
    .string()
    .transform((s) => s.split(',').map((k) => k.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^\S{16,}$/, 'comma-separated keys of 16 or more characters')).min(1, 'at least one key'))
    .optional(),
  /** Other programs for the local runner, as JSON {"mot": ["node", "my-mot.js"], ...}: your own models, or benchmarks. */
  BING_JOB_COMMANDS: z.string().optional().transform((text, ctx) => {
    if (text === undefined) return undefined;
    const parsed = z.partialRecord(z.enum(['mot', 'action', 'train']), z.array(z.string().min(1)).min(1)).safeParse(safeJson(text));
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: 'JSON object of job kind to command line, e.g. {"mot": ["node", "mot.js"]}' });
      return z.NEVER;
    }
    return parsed.data;
  }),

  BING_STORAGE: z.enum(['local', 's3']).default('local'),
  BING_S3_BUCKET: z.string().min(3).optional(),
  BING_S3_ENDPOINT: z.url().optional(),
  /** infra/apply-s3-lifecycle: S3 aborts multipart uploads (and drops tus's leftovers) not finished after this many days. */
  BING_S3_INCOMPLETE_UPLOAD_DAYS: z.coerce.number().int().min(1).max(365).default(2),

  BING_GPU_RUNNER: z.enum(['local', 'sagemaker']).default('local'),
  BING_SAGEMAKER_ENDPOINT: z.url().optional(),
  BING_SAGEMAKER_ROLE_ARN: z.string().startsWith('arn:').optional(),
  BING_SAGEMAKER_MOT_IMAGE: z.string().optional(),
  BING_SAGEMAKER_ACTION_IMAGE: z.string().optional(),
  BING_SAGEMAKER_TRAIN_IMAGE: z.string().optional(),
  BING_SAGEMAKER_INSTANCE_TYPE: z.string().optional(),
  BING_SAGEMAKER_SUBNETS: z.string().optional(),
  BING_SAGEMAKER_SECURITY_GROUPS: z.string().optional(),
  BING_SAGEMAKER_MAX_RUNTIME: z.string().optional(),
  BING_SAGEMAKER_JOBS: z.string().optional(),

  /** Retraining: a burst of weight files within this quiet period trains once, on the newest. */
  BING_RETRAIN_DEBOUNCE: duration.default('5m'),
  /** A candidate is promoted when its held-out score is at least the current model's plus this. */
  BING_RETRAIN_MARGIN: z.coerce.number().min(0).max(1).default(0.01),
  /** Where new weight files arrive on S3, per kind: the old system's buckets, any prefix. */
  BING_WEIGHTS_BUCKET_MOT: z.string().min(3).default('gasby-mot'),
  BING_WEIGHTS_BUCKET_ACTION: z.string().min(3).default('gasby-actrecog'),
  BING_WEIGHTS_PREFIX_MOT: z.string().default(''),
  BING_WEIGHTS_PREFIX_ACTION: z.string().default(''),
  /** Storage prefixes of the labelled examples each kind trains on (the training job's train channel). */
  BING_TRAINING_DATA_MOT: z.string().regex(/\/$/, 'a prefix ending in /').default('training/mot/'),
  BING_TRAINING_DATA_ACTION: z.string().regex(/\/$/, 'a prefix ending in /').default('training/action/'),
  /** More hyperparameters for the training job, as a JSON object of strings, e.g. {"max_seconds": "600"}. */
  BING_TRAIN_HYPERPARAMETERS: z.string().optional().transform((text, ctx) => {
    if (text === undefined) return undefined;
    const parsed = z.record(z.string(), z.string()).safeParse(safeJson(text));
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: 'a JSON object of strings, e.g. {"max_seconds": "600"}' });
      return z.NEVER;
    }
    return parsed.data;
  }),
  /** The SQS queue S3 sends weight-file events to; `npm run s3-events` consumes it. */
  BING_S3_EVENTS_QUEUE_URL: z.url().optional(),
  BING_SQS_ENDPOINT: z.url().optional(),
  /** Switches on POST /v1/events/s3, whose callers send it as "Authorization: Bearer <secret>". */
  BING_WEBHOOK_SECRET: z.string().min(16).optional(),
  /** Signs completion webhooks (Standard Webhooks); a request may name a callbackUrl only when it is set. */
  BING_CALLBACK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'whsec_ and 24 or more base64 bytes').optional(),
  /** A user's callback URL for requests that name none, USER:URL pairs separated by commas. */
  BING_CALLBACK_URLS: z
    .string()
    .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9_.@-]{1,64}:https?:\/\/\S+$/, 'USER:URL pairs, URLs http or https')))
    .transform((pairs) => new Map(pairs.map((p) => [p.slice(0, p.indexOf(':')), p.slice(p.indexOf(':') + 1)])))
    .optional(),
  /** Lets callback URLs reach loopback, private and link-local addresses (local mode sets it). */
  BING_CALLBACK_ALLOW_PRIVATE: bool.default(false),

  BING_COMMENTARY: z.enum(['template', 'openai']).default('template'),
  BING_TTS: z.enum(['espeak', 'openai']).default('espeak'),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url().optional(),
  BING_OPENAI_MODEL: z.string().default('gpt-4.1-mini'),
  BING_OPENAI_TEMPERATURE: z.coerce.number().min(0).max(2).optional(),
  BING_OPENAI_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  BING_OPENAI_MAX_TOKENS: z.coerce.number().int().positive().default(8000),
  BING_OPENAI_TTS_MODEL: z.string().default('gpt-4o-mini-tts'),
  BING_OPENAI_TTS_VOICE: z.string().default('alloy'),
}).superRefine((c, ctx) => {
  const need = (when: boolean, path: string, message: string) => {
    if (when) ctx.addIssue({ code: 'custom', path: [path], message });
  };
  need(c.BING_STORAGE === 's3' && !c.BING_S3_BUCKET, 'BING_S3_BUCKET', 'required when BING_STORAGE=s3');
  need(c.BING_GPU_RUNNER === 'sagemaker' && c.BING_STORAGE !== 's3', 'BING_STORAGE', 'must be s3 when BING_GPU_RUNNER=sagemaker');
  need(Boolean(c.BING_CALLBACK_URLS?.size) && !c.BING_CALLBACK_SECRET, 'BING_CALLBACK_SECRET', 'required when BING_CALLBACK_URLS is set');
  need((c.BING_COMMENTARY === 'openai' || c.BING_TTS === 'openai') && !c.OPENAI_API_KEY, 'OPENAI_API_KEY', 'required when BING_COMMENTARY or BING_TTS is openai');
});

export type Config = z.output<typeof schema>;

/** Every variable the schema reads: what a deployment may set. */
export const configVariables: readonly string[] = Object.keys(schema.shape);

export class ConfigError extends Error {}

/** A rule a process checks beyond the schema's (one process's needs), worded as loadConfig words its errors. */
export const configProblem = (variable: string, message: string): ConfigError =>
  new ConfigError(`invalid configuration:\n  ${variable}: ${message}`);

/** How .env.example's keys and secrets begin: public values, which no process runs with. */
export const examplePlaceholder = 'change-this-example';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  // Every variable, not only BING's: the example's AWS_SECRET_ACCESS_KEY is a placeholder too.
  const placeholders = Object.entries(env).filter(([, value]) => value?.startsWith(examplePlaceholder))
    .map(([name]) => `  ${name}: still .env.example's placeholder (${examplePlaceholder}…), known to anyone; set a value of your own`);
  // Named by variable and rule, never by value: the value may be a key or a secret.
  const problems = [...placeholders, ...(parsed.error?.issues ?? []).map((i) => `  ${i.path.join('.')}: ${i.message}`)];
  if (problems.length > 0 || !parsed.success) throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  return parsed.data;
}
