// Each line of one commentary file (a segment's, as the segment completes) synthesised to its clip
// under a voice prefix, so that the speech track at the end only places clips. A clip already
// stored is not made again: a retry, or a line said twice, costs a lookup.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pMap from 'p-map';
import type { Language } from '../../contracts/video-commentary';
import { activityContext } from '../activity-context';
import type { Storage } from '../storage/storage';
import { readCommentaryFile, spokenLines } from './commentary-file';
import { createSpeaker, type Speaker } from './speech';
import { synthesiseClip, voiceClipKey } from './voice-clips';
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
    const texts = [...new Set(spokenLines(commentary.lines).map((l) => l.text))];
    const dir = await mkdtemp(join(tmpdir(), 'bing-speak-lines-'));
    let done = 0;
    let synthesised = 0;
    // A slow speech API answer is no missed heartbeat.
    const beat = context ? setInterval(() => context.heartbeat({ linesDone: done }), 5000) : undefined;
    try {
      await pMap(texts, async (text, i) => {
        signal?.throwIfAborted();
        const key = voiceClipKey(request.voicePrefix, speaker.name, language, text);
        if (!await storage.head(key)) {
          await storage.put(key, toWav(await synthesiseClip(speaker, text, language, join(dir, `line-${i}.wav`), signal)), { 'content-type': 'audio/wav' });
          synthesised++;
        }
        context?.heartbeat({ linesDone: ++done });
      }, { concurrency: 2 });
      return { lines: commentary.lines.length, synthesised };
    } finally {
      if (beat) clearInterval(beat);
      await rm(dir, { recursive: true, force: true });
    }
  };
}
