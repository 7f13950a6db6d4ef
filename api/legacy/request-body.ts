// POST /request's JSON body, {"file": "<base64 video>", "userId": "..."} in either order, read as
// it arrives: the file member is decoded and handed on while it streams in, so no body is ever held.
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import parser, { type Token } from 'stream-json/parser.js';
import { userIdPattern } from '../../common/ids';
import { HttpProblem } from '../problem';
import { Base64Decoder } from './base64-stream';

/** Receives the decoded video as it streams in, with the members that came before the file. */
export type FileSink = (video: Readable, before: LegacyFields) => Promise<void>;

export interface LegacyFields {
  userId?: string;
  /** Where the request's end is posted; it must come before the file (the request may start there). */
  callbackUrl?: string;
}

const callbackUrlChars = 2048;

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

const emptyBody = () => new HttpProblem(400, 'Empty body', 'send JSON {"file": "<base64 video>", "userId": "..."}');

/**
 * Reads the body; resolves once it is read and the sink is done with the file. Tokens are taken as
 * they come, synchronously: the file's decoded bytes go into the stream the sink reads, and the
 * tokenizer waits while that stream is full. On a fault it rejects only after the sink has settled,
 * so that whatever the sink stored can be removed.
 */
export function readLegacyBody(req: Readable, limit: number, onFile: FileSink): Promise<LegacyFields> {
  const tokens = parser.asStream({ packValues: false });
  const body = feed(req, tokens, limit);
  const fields: LegacyFields = {};
  let state: 'start' | 'member' | 'name' | 'value' | 'file' | 'userId' | 'callbackUrl' | 'skip' | 'done' = 'start';
  let name = '';
  let text = '';
  let depth = 0;
  let fileSeen = false;
  let userIdSeen = false;
  let decoder = new Base64Decoder();
  let video: PassThrough | undefined;
  let filing: Promise<void> = Promise.resolve();

  return new Promise<LegacyFields>((resolve, reject) => {
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      video?.destroy(err as Error);
      tokens.destroy();
      void filing.finally(() => reject(err));
    };

    /** The first token of the value of member `name`. */
    const startValue = (token: Token) => {
      if (name === 'file') {
        if (fileSeen) throw invalidJson('"file" appears twice');
        if (token.name !== 'startString') throw new HttpProblem(400, 'Missing file', 'file must be the video as a base64 string');
        fileSeen = true;
        video = new PassThrough({ highWaterMark: 256 * 1024 });
        // The sink may not read it yet when a fault destroys it; the fault reaches the caller anyway.
        video.on('error', () => undefined);
        video.on('drain', () => tokens.resume());
        filing = onFile(video, { ...fields }).catch((err: unknown) => fail(err));
        state = 'file';
      } else if (name === 'userId') {
        if (userIdSeen) throw invalidJson('"userId" appears twice');
        if (token.name !== 'startString') throw new HttpProblem(400, 'Missing userId', 'userId must be a string');
        userIdSeen = true;
        text = '';
        state = 'userId';
      } else if (name === 'callbackUrl') {
        if (fields.callbackUrl !== undefined) throw invalidJson('"callbackUrl" appears twice');
        if (fileSeen) throw new HttpProblem(400, 'Invalid callbackUrl', 'callbackUrl must come before file');
        if (token.name !== 'startString') throw new HttpProblem(400, 'Invalid callbackUrl', 'callbackUrl must be a string');
        text = '';
        state = 'callbackUrl';
      } else {
        depth = 0;
        state = 'skip';
        take(token);
      }
    };

    const take = (token: Token) => {
      switch (state) {
        case 'start':
          if (token.name !== 'startObject') throw invalidJson('the body is not a JSON object');
          state = 'member';
          return;
        case 'member':
          // A member's name starts (startKey), or the object ends.
          name = '';
          state = token.name === 'endObject' ? 'done' : 'name';
          return;
        case 'name':
          if (token.name === 'stringChunk') name += name.length <= nameChars ? token.value : '';
          else state = 'value';
          return;
        case 'value':
          return startValue(token);
        case 'file':
          if (token.name === 'stringChunk') {
            const bytes = decoder.push(token.value);
            if (bytes && !video!.write(bytes)) tokens.pause();
            return;
          }
          video!.end(decoder.end());
          decoder = new Base64Decoder();
          state = 'member';
          return;
        case 'userId':
          if (token.name === 'stringChunk') {
            text += text.length <= 64 ? token.value : '';
            return;
          }
          if (!userIdPattern.test(text)) throw new HttpProblem(400, 'Invalid userId', `userId must match ${userIdPattern}`);
          fields.userId = text;
          state = 'member';
          return;
        case 'callbackUrl':
          if (token.name === 'stringChunk') {
            text += text.length <= callbackUrlChars ? token.value : '';
            return;
          }
          if (text.length > callbackUrlChars) throw new HttpProblem(400, 'Invalid callbackUrl', `callbackUrl must be at most ${callbackUrlChars} characters`);
          fields.callbackUrl = text;
          state = 'member';
          return;
        case 'skip':
          if (token.name === 'startObject' || token.name === 'startArray') depth++;
          else if (token.name === 'endObject' || token.name === 'endArray') depth--;
          if (depth === 0 && valueEnds.has(token.name)) state = 'member';
          return;
        case 'done':
          // The tokenizer itself refuses anything but white space after the object.
          throw invalidJson('text after the JSON object');
      }
    };

    tokens.on('data', (token: Token) => {
      if (failed) return;
      try {
        take(token);
      } catch (err) {
        fail(err);
      }
    });
    tokens.on('error', (err: Error) => fail(err instanceof HttpProblem ? err : body.size() === 0 ? emptyBody() : invalidJson(err.message)));
    tokens.on('end', () => {
      if (state !== 'done') return fail(invalidJson('the body ended inside the JSON object'));
      void filing.then(() => {
        if (failed) return;
        tokens.destroy();
        resolve(fields);
      });
    });
  });
}
