// The web page from a checkout under a dot-folder (~/.cache/bing), as a new user may clone it: the
// page and the upload library it loads from /vendor/tus.min.js are served wherever the files live,
// and the page in Chromium has its upload library.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemHandler } from '../api/problem';
import { tusClientScript, webRoot, webRouter } from '../api/web/serve';
import { listenOnLoopback } from './helpers/http';

const chromiumPath = process.env.BING_CHROMIUM ?? '/usr/bin/chromium';

let home: string;
let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: run infra/install-chromium (as root)`);
  home = await mkdtemp(join(tmpdir(), 'bing-home-'));
  const checkout = join(home, '.cache', 'bing');
  const root = join(checkout, 'api', 'web', 'public');
  const tusScript = join(checkout, 'node_modules', 'tus-js-client', 'dist', 'tus.min.js');
  await cp(webRoot, root, { recursive: true });
  await cp(tusClientScript, tusScript);
  const app = express();
  app.use(webRouter({ root, tusScript }));
  app.use(problemHandler);
  ({ server, base } = await listenOnLoopback(app));
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('the web page from a checkout in ~/.cache/bing', () => {
  it('serves the page and the upload library', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const script = await fetch(`${base}/vendor/tus.min.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(Buffer.from(await script.arrayBuffer()).equals(await readFile(tusClientScript))).toBe(true);
  });

  it('loads the upload library in the browser', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('response', (res) => {
      if (res.status() >= 400) failed.push(`${res.status()} ${res.url()}`);
    });
    await page.goto(`${base}/`);
    expect(await page.evaluate(() => typeof (globalThis as { tus?: { Upload?: unknown } }).tus?.Upload)).toBe('function');
    expect(failed).toEqual([]);
    await page.close();
  });
});
