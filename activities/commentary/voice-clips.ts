// One line's voice as a clip in the voice track's format, stored under a voice prefix by what it
// says and who says it: a segment's lines are synthesised as the segment completes (speakLines)
// and the final speech track only places the stored clips (speakCommentary with voicePrefix).
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Language } from '../../contracts/video-commentary';
import { ObjectNotFound, type Storage } from '../storage/storage';
import type { Speaker } from './speech';
import { pcm, wavSamples } from './voice-format';

/** Where the clip of `text` spoken by `speaker` in `language` is stored under `voicePrefix`. */
export function voiceClipKey(voicePrefix: string, speaker: Speaker['name'], language: Language, text: string): string {
  const hash = createHash('sha256').update(JSON.stringify([speaker, language, text])).digest('hex').slice(0, 40);
  return `${voicePrefix}${hash}.wav`;
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

/** The PCM samples of a stored clip; undefined when there is none (or it is not one BING wrote). */
export async function storedClipSamples(storage: Storage, key: string): Promise<Buffer | undefined> {
  try {
    return wavSamples(Buffer.concat(await (await storage.get(key)).toArray() as Buffer[]));
  } catch (err) {
    if (err instanceof ObjectNotFound) return undefined;
    throw err;
  }
}
