// Traces (README: Traces): with OTEL_EXPORTER_OTLP_ENDPOINT set, the API and the worker export
// their spans over OTLP/HTTP, and one request is one trace from the API's workflow start through the
// workflow and its activities to the GPU job's launch, whose process gets TRACEPARENT. The receiver is a plain HTTP server taking the
// exporter's JSON encoding.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../workers/tools';
import { BingApi } from './helpers/bing-api';
import { BingProcess } from './helpers/bing-process';
import { freePorts } from './helpers/ports';
import { localEnv } from './helpers/temporal';
import { testPattern } from './helpers/videos';

interface ReceivedSpan { service: string; name: string; traceId: string; attributes: Record<string, unknown> }

interface OtlpJson {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: { name: string; traceId: string; attributes?: { key: string; value: { stringValue?: string } }[] }[] }[];
  }[];
}

/** An OTLP/HTTP receiver of traces in the JSON encoding: the spans it was sent, with their service. */
async function otlpReceiver(port: number): Promise<{ server: Server; spans: ReceivedSpan[] }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !req.headers['content-type']?.startsWith('application/json')) {
        res.writeHead(404).end();
        return;
      }
      for (const { resource, scopeSpans } of (JSON.parse(body) as OtlpJson).resourceSpans) {
        const service = resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const span of scopeSpans.flatMap((s) => s.spans)) {
          const attributes = Object.fromEntries((span.attributes ?? []).map((a) => [a.key, a.value.stringValue]));
          spans.push({ service, name: span.name, traceId: span.traceId, attributes });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return { server, spans };
}

describe('traces over OTLP', () => {
  let env: TestWorkflowEnvironment;
  let dir: string;

  beforeAll(async () => {
    [env, dir] = await Promise.all([localEnv(), mkdtemp(join(tmpdir(), 'bing-tracing-'))]);
  });

  afterAll(async () => {
    await env?.teardown();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('follows one request from the API through the workflow and its activities to the job launch', async () => {
    const [apiPort, otlpPort] = await freePorts(2);
    const receiver = await otlpReceiver(otlpPort!);
    const apiKey = 'tracing-test-key-0123456789';
    const instantJob = join(projectRoot, 'bench', 'instant-job.mjs');
    const processEnv = {
      PATH: process.env.PATH, TEMPORAL_ADDRESS: env.address,
      BING_DATA_DIR: join(dir, 'data'), BING_API_PORT: String(apiPort), BING_API_KEYS: `${apiKey}:*`, BING_JOB_POLL: '100ms',
      // The MOT job keeps the TRACEPARENT it was given, in its job folder.
      BING_JOB_COMMANDS: JSON.stringify({
        mot: ['/bin/sh', '-c', 'printf %s "$TRACEPARENT" >traceparent && exec "$0" "$@"', process.execPath, instantJob, 'mot'],
        action: [process.execPath, instantJob, 'action'],
      }),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
    };
    const worker = new BingProcess('workers/worker.ts', processEnv);
    const apiProcess = new BingProcess('api/server.ts', processEnv);
    const api = new BingApi(`http://127.0.0.1:${apiPort}`, () => Promise.resolve(apiKey));
    try {
      await Promise.all([
        worker.waitFor(() => worker.log.includes('workers polling')),
        apiProcess.waitFor(() => fetch(`${api.apiUrl}/healthz`).then((r) => r.ok, () => false)),
      ]);
      const videoId = await api.upload(await testPattern(join(dir, 'clip.mp4')), 'ops');
      const status = await api.waitFor(videoId, 'ops', (s) => s.status !== 'running');
      expect(status.status, `${status.error}\n${worker.log}`).toBe('completed');
    } finally {
      // Stopping flushes the spans still buffered.
      await Promise.all([worker.stop(), apiProcess.stop()]);
      receiver.server.close();
    }
    const start = receiver.spans.find((s) => s.service === 'bing-api' && s.name === 'StartWorkflow:videoCommentary');
    expect(start, JSON.stringify(receiver.spans.map((s) => `${s.service} ${s.name}`))).toBeDefined();
    const trace = receiver.spans.filter((s) => s.traceId === start!.traceId);
    const names = trace.filter((s) => s.service === 'bing-worker').map((s) => s.name);
    expect(names).toContain('RunWorkflow:videoCommentary');
    expect(names).toContain('RunActivity:runGpuJob');
    const launches = trace.filter((s) => s.name === 'job launch');
    expect(launches.map((s) => s.attributes['bing.job.kind']).sort()).toEqual(['action', 'mot']);
    for (const launch of launches) expect(launch.attributes['bing.job.name']).toMatch(/\S/);
    const kept = (await readdir(join(dir, 'data'), { recursive: true })).filter((f) => f.endsWith('/traceparent'));
    expect(kept).toHaveLength(1);
    expect(await readFile(join(dir, 'data', kept[0]!), 'utf8')).toMatch(new RegExp(`^00-${start!.traceId}-[0-9a-f]{16}-01$`));
  }, 240_000);
});
