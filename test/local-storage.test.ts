// Local storage's listing of unfinished writes, which the crash sweep of cut uploads reads.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../activities/storage/local';

describe('LocalStorage.unfinishedWrites', () => {
  const roots: string[] = [];
  afterAll(async () => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

  it('lists the writes whose names decode to a key, and skips a stray file whose name has a bad % escape', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bing-local-storage-'));
    roots.push(root);
    await mkdir(join(root, 'tmp'));
    await writeFile(join(root, 'tmp', `write-1+${encodeURIComponent('incoming/v1')}`), 'partial');
    await writeFile(join(root, 'tmp', 'stray+100%-done'), 'not ours');

    const writes = await new LocalStorage(root).unfinishedWrites();

    expect(writes.map((w) => w.key)).toEqual(['incoming/v1']);
  });
});
