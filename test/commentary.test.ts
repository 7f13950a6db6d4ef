// Commentary: the template backend's grounding, variety and languages; the subtitle files; and the
// OpenAI backend's protocol against an OpenAI-compatible server on loopback.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { WebVTTParser } from 'webvtt-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActionEvent, ActionsFile, CommentaryLine, Style } from '../activities/commentary/actions';
import type { Language } from '../contracts/video-commentary';
import { createCommentator } from '../activities/commentary/commentator';
import { containsHangul, groundingProblems } from '../activities/commentary/grounding';
import { commentarySchema, windows } from '../activities/commentary/openai';
import { retryAfterMs } from '../activities/commentary/openai-failures';
import { phrases } from '../activities/commentary/phrases';
import { toSrt, toWebVtt } from '../activities/commentary/subtitles';
import { templateCommentary } from '../activities/commentary/template';
import { createWriteCommentary, type CommentaryRequest } from '../activities/commentary/write-commentary';
import { LocalStorage } from '../activities/storage/local';
import { readJson } from '../activities/storage/storage';
import { apiError, chatCompletion, startOpenAIServer, type OpenAIServer, type RecordedRequest } from './helpers/openai-server';
import { syntheticMatch, syntheticTeams, syntheticTrackList } from './helpers/synthetic-match';

/** The activities' own failure logs: failing is what several of these tests expect. */
const quiet = { logger: new DefaultLogger('ERROR') };

/** Runs an activity function in a mock activity context, keeping its types. */
function inActivity<A extends unknown[], R>(env: MockActivityEnvironment, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}

const languages: Language[] = ['en', 'ko'];
const styles: Style[] = ['play-by-play', 'summary'];

function expectGrounded(lines: CommentaryLine[], events: ActionEvent[]) {
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const line of lines) {
    expect(line.eventIds.length).toBeGreaterThan(0);
    for (const id of line.eventIds) expect(byId.has(id), `event ${id}`).toBe(true);
    const named = line.eventIds.map((id) => byId.get(id)!);
    expect(line.start).toBeGreaterThanOrEqual(Math.min(...named.map((e) => e.start)));
    expect(line.end).toBeLessThanOrEqual(Math.max(...named.map((e) => e.end)));
    expect(line.end).toBeGreaterThanOrEqual(line.start);
  }
  for (let i = 1; i < lines.length; i++) expect(lines[i]!.start).toBeGreaterThanOrEqual(lines[i - 1]!.start);
}

/** Which phrase of the play-by-play book a line was made from. */
function templateOf(line: string, language: Language): string | undefined {
  for (const [action, list] of Object.entries(phrases[language])) {
    for (const [i, phrase] of list.entries()) {
      const pattern = phrase.replace(/[.*+?^$()|[\]\\!]/g, '\\$&').replaceAll('{a}', '.+').replaceAll('{b}', '.+');
      if (new RegExp(`^${pattern}$`, 'i').test(line)) return `${action}:${i}`;
    }
  }
  return undefined;
}

describe('template commentary', () => {
  const actions = syntheticMatch(120);

  for (const language of languages) {
    for (const style of styles) {
      it(`is grounded in its events: ${language}, ${style}`, () => {
        const c = templateCommentary(actions, syntheticTeams, { language, style, seed: 42 });
        expect(c.language).toBe(language);
        expect(c.lines.length).toBeGreaterThan(style === 'summary' ? 3 : 10);
        expectGrounded(c.lines, actions.events);
        expect(groundingProblems(c.lines, actions.events, language)).toEqual([]);
        expect(c.text).toBe(c.lines.map((l) => l.text).join(' '));
        if (language === 'ko') {
          for (const line of c.lines) {
            expect(containsHangul(line.text), line.text).toBe(true);
            expect(line.text, 'no Latin letters without given names').not.toMatch(/[A-Za-z]/);
          }
        } else {
          for (const line of c.lines) expect(line.text).toMatch(/^[A-Z0-9]/);
        }
      });
    }
  }

  it('is the same for the same seed and differs for another', () => {
    const a = templateCommentary(actions, syntheticTeams, { language: 'en', style: 'play-by-play', seed: 7 });
    const b = templateCommentary(actions, syntheticTeams, { language: 'en', style: 'play-by-play', seed: 7 });
    const c = templateCommentary(actions, syntheticTeams, { language: 'en', style: 'play-by-play', seed: 8 });
    expect(b).toEqual(a);
    expect(c.text).not.toBe(a.text);
  });

  it('never uses one template for two consecutive lines', () => {
    for (const language of languages) {
      for (const seed of [1, 2, 3, 4, 5]) {
        // Only shots: every line draws from the same four templates.
        const shots = { ...actions, events: actions.events.map((e) => ({ ...e, action: 'shot', trackIds: [e.trackIds[0]!] })) };
        const lines = templateCommentary(shots, syntheticTeams, { language, style: 'play-by-play', seed }).lines;
        const used = lines.map((l) => templateOf(l.text, language));
        expect(used.every(Boolean), JSON.stringify(lines.slice(0, 3))).toBe(true);
        for (let i = 1; i < used.length; i++) expect(used[i], `${language} seed ${seed} line ${i}`).not.toBe(used[i - 1]);
      }
      const summary = templateCommentary(actions, syntheticTeams, { language, style: 'summary', seed: 3 }).lines;
      for (let i = 1; i < summary.length; i++) expect(summary[i]!.text).not.toBe(summary[i - 1]!.text);
    }
  });

  it('does not stretch a line past a short event', () => {
    const short = { ...actions, events: [{ id: 's1', start: 5, end: 5.2, trackIds: [1], action: 'shot', confidence: 0.9 }] };
    const [line] = templateCommentary(short, syntheticTeams, { language: 'en', style: 'play-by-play', seed: 1 }).lines;
    expect(line).toMatchObject({ start: 5, end: 5.2, eventIds: ['s1'] });
  });

  it('uses team names and the roster', () => {
    const options = { seed: 5, teamNames: { 0: 'Reds', 1: 'Blues' }, roster: { 1: 'Son', 2: 'Kane', 3: 'Kim', 4: 'Lee' } };
    for (const style of styles) {
      const en = templateCommentary(actions, syntheticTeams, { ...options, language: 'en', style }).text;
      expect(en).toMatch(/Reds|Blues/);
      if (style === 'play-by-play') expect(en).toMatch(/Son|Kane|Kim|Lee/);
      expect(en).not.toMatch(/red team|blue team|the red number|the blue number/);
    }
    const ko = templateCommentary(actions, syntheticTeams, { seed: 5, language: 'ko', style: 'play-by-play', teamNames: { 0: '레즈', 1: '블루스' }, roster: { 1: '손흥민' } }).text;
    expect(ko).toContain('손흥민 선수');
    expect(ko).toMatch(/레즈|블루스/);
  });

  it('speaks of players, without a ball or colours, on footage with neither ball nor kits', () => {
    // Street footage: the MOT job finds no ball and no two kits, so the action job reports movement only.
    const ballLess = new Set(['start-moving', 'stop', 'sprint', 'meet']);
    const moves = { ...actions, events: actions.events.filter((e) => ballLess.has(e.action)) };
    expect(moves.events.length).toBeGreaterThan(5);
    const noTeams = new Map([...syntheticTeams].map(([id, t]) => [id, { ...t, team: null }]));
    for (const style of styles) {
      const { lines } = templateCommentary(moves, noTeams, { language: 'en', style, seed: 3 });
      expect(lines.length).toBeGreaterThan(0);
      for (const { text } of lines) {
        expect(text).not.toMatch(/\bball\b|\bteams?\b|\bsides?\b/i);
        expect(text).not.toMatch(/\b(red|blue|white|yellow|black|orange|green|purple|home|away)\b/i);
      }
      const ko = templateCommentary(moves, noTeams, { language: 'ko', style, seed: 3 }).text;
      // 공 is the ball, 공간 a space.
      expect(ko).not.toMatch(/공(?!간)|볼|팀/);
    }
  });

  it('writes nothing for a video without events', () => {
    for (const style of styles) {
      const c = templateCommentary({ ...actions, events: [] }, syntheticTeams, { language: 'en', style, seed: 1 });
      expect(c).toMatchObject({ lines: [], text: '' });
    }
  });
});

describe('subtitles', () => {
  const lines: CommentaryLine[] = [
    { start: 0.5, end: 0.7, text: 'A quick shot & a <save>!', eventIds: ['e1'] },
    { start: 1.2, end: 3.4, text: 'Two lines\nin one', eventIds: ['e2'] },
    { start: 3.9, end: 4.0, text: '빨간팀 7번 선수, 슛!', eventIds: ['e3'] },
    { start: 3661.5, end: 3662.25, text: 'An hour in.', eventIds: ['e4'] },
  ];

  it('writes WebVTT that a WebVTT parser reads back', () => {
    const vtt = toWebVtt(lines, { duration: 3662 });
    const tree = new WebVTTParser().parse(vtt, 'subtitles');
    expect(tree.errors).toEqual([]);
    expect(tree.cues.map((c) => c.startTime)).toEqual(lines.map((l) => l.start));
    expect(tree.cues.map((c) => c.text)).toEqual(['A quick shot &amp; a &lt;save&gt;!', 'Two lines in one', '빨간팀 7번 선수, 슛!', 'An hour in.']);
    // Held on screen for reading, but never into the next line or past the end of the video.
    expect(tree.cues.map((c) => c.endTime)).toEqual([1.2, 3.4, 5.4, 3662]);
  });

  it('writes SRT with comma timestamps', () => {
    const srt = toSrt(lines, { duration: 3662 });
    const blocks = srt.split('\n\n').filter(Boolean);
    expect(blocks).toHaveLength(lines.length);
    blocks.forEach((block, i) => {
      expect(block).toMatch(/^\d+\n\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}\n[^\n]+$/);
      expect(block.split('\n')[0]).toBe(String(i + 1));
    });
    expect(srt).toContain('01:01:01,500 --> 01:01:02,000');
    expect(srt).toContain('2\n00:00:01,200 --> 00:00:03,400\nTwo lines in one\n');
    expect(srt.endsWith('\n\n')).toBe(true);
  });
});

// ---- the activity, over a temporary storage directory ----

let dir: string;
let storage: LocalStorage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bing-commentary-'));
  storage = new LocalStorage(join(dir, 'storage'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function stage(videoId: string, actions: ActionsFile): Promise<CommentaryRequest> {
  const resultsPrefix = `results/${videoId}/`;
  await storage.put(`${resultsPrefix}actions.json`, JSON.stringify(actions));
  await storage.put(`${resultsPrefix}tracks.json`, JSON.stringify({ tracks: syntheticTrackList }));
  return { videoId, actionsKey: `${resultsPrefix}actions.json`, tracksKey: `${resultsPrefix}tracks.json`, resultsPrefix, language: 'en' };
}

/** A 15-second synthetic match staged for `videoId`. */
async function stagedMatch(videoId: string): Promise<{ actions: ActionsFile; request: CommentaryRequest }> {
  const actions = syntheticMatch(15);
  return { actions, request: await stage(videoId, actions) };
}

const activityEnv = () => new MockActivityEnvironment({ heartbeatTimeoutMs: 30_000 }, quiet);

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('writeCommentary with the template (the default)', () => {
  it('writes commentary.json, .vtt and .srt in English and Korean', async () => {
    const actions = syntheticMatch(40);
    const write = createWriteCommentary(storage);
    for (const language of languages) {
      const request = await stage(`tpl-${language}`, actions);
      const result = await inActivity(activityEnv(), write, { ...request, language, style: 'summary' as const, teamNames: { 0: 'Reds' } });
      expect(result).toMatchObject({ backend: 'template', model: 'template-v2', language, style: 'summary', events: actions.events.length, tracks: 11 });
      expect(result.srtKey).toBe(`${request.resultsPrefix}commentary.srt`);
      const json = await readJson(storage, result.commentaryKey) as { language: string; model: string; lines: CommentaryLine[]; text: string };
      expect(json.language).toBe(language);
      expect(json.lines).toHaveLength(result.lines);
      expectGrounded(json.lines, actions.events);
      const vtt = (await readAll(result.vttKey));
      expect(new WebVTTParser().parse(vtt).errors).toEqual([]);
      expect(await readAll(result.srtKey)).toMatch(/^1\n\d{2}:\d{2}:\d{2},\d{3} --> /);
    }
  });

  it('refuses bad options for good', async () => {
    const request = await stage('tpl-bad', syntheticMatch(10));
    const failure = await failureOf(inActivity(activityEnv(), createWriteCommentary(storage), { ...request, style: 'poetry' as Style }));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/style/);
  });
});

async function readAll(key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// ---- the OpenAI backend against a local OpenAI-compatible server ----

/** The events a recorded chat request sent, from its user message. */
function sentEvents(request: RecordedRequest): ActionEvent[] {
  const body = request.body as { messages: { role: string; content: string }[] };
  const user = body.messages.find((m) => m.role === 'user')!;
  return (JSON.parse(user.content) as { events: ActionEvent[] }).events;
}

/** A good answer to a request: one line per event it sent, within the event. */
const goodAnswer = (language: Language = 'en') => (request: RecordedRequest) =>
  chatCompletion({ lines: sentEvents(request).map((e) => ({ start: e.start, end: e.end, text: language === 'ko' ? `${e.action} 장면입니다.` : `Now a ${e.action}.`, eventIds: [e.id] })) });

describe('writeCommentary with OpenAI', () => {
  let server: OpenAIServer;
  const apiKey = 'sk-test-0123456789abcdef';

  beforeAll(async () => {
    server = await startOpenAIServer();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  const commentator = (extra = {}) => createCommentator({ backend: 'openai', apiKey, baseURL: server.baseURL, model: 'gpt-test', temperature: 0.4, maxTokens: 4000, timeoutMs: 5000, ...extra });
  /** writeCommentary with the OpenAI commentator, run as an activity. */
  const writeWithOpenAI = (request: CommentaryRequest) => inActivity(activityEnv(), createWriteCommentary(storage, commentator()), request);

  it('sends the schema and the events and writes grounded lines', async () => {
    const actions = syntheticMatch(30);
    const request = await stage('oa-ok', actions);
    server.reply(goodAnswer('ko'));
    const result = await writeWithOpenAI({ ...request, language: 'ko' as const, roster: { 1: '손흥민' } });
    expect(result).toMatchObject({ backend: 'openai', model: 'test-model', language: 'ko', lines: actions.events.length, usage: { requests: 1, promptTokens: 100, completionTokens: 20 } });

    expect(server.requests).toHaveLength(1);
    const [sent] = server.requests;
    expect(sent!.path).toBe('/v1/chat/completions');
    expect(sent!.headers.authorization).toBe(`Bearer ${apiKey}`);
    const body = sent!.body as Record<string, unknown> & { response_format: { type: string; json_schema: { schema: unknown; strict: boolean } } };
    expect(body).toMatchObject({ model: 'gpt-test', temperature: 0.4, max_completion_tokens: 4000 });
    expect(body.response_format.type).toBe('json_schema');
    expect(body.response_format.json_schema.strict).toBe(true);
    expect(body.response_format.json_schema.schema).toEqual(commentarySchema);
    expect(sentEvents(sent!).map((e) => e.id)).toEqual(actions.events.map((e) => e.id));
    expect(JSON.stringify(body)).toContain('손흥민');
    expect(JSON.stringify(body)).toContain('Korean');

    const json = await readJson(storage, result.commentaryKey) as { lines: CommentaryLine[]; model: string };
    expect(json.model).toBe('test-model');
    expectGrounded(json.lines, actions.events);
  });

  it('fails a 429 retryably after Retry-After, and the next attempt succeeds', async () => {
    const actions = syntheticMatch(20);
    const request = await stage('oa-429', actions);
    const write = createWriteCommentary(storage, commentator());
    server.reply(apiError(429, 'Rate limit reached for gpt-test', { 'retry-after': '7' }, 'rate_limit_exceeded'), goodAnswer());
    const failure = await failureOf(inActivity(activityEnv(), write, request));
    expect(failure.nonRetryable).toBeFalsy();
    expect(failure.type).toBe('OpenAIRateLimited');
    expect(failure.nextRetryDelay).toBe(7000);
    expect(await storage.head(`${request.resultsPrefix}commentary.json`)).toBeUndefined();

    const result = await inActivity(activityEnv(), write, request);
    expect(result.lines).toBe(actions.events.length);
    expect(server.requests).toHaveLength(2);
  });

  it('fails a 5xx retryably, with the delay the server asks for if any', async () => {
    const request = await stage('oa-503', syntheticMatch(10));
    const write = createWriteCommentary(storage, commentator());
    server.reply(apiError(503, 'overloaded', { 'retry-after-ms': '1500' }), apiError(500, 'boom'));
    expect((await failureOf(inActivity(activityEnv(), write, request))).nextRetryDelay).toBe(1500);
    const second = await failureOf(inActivity(activityEnv(), write, request));
    expect(second.nonRetryable).toBeFalsy();
    expect(second.nextRetryDelay).toBeUndefined();
    expect(server.requests).toHaveLength(2);
  });

  it('fails 401 and 400 for good, with the reason', async () => {
    const request = await stage('oa-401', syntheticMatch(10));
    const write = createWriteCommentary(storage, commentator());
    server.reply(apiError(401, `Incorrect API key provided: ${apiKey}`, {}, 'invalid_api_key'));
    const unauthorised = await failureOf(inActivity(activityEnv(), write, request));
    expect(unauthorised.nonRetryable).toBe(true);
    expect(unauthorised.message).toMatch(/401.*Incorrect API key/);
    expect(unauthorised.message).not.toContain(apiKey);

    server.reply(apiError(400, "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."));
    const bad = await failureOf(inActivity(activityEnv(), write, request));
    expect(bad.nonRetryable).toBe(true);
    expect(bad.message).toMatch(/400.*response_format/);
    expect(server.requests).toHaveLength(2);
    expect(await storage.head(`${request.resultsPrefix}commentary.json`)).toBeUndefined();
  });

  it('asks again once for a malformed answer, then fails for good and writes nothing', async () => {
    const { actions, request } = await stagedMatch('oa-bad');
    const e = actions.events[0]!;
    server.reply(
      chatCompletion('Here is your commentary: great match!'),
      chatCompletion({ lines: [{ start: e.start, end: e.end, text: 'A goal!', eventIds: ['e9999'] }] }),
    );
    const failure = await failureOf(writeWithOpenAI(request));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('CommentaryRejected');
    expect(failure.message).toContain('e9999');
    expect(server.requests).toHaveLength(2);
    const retry = server.requests[1]!.body as { messages: { role: string; content: string }[] };
    expect(retry.messages.at(-2)).toMatchObject({ role: 'assistant', content: 'Here is your commentary: great match!' });
    expect(retry.messages.at(-1)!.content).toMatch(/rejected: the answer is not JSON/);
    expect(await storage.head(`${request.resultsPrefix}commentary.json`)).toBeUndefined();
  });

  it('rejects lines timed outside their events and lines in the wrong language', async () => {
    const { actions, request } = await stagedMatch('oa-time');
    const e = actions.events[0]!;
    server.reply(
      chatCompletion({ lines: [{ start: e.start, end: e.end + 5, text: 'Too long.', eventIds: [e.id] }] }),
      goodAnswer('ko'),
    );
    const result = await writeWithOpenAI({ ...request, language: 'ko' as const });
    expect(result.lines).toBe(actions.events.length);
    const retry = server.requests[1]!.body as { messages: { content: string }[] };
    expect(retry.messages.at(-1)!.content).toMatch(/outside its events' span/);

    server.reply(goodAnswer('en'), goodAnswer('en'));
    const failure = await failureOf(writeWithOpenAI({ ...request, language: 'ko' as const }));
    expect(failure.message).toMatch(/not in Korean/);
  });

  it('moves a line rounded a hair outside its events inside them', async () => {
    const { actions, request } = await stagedMatch('oa-snap');
    const [a, b] = actions.events;
    server.reply(chatCompletion({ lines: [
      { start: a!.start - 0.02, end: a!.end + 0.03, text: 'Close enough.', eventIds: [a!.id] },
      { start: b!.start, end: b!.end, text: 'Exact.', eventIds: [b!.id] },
    ] }));
    const result = await writeWithOpenAI(request);
    expect(server.requests).toHaveLength(1);
    const json = await readJson(storage, result.commentaryKey) as { lines: CommentaryLine[] };
    expect(json.lines[0]).toMatchObject({ start: a!.start, end: a!.end });
  });

  it('writes no lines and asks nothing for a video without events', async () => {
    const request = await stage('oa-empty', { ...syntheticMatch(15), events: [] });
    const result = await writeWithOpenAI(request);
    expect(result).toMatchObject({ lines: 0, model: 'gpt-test' });
    expect(server.requests).toHaveLength(0);
  });

  it('splits a two-hour match into windows and merges the lines in time order', async () => {
    const actions = syntheticMatch(7200, 3);
    expect(actions.events.length).toBeGreaterThan(2000);
    const parts = windows(actions.events, 300, 150);
    expect(parts.flat()).toHaveLength(actions.events.length);
    const request = await stage('oa-long', actions);
    for (let i = 0; i < parts.length; i++) server.reply(goodAnswer());
    const env = activityEnv();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const result = await inActivity(env, createWriteCommentary(storage, commentator()), request);
    expect(server.requests).toHaveLength(parts.length);
    for (const [i, sent] of server.requests.entries()) {
      const events = sentEvents(sent);
      expect(events.length).toBeLessThanOrEqual(150);
      expect(events.map((e) => e.id)).toEqual(parts[i]!.map((e) => e.id));
    }
    expect(beats).toHaveLength(parts.length);
    const json = await readJson(storage, result.commentaryKey) as { lines: CommentaryLine[] };
    expect(json.lines).toHaveLength(actions.events.length);
    expectGrounded(json.lines, actions.events);
  });

  it('resumes after the windows a previous attempt finished', async () => {
    const actions = syntheticMatch(900, 4);
    const request = await stage('oa-resume', actions);
    const parts = windows(actions.events, 300, 150);
    expect(parts.length).toBeGreaterThan(2);
    const write = createWriteCommentary(storage, commentator());
    const first = activityEnv();
    let last: unknown;
    first.on('heartbeat', (d: unknown) => (last = d));
    server.reply(goodAnswer(), apiError(429, 'slow down', { 'retry-after': '1' }));
    await failureOf(inActivity(first, write, request));
    expect(server.requests).toHaveLength(2);

    for (let i = 1; i < parts.length; i++) server.reply(goodAnswer());
    const second = new MockActivityEnvironment({ heartbeatDetails: last, attempt: 2 }, quiet);
    const result = await inActivity(second, write, request);
    expect(server.requests).toHaveLength(1 + parts.length);
    expect(sentEvents(server.requests[2]!)[0]!.id).toBe(parts[1]![0]!.id);
    expect(result.lines).toBe(actions.events.length);
  });

  it('reads Retry-After in seconds, milliseconds and as a date', () => {
    const h = (o: Record<string, string>) => new Headers(o);
    expect(retryAfterMs(h({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMs(h({ 'retry-after-ms': '250', 'retry-after': '3' }))).toBe(250);
    expect(retryAfterMs(h({ 'retry-after': new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString() }), Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(retryAfterMs(h({}))).toBeUndefined();
  });
});
