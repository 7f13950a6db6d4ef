// A scratch directory for the tests of one file (or describe block): made as the tests are
// collected, removed after them.
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export function scratchDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bing-${name}-`));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
