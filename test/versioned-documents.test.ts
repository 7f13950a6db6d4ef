// Conditional writes on local storage: racing writers never lose each other's changes.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../activities/storage/local';
import { versionedDocuments } from '../activities/storage/versioned';

const root = mkdtempSync(join(tmpdir(), 'bing-versioned-'));
const storage = new LocalStorage(root);
const documents = versionedDocuments(storage);
const writers = 8;

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Adds a line to the document by read, change, write-if-unchanged, again until nobody wrote in between. */
async function append(key: string, line: string): Promise<void> {
  for (;;) {
    const stored = await documents.read(key);
    if (await documents.writeIfUnchanged(key, `${stored?.text ?? ''}${line}\n`, stored?.tag)) return;
  }
}

describe('versioned documents on local storage', () => {
  it('lets exactly one of the writers racing from the same version win', async () => {
    const key = 'models/race/registry.json';
    const won = await Promise.all(Array.from({ length: writers }, (_, i) => documents.writeIfUnchanged(key, `writer ${i}`, undefined)));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect((await documents.read(key))?.text).toBe(`writer ${won.indexOf(true)}`);
  });

  it('loses no change of concurrent read-change-write loops, and leaves no lock or temporary file beside the document', async () => {
    const key = 'models/loops/registry.json';
    await Promise.all(Array.from({ length: writers }, (_, i) => append(key, `line ${i}`)));
    const lines = (await documents.read(key))!.text.trim().split('\n');
    expect(lines.sort()).toEqual(Array.from({ length: writers }, (_, i) => `line ${i}`));
    expect(readdirSync(dirname(storage.localPath(key)))).toEqual(['registry.json']);
  });

  it('takes over the lock of a writer that died holding it', async () => {
    const key = 'models/stale/registry.json';
    const lock = `${storage.localPath(key)}.lock`;
    mkdirSync(lock, { recursive: true });
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lock, minuteAgo, minuteAgo);
    expect(await documents.writeIfUnchanged(key, 'after the crash', undefined)).toBe(true);
    expect((await documents.read(key))?.text).toBe('after the crash');
  });
});
