// Commentary for synthetic matches of 1, 10 and 90 minutes, in English and Korean: how long the
// template backend takes, and the OpenAI backend against a local OpenAI-compatible server (whose
// answers are the template's lines, so its latency is this machine's, not OpenAI's), with the
// prompt and completion tokens that OpenAI would count, by gpt-tokenizer from the requests and
// answers that went over the wire.
import { performance } from 'node:perf_hooks';
import { countTokens } from 'gpt-tokenizer/model/gpt-4.1-mini';
import type { ActionsFile } from '../activities/commentary/actions';
import type { Language } from '../contracts/video-commentary';
import { createCommentator } from '../activities/commentary/commentator';
import { commentarySchema } from '../activities/commentary/openai';
import { templateCommentary } from '../activities/commentary/template';
import { chatCompletion, startOpenAIServer, type OpenAIServer, type RecordedRequest } from '../test/helpers/openai-server';
import { syntheticMatch, syntheticTeams } from '../test/helpers/synthetic-match';

export interface CommentaryRow {
  backend: string;
  language: Language;
  minutes: number;
  events: number;
  lines: number;
  requests: number;
  ms: number;
  promptTokensPerMinute?: number;
  completionTokensPerMinute?: number;
  largestPromptTokens?: number;
  largestCompletionTokens?: number;
}

/** The model the tokens are counted for: BING_OPENAI_MODEL's default. */
const model = 'gpt-4.1-mini';
const minutesOfPlay = [1, 10, 90];
const languages: Language[] = ['en', 'ko'];
const seed = 11;

interface ChatRequest { messages: { role: 'system' | 'user' | 'assistant'; content: string }[] }

/** The local "model": the template's commentary of the events a request sent, in the language it asked for. */
function templateAnswers(actions: ActionsFile, language: Language) {
  const byId = new Map(actions.events.map((e) => [e.id, e]));
  return (request: RecordedRequest) => {
    const user = (request.body as ChatRequest).messages.find((m) => m.role === 'user')!;
    const sent = (JSON.parse(user.content) as { events: { id: string }[] }).events.map((e) => byId.get(e.id)!);
    const { lines } = templateCommentary({ ...actions, events: sent }, syntheticTeams, { language, seed });
    return chatCompletion({ lines }, { model });
  };
}

/** Tokens as OpenAI counts them: the chat messages plus the JSON schema of the answer; the answer's content. */
function tokens(request: RecordedRequest, answer: string) {
  const { messages } = request.body as ChatRequest;
  return { prompt: countTokens(messages) + countTokens(JSON.stringify(commentarySchema)), completion: countTokens(answer) };
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: Math.round(performance.now() - started) };
}

async function openAIRow(server: OpenAIServer, actions: ActionsFile, language: Language, minutes: number): Promise<CommentaryRow> {
  const answer = templateAnswers(actions, language);
  const answers: string[] = [];
  server.replyToRest((request) => {
    const reply = answer(request);
    answers.push((reply.body as { choices: { message: { content: string } }[] }).choices[0]!.message.content);
    return reply;
  });
  server.requests.length = 0;
  const commentator = createCommentator({ backend: 'openai', apiKey: 'sk-bench', baseURL: server.baseURL, model, maxTokens: 8000 });
  const { result, ms } = await timed(() => commentator.write({ actions, tracks: syntheticTeams, options: { language, style: 'play-by-play', seed } }));
  const counts = server.requests.map((request, i) => tokens(request, answers[i]!));
  const sum = (key: 'prompt' | 'completion') => counts.reduce((total, c) => total + c[key], 0);
  return {
    backend: 'openai (local server)', language, minutes, events: actions.events.length, lines: result.lines.length, requests: server.requests.length, ms,
    promptTokensPerMinute: Math.round(sum('prompt') / minutes),
    completionTokensPerMinute: Math.round(sum('completion') / minutes),
    largestPromptTokens: Math.max(...counts.map((c) => c.prompt)),
    largestCompletionTokens: Math.max(...counts.map((c) => c.completion)),
  };
}

export async function commentaryBench(): Promise<CommentaryRow[]> {
  const server = await startOpenAIServer();
  const rows: CommentaryRow[] = [];
  try {
    // Warm-up, not counted: the first request also loads the SDK and opens the connection.
    await openAIRow(server, syntheticMatch(60, seed), 'en', 1);
    for (const minutes of minutesOfPlay) {
      const actions = syntheticMatch(minutes * 60, seed);
      for (const language of languages) {
        const template = createCommentator({ backend: 'template' });
        const { result, ms } = await timed(() => template.write({ actions, tracks: syntheticTeams, options: { language, style: 'play-by-play', seed } }));
        rows.push({ backend: 'template', language, minutes, events: actions.events.length, lines: result.lines.length, requests: 0, ms });
        rows.push(await openAIRow(server, actions, language, minutes));
      }
    }
  } finally {
    await server.close();
  }
  return rows;
}
