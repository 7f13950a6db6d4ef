// Each line of one commentary file (a segment's, as the segment completes) synthesised to its clip
// under a voice prefix, and sped up to end before the next line of the file where it would run
// into it, so that the speech track at the end only places clips. A clip already stored is not
// made again: a retry, or a line said twice, costs a lookup.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pMap from 'p-map';
import type { Language } from '../../contracts/video-commentary';
import { activityContext } from '../activity-context';
import type { Storage } from '../storage/storage';
import { readCommentaryFile, spokenLines } from './commentary-file';
import { createSpeaker, type Speaker } from './speech';
import { clipBatches, clipTempo, speedUpClips, storedClipSamples, synthesiseClips, voiceClipKey } from './voice-clips';
import { toWav } from './voice-format';

export interface SpeakLinesRequest {
  commentaryKey: string;
  /** The commentary's own language when absent. */
  language?: Language;
  /** Where the clips go, `${voicePrefix}${voiceClipKey}.wav`; speakCommentary's voicePrefix. */
  voicePrefix: string;
}

export interface SpeakLinesResult {
  /** Lines in the commentary file. */
  lines: number;
  /** Clips made by this call; the others were stored already. */
  synthesised: number;
}

export function createSpeakLines(storage: Storage, speaker: Speaker = createSpeaker()) {
  return async function speakLines(request: SpeakLinesRequest): Promise<SpeakLinesResult> {
    const context = activityContext();
    const signal = context?.cancellationSignal;
    const commentary = await readCommentaryFile(storage, request.commentaryKey);
    const language = request.language ?? commentary.language;
    const sorted = spokenLines(commentary.lines).sort((x, y) => x.start - y.start);
    const key = (text: string, tempo?: number) => voiceClipKey(request.voicePrefix, speaker.name, language, text, tempo);
    const store = (clipKey: string, samples: Buffer) => storage.put(clipKey, toWav(samples), { 'content-type': 'audio/wav' });
    const dir = await mkdtemp(join(tmpdir(), 'bing-speak-lines-'));
    let done = 0;
    let synthesised = 0;
    // A slow speech API answer is no missed heartbeat.
    const beat = context ? setInterval(() => context.heartbeat({ linesDone: done }), 5000) : undefined;
    try {
      const texts = [...new Set(sorted.map((l) => l.text))];
      const stored = await pMap(texts, async (text) => !!(await storage.head(key(text))), { concurrency: 8 });
      done = stored.filter(Boolean).length;
      for (const batch of clipBatches(texts.filter((_, i) => !stored[i]))) {
        signal?.throwIfAborted();
        const clips = await synthesiseClips(speaker, batch, language, dir, signal);
        await pMap(batch, (text, i) => store(key(text), clips[i]!), { concurrency: 8 });
        synthesised += batch.length;
        done += batch.length;
        context?.heartbeat({ linesDone: done });
      }
      // The last line's slot ends at the next file's first line, or the video's end: speakCommentary fits it.
      for (const batch of clipBatches(sorted.slice(0, -1).map((line, i) => ({ line, slot: sorted[i + 1]!.start - line.start })))) {
        signal?.throwIfAborted();
        const fits = new Map<string, { samples: Buffer; tempo: number }>();
        await pMap(batch, async ({ line, slot }) => {
          const samples = await storedClipSamples(storage, key(line.text));
          const tempo = samples ? clipTempo(samples.length / 2, slot) : 1;
          if (samples && tempo !== 1 && !(await storage.head(key(line.text, tempo)))) fits.set(key(line.text, tempo), { samples, tempo });
        }, { concurrency: 8 });
        const fitted = await speedUpClips([...fits.values()], dir, signal);
        await pMap([...fits.keys()], (clipKey, i) => store(clipKey, fitted[i]!), { concurrency: 8 });
        context?.heartbeat({ linesDone: done });
      }
      return { lines: commentary.lines.length, synthesised };
    } finally {
      if (beat) clearInterval(beat);
      await rm(dir, { recursive: true, force: true });
    }
  };
}
