// The long bench's generated clips, rendered once and kept under bench/out/long, keyed by their
// parameters and a hash of the generator's source, so a rerun of the bench does not render again.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeClip, type Clip } from '../test/fixtures/clip';

export const longWork = join(__dirname, 'out', 'long');
const generatorDir = join(__dirname, '..', 'test', 'fixtures', 'clip');

export interface CachedClip extends Clip {
  seconds: number;
  /** How long rendering took, when it was rendered. */
  renderSeconds: number;
  renderedAt: string;
  /** Whether this run found it rendered already. */
  cached: boolean;
}

function generatorHash(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(generatorDir).filter((f) => f.endsWith('.ts')).sort()) hash.update(file).update(readFileSync(join(generatorDir, file)));
  return hash.digest('hex').slice(0, 12);
}

/** The clip of `seed` and `seconds` at the generator's default size and rate (1280x720, 25 fps). */
export async function cachedClip(seed: number, seconds: number): Promise<CachedClip> {
  const outDir = join(longWork, `clip-${seed}-${seconds}s-${generatorHash()}`);
  const marker = join(outDir, 'rendered.json');
  if (existsSync(marker)) return { ...(JSON.parse(readFileSync(marker, 'utf8')) as Omit<CachedClip, 'cached'>), cached: true };
  rmSync(outDir, { recursive: true, force: true });
  const started = performance.now();
  const clip = await makeClip({ seed, seconds, outDir });
  const rendered = { ...clip, seconds, renderSeconds: Math.round((performance.now() - started) / 100) / 10, renderedAt: new Date().toISOString() };
  writeFileSync(marker, `${JSON.stringify(rendered, null, 2)}\n`);
  return { ...rendered, cached: false };
}
