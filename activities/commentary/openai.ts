// The OpenAI backend: chat completions with a JSON-schema structured output, one request per
// window of events so that a two-hour match fits the context, every answer checked for grounding
// before it is used. Works with any OpenAI-compatible server by base URL.
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { ActionEvent, Commentary, CommentaryLine } from './actions';
import type { Commentator, CommentaryContext, CommentaryInput } from './backend';
import { groundingProblems } from './grounding';
import { CommentaryRejected } from '../../common/errors';
import { toFailure } from '../failures';
import { openAIFailure } from './openai-failures';
import { naming } from './phrases';
import { seedOf } from './seed';

export interface OpenAICommentaryOptions {
  apiKey: string;
  /** Any OpenAI-compatible server; the SDK's default (api.openai.com) when absent. */
  baseURL?: string;
  model: string;
  /** Left to the server when absent (some reasoning models accept only their default). */
  temperature?: number;
  /** Per request, in milliseconds. */
  timeoutMs?: number;
  /** max_completion_tokens per request. */
  maxTokens?: number;
  /** A window holds at most this many seconds of play... */
  windowSeconds?: number;
  /** ...and at most this many events. */
  maxEventsPerWindow?: number;
}

export const commentarySchema = {
  type: 'object',
  properties: {
    lines: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          start: { type: 'number', description: 'seconds from the start of the video' },
          end: { type: 'number', description: 'seconds from the start of the video' },
          text: { type: 'string' },
          eventIds: { type: 'array', items: { type: 'string' }, description: 'ids of the events this line describes' },
        },
        required: ['start', 'end', 'text', 'eventIds'],
        additionalProperties: false,
      },
    },
  },
  required: ['lines'],
  additionalProperties: false,
} as const;

const answerSchema = z.object({
  lines: z.array(z.object({
    start: z.number(),
    end: z.number(),
    text: z.string().min(1),
    eventIds: z.array(z.string()).min(1),
  }).strict()),
}).strict();

/** Events split by time into windows of at most `seconds` and `size` events, in time order. */
export function windows(events: ActionEvent[], seconds: number, size: number): ActionEvent[][] {
  const sorted = [...events].sort((x, y) => x.start - y.start || x.id.localeCompare(y.id));
  const out: ActionEvent[][] = [];
  let current: ActionEvent[] = [];
  for (const e of sorted) {
    if (current.length && (current.length >= size || e.start >= current[0]!.start + seconds)) {
      out.push(current);
      current = [];
    }
    current.push(e);
  }
  if (current.length) out.push(current);
  return out;
}

const languageName = { en: 'English', ko: 'Korean, written in Hangul' } as const;

function systemPrompt(input: CommentaryInput): string {
  const { language, style } = input.options;
  return [
    'You are a broadcast football (soccer) commentator. You are given events detected in a match video and write commentary lines for it.',
    `Write in ${languageName[language]}.`,
    style === 'summary'
      ? 'Style: summary. One or two sentences for each spell of play of about 20 to 60 seconds, telling what mattered in it.'
      : 'Style: play-by-play. Short, lively lines about the notable events as they happen; a line may cover a quick sequence of events. Leave at least 1.5 seconds between the starts of consecutive lines.',
    'Rules, all of them checked:',
    '- Describe only the events given. Do not invent goals, scores, fouls, players or names.',
    '- Every line lists in eventIds the ids of the events it describes, exactly as given.',
    "- A line's start is not before the earliest start of its events, and its end is not after the latest end of its events. Times are seconds from the start of the video.",
    '- Call players by the names given in "players"; a pass goes from the first player to the second, a tackle is won by the first player from the second.',
    '- Lines in time order. Answer with JSON only: {"lines": [{"start", "end", "text", "eventIds"}]}.',
  ].join('\n');
}

function userPrompt(input: CommentaryInput, events: ActionEvent[], index: number, count: number, previous: CommentaryLine[]): string {
  const names = naming(input.options.language, input.tracks, input.options.teamNames, input.options.roster);
  const teams = [0, 1].map((t) => names.team(t as 0 | 1));
  return JSON.stringify({
    video: { durationSeconds: input.actions.video.duration },
    part: count > 1 ? { index: index + 1, of: count, from: events[0]!.start, to: Math.max(...events.map((e) => e.end)) } : undefined,
    teams,
    commentarySoFar: previous.length ? previous.slice(-3).map((l) => l.text) : undefined,
    events: events.map((e) => ({
      id: e.id, start: ms(e.start), end: ms(e.end), action: e.action,
      players: e.trackIds.map((id) => names.player(id)), confidence: Math.round(e.confidence * 100) / 100,
    })),
  });
}

const ms = (s: number) => Math.round(s * 1000) / 1000;

/** A model rounds times: a line up to this far outside its events is moved inside them, not refused. */
const snapSeconds = 0.05;

function snap(line: CommentaryLine, byId: Map<string, ActionEvent>): CommentaryLine {
  const named = line.eventIds.map((id) => byId.get(id));
  if (!named.length || named.some((e) => !e)) return line;
  const first = Math.min(...named.map((e) => e!.start));
  const last = Math.max(...named.map((e) => e!.end));
  const start = line.start < first && first - line.start <= snapSeconds ? first : line.start;
  const end = line.end > last && line.end - last <= snapSeconds ? last : line.end;
  return { ...line, start, end };
}

interface Progress {
  fingerprint: string;
  done: number;
  lines: CommentaryLine[];
  model: string;
  usage: NonNullable<Commentary['usage']>;
}

function isProgress(value: unknown, fingerprint: string): value is Progress {
  return typeof value === 'object' && value !== null && (value as Progress).fingerprint === fingerprint && Array.isArray((value as Progress).lines);
}

export function openAICommentator(options: OpenAICommentaryOptions): Commentator {
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    timeout: options.timeoutMs ?? 120_000,
    maxRetries: 0,
  });
  const windowSeconds = options.windowSeconds ?? 300;
  const maxEvents = options.maxEventsPerWindow ?? 150;

  async function complete(messages: ChatCompletionMessageParam[], seed: number, context: CommentaryContext) {
    // One signal per request, tied to the activity's: the SDK leaves a listener on the signal it gets.
    const controller = new AbortController();
    const abort = () => controller.abort(context.signal?.reason);
    context.signal?.addEventListener('abort', abort, { once: true });
    try {
      return await client.chat.completions.create({
        model: options.model,
        messages,
        response_format: { type: 'json_schema', json_schema: { name: 'commentary', strict: true, schema: commentarySchema } },
        ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
        ...(options.maxTokens === undefined ? {} : { max_completion_tokens: options.maxTokens }),
        seed,
      }, { signal: controller.signal });
    } catch (err) {
      if (context.signal?.aborted) throw context.signal.reason ?? err;
      throw openAIFailure(err, 'commentary request', options.apiKey);
    } finally {
      context.signal?.removeEventListener('abort', abort);
    }
  }

  /** One window's lines: asked once, asked again with the problems stated, then refused. */
  async function writeWindow(input: CommentaryInput, events: ActionEvent[], index: number, count: number, previous: CommentaryLine[], usage: Progress['usage'], context: CommentaryContext) {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: systemPrompt(input) },
      { role: 'user', content: userPrompt(input, events, index, count, previous) },
    ];
    const byId = new Map(events.map((e) => [e.id, e]));
    let problems: string[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const completion = await complete(messages, input.options.seed + index, context);
      usage.requests++;
      usage.promptTokens += completion.usage?.prompt_tokens ?? 0;
      usage.completionTokens += completion.usage?.completion_tokens ?? 0;
      const choice = completion.choices[0];
      const content = choice?.message.content ?? '';
      problems = [];
      let lines: CommentaryLine[] = [];
      if (!choice) problems.push('the answer has no choices');
      else if (choice.message.refusal) problems.push(`the model refused: ${choice.message.refusal}`);
      else if (choice.finish_reason === 'length') problems.push('the answer was cut off at the token limit; write fewer, shorter lines');
      else {
        let json: unknown;
        try {
          json = JSON.parse(content);
        } catch {
          problems.push('the answer is not JSON');
        }
        if (!problems.length) {
          const parsed = answerSchema.safeParse(json);
          if (!parsed.success) {
            problems.push(...parsed.error.issues.slice(0, 5).map((i) => `the answer does not match the schema at ${i.path.join('.') || 'the top'}: ${i.message}`));
          } else {
            lines = parsed.data.lines.map((line) => snap(line, byId));
            problems.push(...groundingProblems(lines, byId, input.options.language).slice(0, 10));
          }
        }
      }
      if (!problems.length) return { lines, model: completion.model || options.model };
      if (attempt === 1) {
        messages.push(
          { role: 'assistant', content: content || '(no answer)' },
          { role: 'user', content: `That answer was rejected: ${problems.join('; ')}. Answer again with the whole JSON, keeping every rule.` },
        );
      }
    }
    throw toFailure(new CommentaryRejected(`the model's commentary was rejected twice${count > 1 ? ` (part ${index + 1} of ${count})` : ''}: ${problems.join('; ')}`));
  }

  return {
    name: 'openai',
    async write(input, context = {}) {
      const parts = windows(input.actions.events, windowSeconds, maxEvents);
      const fingerprint = String(seedOf(JSON.stringify([options.model, input.options, parts.map((p) => p.map((e) => e.id))])));
      const progress: Progress = isProgress(context.resume, fingerprint)
        ? context.resume
        : { fingerprint, done: 0, lines: [], model: options.model, usage: { requests: 0, promptTokens: 0, completionTokens: 0 } };
      for (let i = progress.done; i < parts.length; i++) {
        const { lines, model } = await writeWindow(input, parts[i]!, i, parts.length, progress.lines, progress.usage, context);
        progress.lines.push(...lines);
        progress.model = model;
        progress.done = i + 1;
        context.progress?.(progress);
      }
      const lines = [...progress.lines].sort((x, y) => x.start - y.start || x.end - y.end);
      return { language: input.options.language, model: progress.model, lines, text: lines.map((l) => l.text).join(' '), usage: progress.usage };
    },
  };
}
