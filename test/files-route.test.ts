// The signed-file route's Range handling: what a player seeking in a stored file gets back.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../activities/storage/local';
import { problemHandler } from '../api/problem';
import { filesRouter } from '../api/routes/files';
import { UrlSigner } from '../api/signed-urls';
import { listenOnLoopback } from './helpers/http';

const root = mkdtempSync(join(tmpdir(), 'bing-files-'));
const storage = new LocalStorage(root);
const signer = new UrlSigner('a test secret of more than 32 characters');
const bytes = '0123456789';
let server: Server;
let base: string;

beforeAll(async () => {
  await storage.put('results/v1/tracks.txt', bytes);
  await storage.put('results/v1/empty.txt', '');
  const app = express();
  app.use('/files', filesRouter(storage, signer));
  app.use(problemHandler);
  ({ server, base } = await listenOnLoopback(app));
});

afterAll(() => {
  server?.close();
  rmSync(root, { recursive: true, force: true });
});

const get = (key: string, range?: string) => fetch(`${base}${signer.url(key)}`, { headers: range === undefined ? {} : { range } });

describe('GET /files with Range', () => {
  it('serves the whole file without a Range header', async () => {
    const res = await get('results/v1/tracks.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-length')).toBe('10');
    expect(await res.text()).toBe(bytes);
  });

  it.each([
    ['bytes=2-5', '2345', 'bytes 2-5/10'],
    ['bytes=7-', '789', 'bytes 7-9/10'],
    ['bytes=8-100', '89', 'bytes 8-9/10'],
    ['bytes=-3', '789', 'bytes 7-9/10'],
    ['bytes=-30', bytes, 'bytes 0-9/10'],
  ])('answers %s with 206 and those bytes', async (range, body, contentRange) => {
    const res = await get('results/v1/tracks.txt', range);
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(contentRange);
    expect(res.headers.get('content-length')).toBe(String(body.length));
    expect(await res.text()).toBe(body);
  });

  it.each([
    ['bytes=10-', 'results/v1/tracks.txt', 'the file has 10 bytes'],
    ['bytes=5-2', 'results/v1/tracks.txt', 'the file has 10 bytes'],
    ['bytes=-0', 'results/v1/tracks.txt', 'the file has 10 bytes'],
    ['bytes=0-', 'results/v1/empty.txt', 'the file has 0 bytes'],
    ['bytes=-', 'results/v1/tracks.txt', 'bad range bytes=-'],
    ['bytes=a-b', 'results/v1/tracks.txt', 'bad range bytes=a-b'],
    ['items=0-5', 'results/v1/tracks.txt', 'bad range items=0-5'],
    ['bytes=0-1,4-5', 'results/v1/tracks.txt', 'bad range bytes=0-1,4-5'],
  ])('answers %s on %s with a 416 problem', async (range, key, detail) => {
    const res = await get(key, range);
    expect(res.status).toBe(416);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 416, title: 'Range not satisfiable', detail });
  });
});
