// An OpenAI-compatible HTTP server on loopback for tests: it records every request and answers
// from a script, one reply per request, in order.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** JSON unless a Buffer. */
  body?: unknown;
}

export type Script = Reply | ((request: RecordedRequest) => Reply);

/** A chat completion whose message content is `content` (a string as is, anything else as JSON). */
export function chatCompletion(content: unknown, { model = 'test-model', finishReason = 'stop' } = {}): Reply {
  return {
    body: {
      id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{
        index: 0,
        message: { role: 'assistant', content: typeof content === 'string' ? content : JSON.stringify(content), refusal: null },
        finish_reason: finishReason,
      }],
      usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
    },
  };
}

/** An OpenAI-style error reply. */
export function apiError(status: number, message: string, headers: Record<string, string> = {}, code: string | null = null): Reply {
  return { status, headers, body: { error: { message, type: 'invalid_request_error', param: null, code } } };
}

export interface OpenAIServer {
  baseURL: string;
  requests: RecordedRequest[];
  /** Replies for the next requests, in order. */
  reply(...scripts: Script[]): void;
  /** The reply to every request that has none scripted (instead of a 500), until set again. */
  replyToRest(script: Script | undefined): void;
  close(): Promise<void>;
}

export async function startOpenAIServer(): Promise<OpenAIServer> {
  const requests: RecordedRequest[] = [];
  const queue: Script[] = [];
  let rest: Script | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        // kept as text
      }
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const script = queue.shift() ?? rest;
      const reply: Reply = script === undefined
        ? apiError(500, `the test server has no reply scripted for request ${requests.length}`)
        : typeof script === 'function' ? script(recorded) : script;
      const buffer = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(JSON.stringify(reply.body ?? {}));
      res.writeHead(reply.status ?? 200, {
        'content-type': Buffer.isBuffer(reply.body) ? 'application/octet-stream' : 'application/json',
        'content-length': String(buffer.length),
        ...reply.headers,
      });
      res.end(buffer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    reply: (...scripts) => queue.push(...scripts),
    replyToRest: (script) => (rest = script),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
