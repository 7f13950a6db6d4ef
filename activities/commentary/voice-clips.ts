// One line's voice as a clip in the voice track's format, stored under a voice prefix by what it
// says, who says it and how fast: a segment's lines are synthesised (and sped up to fit before the
// next line) as the segment completes, by speakLines, and the final speech track only places the
// stored clips (speakCommentary with voicePrefix).
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import type { Language } from '../../contracts/video-commentary';
import { ObjectNotFound, type Storage } from '../storage/storage';
import type { Speaker } from './speech';
import { pcm, sampleRate, toWav, wavSamples } from './voice-format';

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

/** `text` spoken by `speaker`, as PCM samples in the voice track's format; `scratch` is a file name it may use. */
export async function synthesiseClip(speaker: Speaker, text: string, language: Language, scratch: string, signal?: AbortSignal): Promise<Buffer> {
  try {
    await speaker.speak(text, language, scratch, signal);
    return await pcm(scratch, 1, signal);
  } finally {
    await rm(scratch, { force: true });
  }
}

/** A clip's samples spoken `tempo` times faster; `scratch` is a file name it may use. */
export async function speedUp(samples: Buffer, tempo: number, scratch: string, signal?: AbortSignal): Promise<Buffer> {
  try {
    await writeFile(scratch, toWav(samples));
    return await pcm(scratch, tempo, signal);
  } finally {
    await rm(scratch, { force: true });
  }
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
