// Spoken commentary: every line synthesised and placed at its start time on one voice track as
// long as the video (commentary.wav), then commentated.mp4: the original video, the voice over the
// original sound (or alone when the source has none), and the commentary as a soft subtitle track.
// With a voice prefix, the lines' clips stored there by speakLines are placed as they are and only
// the lines missing there are synthesised.
import { activityContext } from '../activity-context';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pMap from 'p-map';
import { SAFE_VIDEO_INPUT } from '../../common/video-input';
import { badInput, jobFailed } from '../failures';
import { ffprobe } from '../probe';
import type { Storage } from '../storage/storage';
import type { CommentaryLine } from './actions';
import type { Language } from '../../contracts/video-commentary';
import { readCommentaryFile, spokenLines } from './commentary-file';
import { createSpeaker, type Speaker } from './speech';
import { toSrt } from './subtitles';
import { clipBatches, clipTempo, speedUpClips, storedClipSamples, synthesiseClips, voiceClipKey } from './voice-clips';
import { madeHere, sampleRate, wavHeader } from './voice-format';

const run = promisify(execFile);

export interface SpeakRequest {
  sourceKey: string;
  commentaryKey: string;
  resultsPrefix: string;
  /** The commentary's own language when absent. */
  language?: Language;
  /** Where speakLines stored the lines' clips; every line is synthesised here when absent. */
  voicePrefix?: string;
}

export interface SpeakResult {
  audioKey: string;
  videoKey: string;
  speaker: Speaker['name'];
  spokenLines: number;
  /** Lines left unspoken because the voice was too far behind them. */
  skippedLines: number;
  durationSeconds: number;
}

/** A line whose voice would start this much after the line itself is left unspoken. */
const maxLagSeconds = 2;
/** The original sound under the voice. */
const bedVolume = 0.6;

/** Codecs an MP4 file can carry as they are; anything else is re-encoded to H.264. */
const mp4VideoCodecs = new Set(['h264', 'hevc', 'mpeg4', 'av1', 'vp9']);

interface SourceFacts {
  duration: number;
  hasAudio: boolean;
  videoCodec: string;
}

async function probe(path: string): Promise<SourceFacts> {
  try {
    const out = await ffprobe(path);
    const video = out.streams?.find((s) => s.codec_type === 'video');
    const duration = Number(out.format?.duration ?? video?.duration ?? 0);
    if (!video || !(duration > 0)) throw new Error('no video stream with a duration');
    return { duration, hasAudio: !!out.streams?.some((s) => s.codec_type === 'audio'), videoCodec: video.codec_name ?? '' };
  } catch (err) {
    throw badInput(`the source video cannot be read: ${(err as Error).message.split('\n')[0]}`);
  }
}

interface Voice {
  speaker: Speaker;
  language: Language;
  /** Where the lines' clips may already be stored. */
  clips?: { storage: Storage; prefix: string };
}

/**
 * The voice track: silence as long as the video, each line's voice at its start time (sped up a
 * little when it would run into the next line, later when the previous one is still speaking,
 * left out when that would be more than maxLagSeconds late). Written as it goes: a two-hour
 * match does not sit in memory.
 */
async function voiceTrack(lines: CommentaryLine[], duration: number, voice: Voice, dir: string, out: string, tick: () => void, signal?: AbortSignal) {
  const sorted = spokenLines(lines).filter((l) => l.start < duration).sort((x, y) => x.start - y.start);
  const total = Math.round(duration * sampleRate);
  const file = await open(out, 'w');
  let spoken = 0;
  let skipped = 0;
  try {
    await file.write(wavHeader(total));
    let cursor = 0;
    const silence = Buffer.alloc(sampleRate * 2);
    const pad = async (until: number) => {
      while (cursor < until) {
        const n = Math.min(until - cursor, sampleRate);
        await file.write(silence, 0, n * 2);
        cursor += n;
      }
    };
    const slot = (i: number) => (sorted[i + 1]?.start ?? duration) - sorted[i]!.start;
    // A line's stored clip, and the same sped up to fit its slot where speakLines saw the same next line.
    const stored = async (line: CommentaryLine, i: number) => {
      if (!voice.clips) return undefined;
      const { storage, prefix } = voice.clips;
      const key = (tempo?: number) => voiceClipKey(prefix, voice.speaker.name, voice.language, line.text, tempo);
      const clip = await storedClipSamples(storage, key());
      const tempo = clip ? clipTempo(clip.length / 2, slot(i)) : 1;
      return clip && { clip, fitted: tempo === 1 ? clip : await storedClipSamples(storage, key(tempo)) };
    };
    type Placed = { line: CommentaryLine; i: number };
    // Stored or synthesised, a line's clip is the same samples, and the tempo change is made on them.
    const fit = async (batch: Placed[], found: ({ clip: Buffer; fitted?: Buffer } | undefined)[]) => {
      const made = await synthesiseClips(voice.speaker, batch.filter((_, j) => !found[j]).map(({ line }) => line.text), voice.language, dir, signal);
      const clips = batch.map((_, j) => found[j]?.clip ?? made.shift()!);
      const tempos = batch.map(({ i }, j) => clipTempo(clips[j]!.length / 2, slot(i)));
      const toFit = batch.flatMap((_, j) => (found[j]?.fitted || tempos[j] === 1 ? [] : [j]));
      const sped = await speedUpClips(toFit.map((j) => ({ samples: clips[j]!, tempo: tempos[j]! })), dir, signal);
      const fitted = clips.map((clip, j) => found[j]?.fitted ?? clip);
      toFit.forEach((j, n) => (fitted[j] = sped[n]!));
      batch.forEach(() => tick());
      return fitted;
    };
    // Stored clips read eight at a time, the others synthesised and fitted a batch at a time, a few dozen held at most, placed in order.
    for (const batch of clipBatches(sorted.map((line, i) => ({ line, i })))) {
      const found = await pMap(batch, ({ line, i }) => stored(line, i), { concurrency: 8 });
      const clips = await fit(batch, found);
      for (const [j, { line }] of batch.entries()) {
        const at = Math.max(Math.round(line.start * sampleRate), cursor);
        if (at - line.start * sampleRate > maxLagSeconds * sampleRate || at >= total) {
          skipped++;
          continue;
        }
        await pad(at);
        const audio = clips[j]!;
        const samples = Math.min(audio.length / 2, total - cursor);
        await file.write(audio, 0, samples * 2);
        cursor += samples;
        spoken++;
      }
    }
    await pad(total);
  } finally {
    await file.close();
  }
  return { spoken, skipped };
}

async function mux(source: SourceFacts & { path: string }, voice: string, subtitles: string, language: Language, out: string, signal?: AbortSignal) {
  const lang = language === 'ko' ? 'kor' : 'eng';
  const audio = source.hasAudio
    ? ['-filter_complex', `[0:a:0]volume=${bedVolume}[bed];[bed][1:a:0]amix=inputs=2:duration=longest:dropout_transition=0:normalize=0[mix]`, '-map', '[mix]']
    : ['-map', '1:a:0'];
  const video = mp4VideoCodecs.has(source.videoCodec)
    ? ['-c:v', 'copy', ...(source.videoCodec === 'hevc' ? ['-tag:v', 'hvc1'] : [])]
    : ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p'];
  await run('ffmpeg', [
    '-v', 'error', '-y', ...SAFE_VIDEO_INPUT, '-i', source.path, ...madeHere('wav'), '-i', voice, ...madeHere('srt'), '-i', subtitles,
    '-map', '0:v:0', ...audio, '-map', '2:s:0',
    // The fast coder: a third of the default's time on speech, the whole of this step's wait for a long match.
    ...video, '-c:a', 'aac', '-aac_coder', 'fast', '-b:a', '160k', '-c:s', 'mov_text',
    '-metadata:s:a:0', `language=${lang}`, '-metadata:s:s:0', `language=${lang}`, '-metadata:s:s:0', 'title=Commentary',
    '-t', source.duration.toFixed(3), '-movflags', '+faststart', out,
  ], { maxBuffer: 16 << 20, signal });
}


export function createSpeakCommentary(storage: Storage, speaker: Speaker = createSpeaker()) {
  return async function speakCommentary(request: SpeakRequest): Promise<SpeakResult> {
    const context = activityContext();
    const signal = context?.cancellationSignal;
    let done = 0;
    const tick = () => context?.heartbeat({ linesSynthesised: ++done });
    const dir = await mkdtemp(join(tmpdir(), 'bing-speak-'));
    const beat = context ? setInterval(() => context.heartbeat({ linesSynthesised: done }), 5000) : undefined;
    try {
      const commentary = await readCommentaryFile(storage, request.commentaryKey);
      const language = request.language ?? commentary.language;

      const local = storage.localPath?.(request.sourceKey);
      const sourcePath = local && existsSync(local) ? local : join(dir, 'source');
      if (sourcePath !== local) await storage.download(request.sourceKey, sourcePath);
      const source = { ...(await probe(sourcePath)), path: sourcePath };

      const voicePath = join(dir, 'commentary.wav');
      const { spoken, skipped } = await voiceTrack(commentary.lines, source.duration, {
        speaker, language, clips: request.voicePrefix === undefined ? undefined : { storage, prefix: request.voicePrefix },
      }, dir, voicePath, tick, signal);
      const srtPath = join(dir, 'commentary.srt');
      // An empty SRT is no subtitle stream at all: a commentary without lines still gets its track.
      const srt = toSrt(commentary.lines.filter((l) => l.start < source.duration), { duration: source.duration });
      await writeFile(srtPath, srt || '1\n00:00:00,000 --> 00:00:00,010\n \n\n');
      const videoPath = join(dir, 'commentated.mp4');
      try {
        await mux(source, voicePath, srtPath, language, videoPath, signal);
      } catch (err) {
        if (signal?.aborted) throw err;
        const reason = ((err as { stderr?: string }).stderr ?? String(err)).split('\n').map((l) => l.trim()).find(Boolean) ?? 'unknown error';
        throw jobFailed(`ffmpeg could not make the commentated video: ${reason.replaceAll(dir, '.')}`);
      }

      const audioKey = `${request.resultsPrefix}commentary.wav`;
      const videoKey = `${request.resultsPrefix}commentated.mp4`;
      await storage.upload(voicePath, audioKey, { 'content-type': 'audio/wav' });
      await storage.upload(videoPath, videoKey, { 'content-type': 'video/mp4' });
      return { audioKey, videoKey, speaker: speaker.name, spokenLines: spoken, skippedLines: skipped, durationSeconds: source.duration };
    } finally {
      if (beat) clearInterval(beat);
      await rm(dir, { recursive: true, force: true });
    }
  };
}
