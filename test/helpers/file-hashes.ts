// Every file under a directory with the sha256 of its bytes: two calls are equal only when no file
// was added, removed or changed in between.
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

export async function fileHashes(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  const hashes = await Promise.all(files.map(async (f) => [relative(dir, f), createHash('sha256').update(await readFile(f)).digest('hex')] as const));
  return Object.fromEntries(hashes);
}
