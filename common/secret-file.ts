// A secret kept in a file of its own (mode 0600), made once: the first process to need it writes
// it, and every later one, or one racing it, reads the same value.
import { randomBytes, randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function keptSecret(path: string, bytes = 32): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Written whole beside it, then linked into place: a racing reader never sees half a file.
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(bytes).toString('hex');
  const temp = `${path}.${randomUUID()}.tmp`;
  writeFileSync(temp, `${secret}\n`, { mode: 0o600 });
  try {
    linkSync(temp, path);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readFileSync(path, 'utf8').trim();
  } finally {
    rmSync(temp, { force: true });
  }
}
