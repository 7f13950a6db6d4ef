// One line's voice as a clip in the voice track's format, stored under a voice prefix by what it
// says, who says it and how fast: a segment's lines are synthesised (and sped up to fit before the
// next line) as the segment completes, by speakLines, and the final speech track only places the
// stored clips (speakCommentary with voicePrefix).
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pMap from 'p-map';
import type { Language } from '../../contracts/video-commentary';
import { ObjectNotFound, type Storage } from '../storage/storage';
import type { Speaker } from './speech';
import { pcmAll, sampleRate, toWav, wavSamples } from './voice-format';

/** A line may be spoken up to this much faster to fit before the next one. */
const maxTempo = 1.5;

/** How much faster a clip of `samples` is spoken to end within `slotSeconds`: 1 when it fits, or when there is no room at all. */
export function clipTempo(samples: number, slotSeconds: number): number {
  const slot = slotSeconds * sampleRate;
  return samples > slot && slot > 0 ? Math.min(maxTempo, samples / slot) : 1;
}

/** Where the clip of `text` spoken by `speaker` in `language` at `tempo` is stored under `voicePrefix`. */
export function voiceClipKey(voicePrefix: string, speaker: Speaker['name'], language: Language, text: string, tempo = 1): string {
  const identity = tempo === 1 ? [speaker, language, text] : [speaker, language, text, tempo.toFixed(3)];
  return `${voicePrefix}${createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 40)}.wav`;
}

/** How many clips one ffmpeg converts: a line's clip is a few seconds, so a batch holds a few MB. */
const clipsPerBatch = 32;

/** `items` in batches of clipsPerBatch, in order. */
export function clipBatches<T>(items: T[]): T[][] {
  return Array.from({ length: Math.ceil(items.length / clipsPerBatch) }, (_, b) => items.slice(b * clipsPerBatch, (b + 1) * clipsPerBatch));
}

/** Runs `work` in a scratch directory of its own under `dir`, removed after. */
async function inScratch<T>(dir: string, work: (scratch: string) => Promise<T>): Promise<T> {
  const scratch = await mkdtemp(join(dir, 'clips-'));
  try {
    return await work(scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Each of `texts` spoken by `speaker` in `language`, as PCM samples in the voice track's format; `dir` is a directory they may use. */
export function synthesiseClips(speaker: Speaker, texts: string[], language: Language, dir: string, signal?: AbortSignal): Promise<Buffer[]> {
  return inScratch(dir, async (scratch) => {
    const files = texts.map((_, i) => join(scratch, `${i}.wav`));
    await pMap(texts, (text, i) => speaker.speak(text, language, files[i]!, signal), { concurrency: 2 });
    return pcmAll(files.map((file) => ({ file })), signal);
  });
}

/** Each clip's samples spoken its `tempo` times faster; `dir` is a directory they may use. */
export function speedUpClips(clips: { samples: Buffer; tempo: number }[], dir: string, signal?: AbortSignal): Promise<Buffer[]> {
  return inScratch(dir, async (scratch) => {
    const files = clips.map((_, i) => join(scratch, `${i}.wav`));
    await Promise.all(clips.map(({ samples }, i) => writeFile(files[i]!, toWav(samples))));
    return pcmAll(clips.map(({ tempo }, i) => ({ file: files[i]!, tempo })), signal);
  });
}

/** The PCM samples of a stored clip; undefined when there is none (or it is not one BING wrote). */
export async function storedClipSamples(storage: Storage, key: string): Promise<Buffer | undefined> {
  try {
    return wavSamples(Buffer.concat(await (await storage.get(key)).toArray() as Buffer[]));
  } catch (err) {
    if (err instanceof ObjectNotFound) return undefined;
    throw err;
  }
}
