// Metrics on the local stack as `npm start` runs it: the API's /metrics (prom-client) and the
// worker's Prometheus endpoint (the Core runtime's: the SDK's temporal_ metrics and BING's own).
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoStatus } from '../client/videos-service';
import { projectRoot } from '../workers/tools';
import { makeClip } from './fixtures/clip';
import { LocalStack } from './helpers/stack';

let stack: LocalStack;
let clip: string;
let apiMetricsUrl: string;
let workerMetricsUrl: string;

beforeAll(async () => {
  stack = await LocalStack.create({ BING_RETRAIN_DEBOUNCE: '1s' });
  clip = (await makeClip({ seed: 7, outDir: join(stack.dataDir, 'clip'), seconds: 4 })).videoPath;
  apiMetricsUrl = `${stack.apiUrl}/metrics`;
  workerMetricsUrl = `http://${stack.env.BING_WORKER_METRICS_ADDRESS}/metrics`;
  await stack.start();
}, 300_000);

afterAll(async () => {
  await stack?.dispose();
});

/** The sum of the samples of `name` whose labels include `labels`, in Prometheus's text format; undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const has = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => has[k] === v)) sum = (sum ?? 0) + Number(match[3]);
  }
  return sum;
}

const scrape = async (url: string) => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
};

/** Scrapes `url` until `seen` holds for the text (the worker exports what its workflows emitted a moment after they end). */
async function scrapeUntil(url: string, seen: (text: string) => boolean): Promise<string> {
  let text = '';
  for (let tries = 0; tries < 100; tries++) {
    text = await scrape(url);
    if (seen(text)) return text;
    await sleep(200);
  }
  return text;
}

const processVideo = async (file: string, user: string) => {
  const { stdout } = await stack.bing('process', file, '--user', user, '--json');
  return JSON.parse(stdout) as VideoStatus;
};

describe('metrics', () => {
  it('the launcher prints where the API and the worker serve them', () => {
    expect(stack.log).toContain(`${apiMetricsUrl} (API)`);
    expect(stack.log).toContain(`${workerMetricsUrl} (worker)`);
  });

  it('after one request, the API shows its uploaded bytes and the worker BING\'s counters and the SDK\'s temporal_ metrics', async () => {
    expect(sample(await scrape(apiMetricsUrl), 'bing_uploaded_bytes_total')).toBe(0);
    expect((await processVideo(clip, 'metrics-user')).status).toBe('completed');

    const api = await scrape(apiMetricsUrl);
    expect(sample(api, 'bing_uploaded_bytes_total')).toBe((await stat(clip)).size);
    expect(sample(api, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    const worker = await scrapeUntil(workerMetricsUrl, (text) => sample(text, 'bing_requests_completed_total') === 1);
    // BING's metrics carry the SDK's workflowType tag; the SDK's own, workflow_type.
    const videoCommentary = { workflowType: 'videoCommentary' };
    expect(sample(worker, 'bing_requests_started_total', videoCommentary)).toBe(1);
    expect(sample(worker, 'bing_requests_completed_total', videoCommentary)).toBe(1);
    expect(sample(worker, 'bing_requests_failed_total')).toBeUndefined();
    for (const stage of ['uploading', 'ingest', 'mot', 'action', 'commentary', 'speech', 'deliver']) {
      expect(sample(worker, 'bing_stage_seconds_count', { stage }), stage).toBe(1);
      expect(sample(worker, 'bing_stage_seconds_bucket', { stage, le: '+Inf' }), stage).toBe(1);
    }
    for (const kind of ['mot', 'action']) {
      expect(sample(worker, 'bing_gpu_job_starts_total', { kind }), kind).toBe(1);
      expect(sample(worker, 'bing_gpu_job_seconds_count', { kind }), kind).toBe(1);
      expect(sample(worker, 'bing_gpu_job_seconds_sum', { kind }), kind).toBeGreaterThan(0);
    }
    expect(sample(worker, 'temporal_workflow_completed_total', { workflow_type: 'videoCommentary' })).toBe(1);
    expect(sample(worker, 'temporal_activity_execution_latency_count', { activity_type: 'runGpuJob' })).toBe(2);
  }, 300_000);

  it('a refused file counts as a request failed at ingest, by its failure type', async () => {
    const text = join(stack.dataDir, 'not-a-video.mp4');
    await writeFile(text, 'this is not a video\n'.repeat(100));
    expect((await processVideo(text, 'metrics-user')).status).toBe('failed');
    const worker = await scrapeUntil(workerMetricsUrl, (t) => sample(t, 'bing_requests_failed_total') === 1);
    expect(sample(worker, 'bing_requests_failed_total', { stage: 'ingest', reason: 'BadInput' })).toBe(1);
  }, 120_000);

  it('shows the requests in flight by the stage they are in', async () => {
    const created = await fetch(`${stack.apiUrl}/v1/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await stack.apiKey()}`, 'x-bing-user': 'metrics-user', 'tus-resumable': '1.0.0', 'upload-length': '1000',
        'upload-metadata': `filename ${Buffer.from('clip.mp4').toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const api = await scrapeUntil(apiMetricsUrl, (t) => sample(t, 'bing_requests_in_flight', { stage: 'uploading' }) === 1);
    expect(sample(api, 'bing_requests_in_flight', { stage: 'uploading' })).toBe(1);
    expect(sample(api, 'bing_requests_in_flight', { stage: 'mot' })).toBe(0);
  }, 60_000);

  it('counts a retraining outcome by kind and result', async () => {
    // Labelled examples that are not a sequence, and weights that are not a model: the training job fails.
    await mkdir(join(stack.dataDir, 'storage', 'objects', 'training', 'mot'), { recursive: true });
    await writeFile(join(stack.dataDir, 'storage', 'objects', 'training', 'mot', 'notes.txt'), 'no sequences here\n');
    const uploaded = await fetch(`${stack.apiUrl}/v1/models/mot/weights?name=broken.pt`, {
      method: 'POST', headers: { authorization: `Bearer ${await stack.apiKey()}` }, body: 'not a weights file',
    });
    expect(uploaded.status).toBe(202);
    const worker = await scrapeUntil(workerMetricsUrl, (t) => sample(t, 'bing_retraining_outcomes_total') === 1);
    expect(sample(worker, 'bing_retraining_outcomes_total', { kind: 'mot', result: 'failed', workflowType: 'retraining' })).toBe(1);
  }, 120_000);

  it('serves every metric the Grafana dashboard queries, from the targets Prometheus scrapes in compose', async () => {
    const dashboard = JSON.parse(await readFile(join(projectRoot, 'infra/grafana/dashboards/bing.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\b(bing|temporal)_\w+/g) ?? [])));
    expect([...queried].filter((name) => name.startsWith('bing_')).length).toBeGreaterThan(8);
    const served = `${await scrape(apiMetricsUrl)}\n${await scrape(workerMetricsUrl)}`;
    expect([...queried].filter((name) => !new RegExp(`^${name}[{ ]`, 'm').test(served))).toEqual([]);

    const prometheus = await readFile(join(projectRoot, 'infra/prometheus/prometheus.yml'), 'utf8');
    const example = await readFile(join(projectRoot, '.env.example'), 'utf8');
    const port = /^BING_WORKER_METRICS_ADDRESS=0\.0\.0\.0:(\d+)$/m.exec(example)?.[1];
    expect(port).toBeDefined();
    expect(prometheus).toContain(`["worker:${port}", "gpu-worker:${port}"]`);
  });
});
