// Secrets stay secret: configuration errors, problem+json and the environment of job processes
// never carry a key or a secret.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpProblem, problemHandler } from '../api/problem';
import { ConfigError, loadConfig } from '../common/config';
import { LocalStorage } from '../activities/storage/local';
import { projectRoot } from '../workers/tools';
import { createRunner } from '../workers/wiring';
import { jobsDir } from '../activities/job-view';
import { listenOnLoopback } from './helpers/http';

const secrets = {
  BING_API_KEYS: 'sk-live-api-key-0123456789',
  BING_URL_SECRET: 'url-secret-too-short',
  BING_WEBHOOK_SECRET: 'hook-secret',
  OPENAI_API_KEY: 'sk-openai-0123456789abcdef',
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE0123456789',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-0123456789abcdef',
  AWS_SESSION_TOKEN: 'aws-session-token-0123456789',
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bing-secrets-'));
});

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a configuration error', () => {
  it('names each bad variable and its rule, never the value', () => {
    const env = { ...secrets, BING_COMMENTARY: 'openai', BING_OPENAI_TEMPERATURE: 'hot-secret-value' };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^ {2}BING_API_KEYS\.0: KEY:USER pairs/m);
    expect(message).toMatch(/^ {2}BING_URL_SECRET: Too small: expected string to have >=32 characters$/m);
    expect(message).toMatch(/^ {2}BING_WEBHOOK_SECRET: Too small: expected string to have >=16 characters$/m);
    expect(message).toMatch(/^ {2}BING_OPENAI_TEMPERATURE: /m);
    for (const value of Object.values(env)) expect(message).not.toContain(value);
  });

  it('refuses .env.example as it is: each key or secret still the example\'s placeholder is named, never its value', async () => {
    const example = (await readFile(join(projectRoot, '.env.example'), 'utf8')).split('\n').filter((line) => /^[A-Z_]+=/.test(line));
    const env = Object.fromEntries(example.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    const message = await Promise.resolve(env).then(loadConfig).then(() => 'started', (err: Error) => (err instanceof ConfigError ? err.message : String(err)));
    for (const name of ['BING_API_KEYS', 'BING_URL_SECRET', 'BING_WEBHOOK_SECRET', 'AWS_SECRET_ACCESS_KEY']) {
      expect(message).toMatch(new RegExp(`^ {2}${name}: still \\.env\\.example's placeholder`, 'm'));
      expect(message).not.toContain(env[name]);
    }
  });
});

describe('problem+json', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.get('/v1/videos/:id/events', () => {
      throw new HttpProblem(404, 'Not found', 'no video abc');
    });
    app.use(problemHandler);
    ({ server, base } = await listenOnLoopback(app));
  });

  afterAll(() => {
    server?.close();
  });

  it('names the request by its path, without the query that may carry a key', async () => {
    const res = await fetch(`${base}/v1/videos/abc/events?key=${secrets.BING_API_KEYS}&user=carol`);
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ status: 404, instance: '/v1/videos/abc/events' });
    expect(text).not.toContain(secrets.BING_API_KEYS);
  });
});

describe('a job process', () => {
  it('gets the job settings and what programs need, but none of the worker\'s keys and secrets', async () => {
    for (const [name, value] of Object.entries(secrets)) vi.stubEnv(name, value);
    // The runner as the worker builds it, with `env` standing in for the MOT program.
    const config = loadConfig({ BING_DATA_DIR: dir, BING_JOB_COMMANDS: JSON.stringify({ mot: ['env'] }), BING_DETECT_STRIDE: '3' });
    const runner = createRunner(config, new LocalStorage(join(dir, 'storage')));
    await runner.start('env-job', { kind: 'mot', inputs: {}, outputs: {}, environment: { BING_TRACKER: 'sort' } });
    while ((await runner.describe('env-job'))?.status === 'InProgress') await sleep(50);
    expect((await runner.describe('env-job'))?.status).toBe('Completed');

    const printed = await readFile(join(jobsDir(config), 'env-job', 'stdout.log'), 'utf8');
    const env = Object.fromEntries(printed.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    expect(env).toMatchObject({ PATH: process.env.PATH, BING_DETECT_STRIDE: '3', BING_TRACKER: 'sort', BING_JOB_ROOT: join(jobsDir(config), 'env-job'), BING_JOB_NAME: 'env-job' });
    for (const name of Object.keys(secrets)) expect(env).not.toHaveProperty(name);
    for (const value of Object.values(secrets)) expect(printed).not.toContain(value);
  });
});
