// Spoken commentary: commentary.wav and commentated.mp4 from a generated video, with and without
// its own sound, by espeak-ng and by an OpenAI-compatible speech server on loopback.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Commentary } from '../activities/commentary/actions';
import type { Language } from '../contracts/video-commentary';
import { createSpeakCommentary } from '../activities/commentary/speak-commentary';
import { createSpeakLines } from '../activities/commentary/speak-lines';
import { createSpeaker, type Speaker } from '../activities/commentary/speech';
import { voiceClipKey } from '../activities/commentary/voice-clips';
import { toWav } from '../activities/commentary/voice-format';
import { LocalStorage } from '../activities/storage/local';
import { apiError, startOpenAIServer, type OpenAIServer } from './helpers/openai-server';
import { probe } from './helpers/probe';
import { testPattern } from './helpers/videos';

const run = promisify(execFile);
/** The activities' own failure logs: failing is what several of these tests expect. */
const quiet = { logger: new DefaultLogger('ERROR') };

/** Runs an activity function in a mock activity context, keeping its types. */
function inActivity<A extends unknown[], R>(env: MockActivityEnvironment, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}

/** The loudest sample level ffmpeg measures over [from, to) seconds, in dB. */
async function peakDb(path: string, from: number, to: number): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-v', 'info', '-ss', String(from), '-t', String(to - from), '-i', path, '-map', '0:a:0', '-af', 'volumedetect', '-f', 'null', '-']);
  return Number(/max_volume: (-?[\d.]+|-inf) dB/.exec(stderr)?.[1] ?? -Infinity);
}

const seconds = 6;
let dir: string;
let storage: LocalStorage;
let withSound: string;
let silent: string;

const commentary = (language: Language): Commentary => {
  const text = language === 'en'
    ? ['The red number 7 gets going.', 'A neat ball from the red number 7 to the blue number 3.', 'The blue number 3 shoots!']
    : ['빨간팀 7번 선수가 움직이기 시작합니다.', '빨간팀 7번 선수가 파란팀 3번 선수에게 패스합니다.', '파란팀 3번 선수, 슛!'];
  const lines = [
    { start: 0.5, end: 1.5, text: text[0]!, eventIds: ['e1'] },
    { start: 2, end: 3, text: text[1]!, eventIds: ['e2'] },
    { start: 4.5, end: 4.7, text: text[2]!, eventIds: ['e3'] },
  ];
  return { language, model: 'template-v2', lines, text: text.join(' ') };
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bing-speech-'));
  storage = new LocalStorage(join(dir, 'storage'));
  const sound = join(dir, 'with-sound.mp4');
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=160x120:rate=25`, '-f', 'lavfi', '-i', `sine=frequency=220:duration=${seconds}`,
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', sound]);
  await storage.upload(sound, 'uploads/u/sound/source');
  await storage.upload(await testPattern(join(dir, 'silent.mp4'), { seconds }), 'uploads/u/silent/source');
  withSound = 'uploads/u/sound/source';
  silent = 'uploads/u/silent/source';
  for (const language of ['en', 'ko'] as const) {
    await storage.put(`results/${language}/commentary.json`, JSON.stringify(commentary(language)));
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectCommentated(videoKey: string, sourceKey: string, language: Language) {
  const out = await probe(storage.localPath(videoKey));
  const source = await probe(storage.localPath(sourceKey));
  expect(out.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'subtitle', 'video']);
  const subtitle = out.streams.find((s) => s.codec_type === 'subtitle')!;
  expect(subtitle.codec_name).toBe('mov_text');
  expect(subtitle.tags?.language).toBe(language === 'ko' ? 'kor' : 'eng');
  expect(Math.abs(Number(out.format.duration) - Number(source.format.duration))).toBeLessThan(0.1);
  // The subtitle track carries the lines: read back as SRT.
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', storage.localPath(videoKey), '-map', '0:s:0', '-f', 'srt', '-']);
  for (const line of commentary(language).lines) expect(stdout).toContain(line.text);
}

describe('speakCommentary with espeak-ng', () => {
  const env = () => new MockActivityEnvironment({ heartbeatTimeoutMs: 60_000 }, quiet);

  it('mixes the voice over the original sound, with subtitles, as long as the source', async () => {
    const speak = createSpeakCommentary(storage);
    const result = await inActivity(env(), speak, { sourceKey: withSound, commentaryKey: 'results/en/commentary.json', resultsPrefix: 'results/en/' });
    expect(result).toMatchObject({ audioKey: 'results/en/commentary.wav', videoKey: 'results/en/commentated.mp4', speaker: 'espeak', spokenLines: 3, skippedLines: 0 });
    await expectCommentated(result.videoKey, withSound, 'en');
    const wav = await probe(storage.localPath(result.audioKey));
    expect(Math.abs(Number(wav.format.duration) - seconds)).toBeLessThan(0.05);
    // Silence before the first line, the voice from its start.
    expect(await peakDb(storage.localPath(result.audioKey), 0, 0.45)).toBeLessThan(-80);
    expect(await peakDb(storage.localPath(result.audioKey), 0.5, 1.5)).toBeGreaterThan(-30);
  });

  it('uses the voice alone when the source has no sound, in Korean', async () => {
    const speak = createSpeakCommentary(storage);
    const result = await inActivity(env(), speak, { sourceKey: silent, commentaryKey: 'results/ko/commentary.json', resultsPrefix: 'results/ko/', language: 'ko' as const });
    expect(result.spokenLines + result.skippedLines).toBe(3);
    expect(result.spokenLines).toBeGreaterThanOrEqual(2);
    await expectCommentated(result.videoKey, silent, 'ko');
    expect(await peakDb(storage.localPath(result.videoKey), 0.6, 1.5)).toBeGreaterThan(-30);
  });

  it('refuses a missing commentary for good', async () => {
    const err = await inActivity(env(), createSpeakCommentary(storage), { sourceKey: silent, commentaryKey: 'results/none/commentary.json', resultsPrefix: 'results/none/' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
  });
});

/** espeak-ng, counting the lines it is asked to say. */
function countingSpeaker(): Speaker & { calls: string[] } {
  const inner = createSpeaker();
  const calls: string[] = [];
  return { name: inner.name, calls, speak: (text, ...rest) => (calls.push(text), inner.speak(text, ...rest)) };
}

describe('speakLines, then speakCommentary from the stored clips', () => {
  const env = () => new MockActivityEnvironment({ heartbeatTimeoutMs: 60_000 }, quiet);
  const voicePrefix = 'results/clips/voice/';
  const lines = commentary('en').lines;

  it('makes each clip once, and the same commentary.wav as speaking every line, without the speaker', async () => {
    const speaker = countingSpeaker();
    const speakLines = createSpeakLines(storage, speaker);
    const request = { commentaryKey: 'results/en/commentary.json', voicePrefix };
    expect(await inActivity(env(), speakLines, request)).toEqual({ lines: 3, synthesised: 3 });
    expect(speaker.calls.sort()).toEqual(lines.map((l) => l.text).sort());
    expect(await inActivity(env(), speakLines, request)).toEqual({ lines: 3, synthesised: 0 });
    expect(speaker.calls).toHaveLength(3);

    const fresh = await inActivity(env(), createSpeakCommentary(storage), { sourceKey: withSound, commentaryKey: request.commentaryKey, resultsPrefix: 'results/clips/fresh/' });
    const cached = await inActivity(env(), createSpeakCommentary(storage, speaker), { ...request, sourceKey: withSound, resultsPrefix: 'results/clips/cached/' });
    expect(speaker.calls).toHaveLength(3);
    expect(cached).toMatchObject({ spokenLines: fresh.spokenLines, skippedLines: fresh.skippedLines });
    const freshWav = await readFile(storage.localPath(fresh.audioKey));
    expect((await readFile(storage.localPath(cached.audioKey))).equals(freshWav)).toBe(true);
    await expectCommentated(cached.videoKey, withSound, 'en');

    // A clip missing from the prefix is synthesised there and then; the others are still read.
    const secondLine = voiceClipKey(voicePrefix, 'espeak', 'en', lines[1]!.text);
    const clipKeys = await storage.list(voicePrefix);
    await storage.delete(secondLine);
    const partial = await inActivity(env(), createSpeakCommentary(storage, speaker), { ...request, sourceKey: withSound, resultsPrefix: 'results/clips/partial/' });
    expect(speaker.calls.slice(3)).toEqual([lines[1]!.text]);
    expect((await readFile(storage.localPath(partial.audioKey))).equals(freshWav)).toBe(true);
    expect(await inActivity(env(), speakLines, request)).toEqual({ lines: 3, synthesised: 1 });

    // The second line (3.5 s of speech before the third, 2.5 s later) is stored sped up too, and that clip is what is placed.
    const base = new Set(lines.map((l) => voiceClipKey(voicePrefix, 'espeak', 'en', l.text)));
    const fitted = clipKeys.filter((key) => !base.has(key));
    expect(fitted.length).toBeGreaterThanOrEqual(1);
    for (const key of fitted) await storage.put(key, toWav(Buffer.alloc((await storage.head(key))!.size - 44)));
    const silenced = await inActivity(env(), createSpeakCommentary(storage, speaker), { ...request, sourceKey: silent, resultsPrefix: 'results/clips/silenced/' });
    expect(speaker.calls).toHaveLength(5);
    expect(await peakDb(storage.localPath(silenced.audioKey), 2.05, 4.4)).toBeLessThan(-80);
    expect(await peakDb(storage.localPath(silenced.audioKey), 4.5, 5.5)).toBeGreaterThan(-30);
  });

  it('keeps clips apart by language and refuses a missing commentary for good', async () => {
    expect(voiceClipKey(voicePrefix, 'espeak', 'ko', lines[0]!.text)).not.toBe(voiceClipKey(voicePrefix, 'espeak', 'en', lines[0]!.text));
    expect(voiceClipKey(voicePrefix, 'openai', 'en', lines[0]!.text)).not.toBe(voiceClipKey(voicePrefix, 'espeak', 'en', lines[0]!.text));
    const err = await inActivity(env(), createSpeakLines(storage), { commentaryKey: 'results/none/commentary.json', voicePrefix }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
  });
});

describe('speakCommentary with an OpenAI-compatible speech server', () => {
  let server: OpenAIServer;
  let tone: Buffer;

  beforeAll(async () => {
    server = await startOpenAIServer();
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=330:duration=0.8:sample_rate=24000', join(dir, 'tone.wav')]);
    tone = await readFile(join(dir, 'tone.wav'));
  });
  afterAll(async () => {
    await server.close();
  });

  const speaker = () => createSpeaker({ backend: 'openai', apiKey: 'sk-test-speech-000000', baseURL: server.baseURL, model: 'gpt-4o-mini-tts', voice: 'verse' });

  it('speaks every line through the speech API', async () => {
    server.reply(...Array.from({ length: 3 }, () => ({ body: tone })));
    const result = await inActivity(new MockActivityEnvironment({}, quiet), createSpeakCommentary(storage, speaker()),
      { sourceKey: withSound, commentaryKey: 'results/en/commentary.json', resultsPrefix: 'results/en-openai/' });
    expect(result).toMatchObject({ speaker: 'openai', spokenLines: 3 });
    expect(server.requests.map((r) => r.path)).toEqual(Array(3).fill('/v1/audio/speech'));
    const inputs = server.requests.map((r) => r.body as { model: string; voice: string; input: string; response_format: string });
    expect(inputs.map((b) => b.input).sort()).toEqual(commentary('en').lines.map((l) => l.text).sort());
    expect(inputs[0]).toMatchObject({ model: 'gpt-4o-mini-tts', voice: 'verse', response_format: 'wav' });
    await expectCommentated(result.videoKey, withSound, 'en');
  });

  it('fails 401 for good and 429 retryably after Retry-After', async () => {
    const speak = createSpeakCommentary(storage, speaker());
    const request = { sourceKey: silent, commentaryKey: 'results/en/commentary.json', resultsPrefix: 'results/en-fail/' };
    server.reply(apiError(401, 'Invalid API key'), apiError(401, 'Invalid API key'));
    const denied = await inActivity(new MockActivityEnvironment({}, quiet), speak, request).catch((e: unknown) => e) as ApplicationFailure;
    expect(denied).toBeInstanceOf(ApplicationFailure);
    expect(denied.nonRetryable).toBe(true);
    expect(denied.message).toMatch(/401/);

    server.requests.length = 0;
    server.reply(apiError(429, 'slow down', { 'retry-after': '12' }), apiError(429, 'slow down', { 'retry-after': '12' }));
    const limited = await inActivity(new MockActivityEnvironment({}, quiet), speak, request).catch((e: unknown) => e) as ApplicationFailure;
    expect(limited.nonRetryable).toBeFalsy();
    expect(limited.nextRetryDelay).toBe(12_000);
    expect(await storage.head('results/en-fail/commentated.mp4')).toBeUndefined();
  });
});
