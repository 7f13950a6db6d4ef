// GET /openapi.json and /docs: the document covers every route app.ts mounts, and its request
// schemas are the ones the routes validate with.
import type { Server } from 'node:http';
import { pino } from 'pino';
import type { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../activities/storage/local';
import { createApp } from '../api/app';
import { UrlSigner } from '../api/signed-urls';
import type { RetrainingService } from '../client/retraining-service';
import type { VideosService } from '../client/videos-service';
import type { Client } from '@temporalio/client';
import type { JobView } from '../contracts/gpu-jobs';
import { listenOnLoopback } from './helpers/http';

interface Layer { route?: { path: string; methods: Record<string, boolean> }; rawPath?: string; handle: { stack?: Layer[] } }

/** Every (method, path) the Express app routes, with Express's :name as OpenAPI's {name}. */
function routesOf(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = `${prefix}${layer.route.path === '/' && prefix ? '' : layer.route.path}`.replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).map((method) => `${method} ${path}`);
    }
    if (layer.handle.stack && typeof layer.rawPath === 'string') return routesOf(layer.handle.stack, `${prefix}${layer.rawPath === '/' ? '' : layer.rawPath}`);
    return [];
  });
}

let server: Server;
let base: string;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  const storage = new LocalStorage('/nonexistent-bing-openapi-test');
  app = createApp({
    client: {} as Client, videos: {} as VideosService, jobs: {} as JobView, storage,
    signer: new UrlSigner('a-test-secret-of-thirty-two-chars!'), apiKeys: new Map([['alice-key-0123456789', 'alice']]),
    maxUploadBytes: 1000, uploadTimeout: '1h', tusDir: '/nonexistent-bing-openapi-test/tus', legacyBodyLimit: 1000, retraining: {} as RetrainingService, logger: pino({ level: 'silent' }),
  });
  ({ server, base } = await listenOnLoopback(app));
});

afterAll(() => {
  server?.close();
});

interface Document {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
}

describe('OpenAPI', () => {
  it('is an OpenAPI 3.1 document with the bearer scheme, listing every route mounted in app.ts', async () => {
    const res = await fetch(`${base}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Document;
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`)));
    const mounted = routesOf((app as unknown as { router: Router & { stack: Layer[] } }).router.stack)
      .filter((r) => /^\w+ \/(v1\/|request$|healthz$|readyz$)/.test(r) && !r.startsWith('options '));
    expect(mounted.length).toBeGreaterThan(15);
    expect(mounted.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('documents the request schema the route validates with: a value outside it is refused by the route', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as Document;
    const parameters = (doc.paths['/v1/videos']!.post as unknown as { parameters: { name: string; in: string; schema: { enum?: string[] } }[] }).parameters;
    const language = parameters.find((p) => p.name === 'language' && p.in === 'query')!;
    expect(language.schema.enum).toEqual(['en', 'ko']);
    const post = (value: string) => fetch(`${base}/v1/videos?language=${value}`, { method: 'POST', headers: { authorization: 'Bearer alice-key-0123456789' }, body: 'x' });
    const refused = await post('fr');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/^language: /);
  });

  it('serves Swagger UI from the installed files at /docs, pointed at /openapi.json', async () => {
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const src of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)) expect((await fetch(`${base}${src}`)).status, src).toBe(200);
    expect(await (await fetch(`${base}/docs/start.js`)).text()).toContain("'/openapi.json'");
  });
});
