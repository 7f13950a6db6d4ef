// The one place BING reads its environment. Every variable is validated at start; a bad value
// stops the process with a message naming the variable.
import { resolve } from 'node:path';
import { z } from 'zod';

const duration = z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'a duration such as 90s, 5m, 24h');
const port = z.coerce.number().int().min(1).max(65535);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const apiKeys = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[^:\s]{16,}:([A-Za-z0-9_.@-]{1,64}|\*)$/, 'KEY:USER pairs, keys of 16 or more characters; USER * may act for any user')))
  .transform((pairs) => new Map(pairs.map((p) => p.split(':') as [string, string])));

const schema = z.object({
  BING_DATA_DIR: z.string().default('.data').transform((p) => resolve(p)),
  BING_API_HOST: z.string().default('127.0.0.1'),
  BING_API_PORT: port.default(8080),
  BING_API_URL: z.url().optional(),
  BING_API_KEYS: apiKeys.optional(),
  /** Signs the API's file links; set it when several API processes serve one deployment. */
  BING_URL_SECRET: z.string().min(32).optional(),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  BING_TEMPORAL_UI_PORT: port.default(8233),
  BING_TASK_QUEUE: z.string().default('bing'),
  BING_GPU_SLOTS: z.coerce.number().int().min(1).max(64).default(1),
  BING_UPLOAD_TIMEOUT: duration.default('24h'),
  BING_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(50 * 1024 ** 3),
  BING_DETECT_STRIDE: z.coerce.number().int().min(1).max(50).optional(),
  BING_JOB_STOP_GRACE: duration.default('10s'),
  BING_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
  BING_LOCAL_MODE: bool.default(true),
});

export type Config = z.output<typeof schema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`);
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
