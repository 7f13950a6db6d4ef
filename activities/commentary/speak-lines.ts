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
import { clipTempo, speedUp, storedClipSamples, synthesiseClip, voiceClipKey } from './voice-clips';
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
    /** Stores the clip `make` makes at `clipKey` unless it is there; whether it made it. */
    const ensure = async (clipKey: string, make: () => Promise<Buffer>) => {
      if (await storage.head(clipKey)) return false;
      await storage.put(clipKey, toWav(await make()), { 'content-type': 'audio/wav' });
      return true;
    };
    const dir = await mkdtemp(join(tmpdir(), 'bing-speak-lines-'));
    let done = 0;
    let synthesised = 0;
    // A slow speech API answer is no missed heartbeat.
    const beat = context ? setInterval(() => context.heartbeat({ linesDone: done }), 5000) : undefined;
    try {
      await pMap([...new Set(sorted.map((l) => l.text))], async (text, i) => {
        signal?.throwIfAborted();
        if (await ensure(key(text), () => synthesiseClip(speaker, text, language, join(dir, `line-${i}.wav`), signal))) synthesised++;
        context?.heartbeat({ linesDone: ++done });
      }, { concurrency: 2 });
      // The last line's slot ends at the next file's first line, or the video's end: speakCommentary fits it.
      await pMap(sorted.slice(0, -1), async (line, i) => {
        signal?.throwIfAborted();
        const clip = await storedClipSamples(storage, key(line.text));
        const tempo = clip ? clipTempo(clip.length / 2, sorted[i + 1]!.start - line.start) : 1;
        if (clip && tempo !== 1) await ensure(key(line.text, tempo), () => speedUp(clip, tempo, join(dir, `fit-${i}.wav`), signal));
        context?.heartbeat({ linesDone: done });
      }, { concurrency: 2 });
      return { lines: commentary.lines.length, synthesised };
    } finally {
      if (beat) clearInterval(beat);
      await rm(dir, { recursive: true, force: true });
    }
  };
}
