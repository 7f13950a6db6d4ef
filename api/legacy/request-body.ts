// POST /request's JSON body, {"file": "<base64 video>", "userId": "..."} in either order, read as
// it arrives: the file member is decoded and handed on while it streams in, so no body is ever held.
import type { Duplex, Readable } from 'node:stream';
import parser, { type Token } from 'stream-json/parser.js';
import { userIdPattern } from '../../common/ids';
import { HttpProblem } from '../problem';
import { Base64Decoder } from './base64-stream';

/** Receives the decoded video as it streams in, with the userId when it came before the file. */
export type FileSink = (video: AsyncIterable<Buffer>, userId: string | undefined) => Promise<void>;

export interface LegacyFields {
  userId?: string;
}

/** A member name longer than this is none of ours: it is skipped unread. */
const nameChars = 16;

/** The tokens that end a value: a scalar's last, or the close of an object or array. */
const valueEnds = new Set<Token['name']>(['endObject', 'endArray', 'endString', 'endNumber', 'nullValue', 'trueValue', 'falseValue']);

const invalidJson = (detail: string) => new HttpProblem(400, 'Invalid JSON', detail);

/**
 * Feeds the request into the tokenizer with backpressure, up to `limit` bytes. Once the body is
 * refused (the tokenizer destroyed), the rest is read and dropped up to the limit, so that a client
 * that sends its whole body before it reads the answer hears why; past the limit it is cut.
 */
function feed(req: Readable, tokens: Duplex, limit: number): { size: () => number } {
  let size = 0;
  const fail = (problem: HttpProblem) => {
    req.pause();
    tokens.destroy(problem);
  };
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit && tokens.destroyed) req.destroy();
    else if (size > limit) fail(new HttpProblem(413, 'Body too large', `the limit is ${limit} bytes`));
    else if (!tokens.destroyed && !tokens.write(chunk)) req.pause();
  });
  tokens.on('drain', () => req.resume());
  tokens.on('close', () => {
    if (size <= limit) req.resume();
  });
  req.once('end', () => tokens.end());
  req.once('error', () => fail(new HttpProblem(400, 'Upload interrupted', 'the request body ended early')));
  req.once('close', () => {
    if (!req.readableEnded) fail(new HttpProblem(400, 'Upload interrupted', 'the request body ended early'));
  });
  return { size: () => size };
}

export async function readLegacyBody(req: Readable, limit: number, onFile: FileSink): Promise<LegacyFields> {
  const tokens = parser.asStream({ packValues: false });
  const body = feed(req, tokens, limit);
  const iterator = tokens[Symbol.asyncIterator]() as AsyncIterator<Token>;
  /** The next token, or undefined at the end of the body. */
  const read = async (): Promise<Token | undefined> => {
    try {
      const step = await iterator.next();
      return step.done ? undefined : step.value;
    } catch (err) {
      if (err instanceof HttpProblem) throw err;
      if (body.size() === 0) throw new HttpProblem(400, 'Empty body', 'send JSON {"file": "<base64 video>", "userId": "..."}');
      throw invalidJson((err as Error).message);
    }
  };
  const next = async (): Promise<Token> => {
    const token = await read();
    if (!token) throw invalidJson('the body ended inside the JSON object');
    return token;
  };

  /** The rest of a string or key whose start was read; undefined when it is longer than `max` characters. */
  async function text(max: number): Promise<string | undefined> {
    let value = '';
    for (let token = await next(); token.name === 'stringChunk'; token = await next()) value += value.length <= max ? token.value : '';
    return value.length <= max ? value : undefined;
  }

  /** Reads past the rest of a value whose first token is `first`. */
  async function skip(first: Token): Promise<void> {
    let depth = 0;
    for (let token = first; ; token = await next()) {
      if (token.name === 'startObject' || token.name === 'startArray') depth++;
      else if (token.name === 'endObject' || token.name === 'endArray') depth--;
      if (depth === 0 && valueEnds.has(token.name)) return;
    }
  }

  async function* decoded(): AsyncGenerator<Buffer> {
    const decoder = new Base64Decoder();
    for (let token = await next(); token.name === 'stringChunk'; token = await next()) {
      const bytes = decoder.push(token.value);
      if (bytes) yield bytes;
    }
    const last = decoder.end();
    if (last.length > 0) yield last;
  }

  try {
    if ((await next()).name !== 'startObject') throw invalidJson('the body is not a JSON object');
    const fields: LegacyFields = {};
    let fileSeen = false;
    let userIdSeen = false;
    for (let token = await next(); token.name !== 'endObject'; token = await next()) {
      const name = await text(nameChars);
      const value = await next();
      if (name === 'file') {
        if (fileSeen) throw invalidJson('"file" appears twice');
        if (value.name !== 'startString') throw new HttpProblem(400, 'Missing file', 'file must be the video as a base64 string');
        fileSeen = true;
        await onFile(decoded(), fields.userId);
      } else if (name === 'userId') {
        if (userIdSeen) throw invalidJson('"userId" appears twice');
        userIdSeen = true;
        if (value.name !== 'startString') throw new HttpProblem(400, 'Missing userId', 'userId must be a string');
        const userId = await text(64);
        if (userId === undefined || !userIdPattern.test(userId)) throw new HttpProblem(400, 'Invalid userId', `userId must match ${userIdPattern}`);
        fields.userId = userId;
      } else {
        await skip(value);
      }
    }
    // The tokenizer itself refuses anything but white space after the object.
    if (await read()) throw invalidJson('text after the JSON object');
    return fields;
  } finally {
    tokens.destroy();
  }
}
