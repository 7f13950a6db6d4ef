// The voice clips' conversion: one ffmpeg for many files gives each file the samples it gives alone.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pcmAll, sampleRate } from '../activities/commentary/voice-format';

const run = promisify(execFile);
let dir: string;
const tones = [{ frequency: 220, seconds: 1.5 }, { frequency: 440, seconds: 0.4 }, { frequency: 660, seconds: 2.2 }];
const files = tones.map((_, i) => `tone-${i}.wav`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bing-voice-format-'));
  // espeak-ng's rate, so that every file is resampled.
  for (const [i, { frequency, seconds }] of tones.entries()) {
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=${frequency}:duration=${seconds}:sample_rate=22050`, join(dir, files[i]!)]);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('converts files together to the samples each gives alone, each at its own tempo', async () => {
  const inputs = files.map((file, i) => ({ file: join(dir, file), tempo: i === 1 ? 1 : 1.25 + i / 10 }));
  const together = await pcmAll(inputs);
  const alone = [];
  for (const input of inputs) alone.push(...(await pcmAll([input])));
  expect(together).toHaveLength(3);
  for (const [i, { seconds }] of tones.entries()) {
    expect(together[i]!.equals(alone[i]!)).toBe(true);
    const expected = (seconds * sampleRate) / inputs[i]!.tempo;
    expect(Math.abs(together[i]!.length / 2 - expected)).toBeLessThan(sampleRate * 0.05);
  }
  expect(await pcmAll([])).toEqual([]);
});
