// The secret file links are signed with: kept in the data directory for an API on loopback, required
// configuration for one that listens beyond it.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UrlSigner, urlSecret } from '../api/signed-urls';
import { ConfigError } from '../common/config';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bing-url-secret-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the URL-signing secret', () => {
  it('is made once in the data directory, readable by its owner only, for an API on loopback', async () => {
    const dataDir = join(dir, 'data');
    const first = urlSecret({ BING_API_HOST: '127.0.0.1', BING_DATA_DIR: dataDir });
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(join(dataDir, 'url-secret'))).mode & 0o777).toBe(0o600);
    const link = new UrlSigner(first).url('results/v1/commentary.vtt');
    const [, expires, signature] = /expires=(\d+)&signature=(.+)$/.exec(link)!;
    const restarted = new UrlSigner(urlSecret({ BING_API_HOST: 'localhost', BING_DATA_DIR: dataDir }));
    expect(restarted.verify('results/v1/commentary.vtt', expires!, signature!)).toBe(true);
  });

  it('is BING_URL_SECRET when set', () => {
    const secret = 's'.repeat(40);
    expect(urlSecret({ BING_URL_SECRET: secret, BING_API_HOST: '0.0.0.0', BING_DATA_DIR: join(dir, 'unused') })).toBe(secret);
  });

  it('is required configuration for an API listening beyond loopback, named in the error', () => {
    const call = () => urlSecret({ BING_API_HOST: '0.0.0.0', BING_DATA_DIR: join(dir, 'shared') });
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(/^invalid configuration:\n {2}BING_URL_SECRET: required when the API listens beyond loopback/);
  });
});
