// /v1/videos: upload (raw body or multipart/form-data), list, status, events, commentary, cancel, rerun.
import { z } from 'zod';
import { userIdPattern } from '../../common/ids';
import { languages, stageNames } from '../../contracts/video-commentary';
import { pageTokenPattern } from '../page-tokens';
import { HttpProblem } from '../problem';
import { parse } from './parse';
import { json, problems, registerRoute } from './registry';

export const languageSchema = z.enum(languages).default('en').meta({ description: 'the commentary language' });
export const styleSchema = z.enum(['play-by-play', 'summary']).default('play-by-play');
export const teamNamesSchema = z.object({ 0: z.string().min(1).max(60).optional(), 1: z.string().min(1).max(60).optional() }).strict()
  .meta({ id: 'TeamNames', description: 'names for the two teams instead of shirt colours' });

export const teamsField = z.string().max(1000).optional().meta({
  description: 'JSON such as {"0": "Reds", "1": "Blues"}', contentMediaType: 'application/json', contentSchema: { $ref: '#/components/schemas/TeamNames' },
});

/** The `teams` field's team names; a 400 when it is not such JSON. */
export function parseTeams(text: string | undefined) {
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HttpProblem(400, 'Invalid request', 'teams must be JSON such as {"0": "Reds", "1": "Blues"}');
  }
  return parse(teamNamesSchema, json);
}

export const callbackUrlField = z.string().max(2048).optional().meta({
  description: 'http(s) URL that gets a signed webhook (Standard Webhooks) when the request ends; loopback, private and link-local hosts are refused unless BING_CALLBACK_ALLOW_PRIVATE; without it, the user\'s BING_CALLBACK_URLS entry, if any',
});

/** The upload's settings: query parameters of a raw body, or form fields before the `file` part. */
export const uploadSettings = z.object({
  language: languageSchema,
  style: styleSchema,
  name: z.string().max(255).optional().meta({ description: 'the file name shown in listings' }),
  teams: teamsField,
  callbackUrl: callbackUrlField,
});

export const uploadHeaders = z.object({
  'x-bing-sha256': z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the 64 hex digits of the file\'s SHA-256').optional()
    .meta({ description: 'the body\'s SHA-256, checked as it streams; a mismatch is refused and nothing is kept' }),
  'idempotency-key': z.string().regex(/^[\x21-\x7e]{1,255}$/, 'use 1 to 255 visible ASCII characters').optional()
    .meta({ description: 'the same key from the same user always names the same video; it replays a request that received its bytes, and after a failed upload starts a new run' }),
  'x-bing-file-name': z.string().max(255).optional(),
});

export const uploadForm = uploadSettings.extend({
  file: z.string().meta({ format: 'binary', description: 'the video; fields after it are refused' }),
}).meta({ id: 'VideoUploadForm' });

export const uploadAccepted = z.object({
  videoId: z.string(),
  workflowId: z.string(),
  statusUrl: z.string(),
  size: z.number().int().optional(),
  sha256: z.string().optional(),
  replayed: z.boolean().optional().meta({ description: 'true when an Idempotency-Key named an earlier upload; nothing was started' }),
}).meta({ id: 'UploadAccepted' });

/** What every upload door may answer before or while it takes the bytes, beyond 400 and 413. */
export const uploadRefusals = {
  408: { ...problems(408)[408]!, description: 'the body sent nothing for BING_UPLOAD_IDLE_TIMEOUT; the connection closes' },
  429: {
    ...problems(429)[429]!, description: 'the user has BING_MAX_UPLOADS_PER_USER uploads in progress',
    headers: z.object({ 'retry-after': z.string().meta({ description: 'seconds' }) }),
  },
  507: { ...problems(507)[507]!, description: 'local storage cannot hold the upload and keep BING_STORAGE_RESERVE_BYTES free' },
};

export const videoParams = z.object({ id: z.string().meta({ description: 'the video id' }) });

export const listQuery = z.object({
  stage: z.enum([...stageNames, 'done', 'failed', 'cancelled']).optional(),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  pageToken: z.string().max(2048).regex(pageTokenPattern, 'must be the nextPageToken of a page').optional()
    .meta({ description: 'the previous page\'s nextPageToken, with the same stage; valid for an hour' }),
});

export const commentaryQuery = z.object({ format: z.enum(['json', 'vtt', 'srt']).default('json') });

const stage = z.enum([...stageNames, 'done', 'failed', 'cancelled']);
const videoListing = z.object({
  videoId: z.string(), workflowId: z.string(), status: z.string(), stage, fileName: z.string().optional(),
  startedAt: z.string().optional(), closedAt: z.string().optional(),
});
const segmentState = z.enum(['pending', 'running', 'done', 'failed', 'cancelled']);
const segmentProgress = z.object({
  index: z.number().int(), startSeconds: z.number(), endSeconds: z.number(),
  mot: segmentState, motProgress: z.number().meta({ description: '0 to 1, from the tracking job\'s heartbeats' }), action: segmentState, commentary: segmentState,
  commentaryKey: z.string().optional().meta({ description: 'once the segment\'s commentary exists: its storage key' }),
  lines: z.number().int().optional().meta({ description: 'once the segment\'s commentary exists: how many lines it holds' }),
}).meta({ id: 'SegmentProgress' });

const commentaryLine = z.looseObject({ start: z.number(), end: z.number(), text: z.string(), eventIds: z.array(z.string()) })
  .meta({ description: 'seconds of the whole video' });
const commentaryBody = z.looseObject({
  language: z.string(), model: z.string(), lines: z.array(commentaryLine), text: z.string(),
  partial: z.literal(true).optional().meta({ description: 'present while the request runs: the lines of the segments commented so far; absent in the final commentary' }),
  segments: z.object({
    done: z.number().int(), total: z.number().int(), indexes: z.array(z.number().int()).meta({ description: 'the segments the lines come from' }),
  }).optional().meta({ description: 'with `partial`: how many of the video\'s segments the lines cover' }),
}).meta({ id: 'Commentary' });
/** The data of a `commentary` event: one segment's lines. */
const { $schema: _, ...segmentCommentary } = z.toJSONSchema(z.object({
  index: z.number().int(), startSeconds: z.number(), endSeconds: z.number(), lines: z.array(commentaryLine),
}));

const videoStatus = z.looseObject({
  videoId: z.string(), userId: z.string(), run: z.number().int(), status: z.string(), workflowId: z.string(), stage,
  stages: z.record(z.string(), z.object({ state: z.string(), progress: z.number(), seconds: z.number().optional() })),
  error: z.string().optional(),
  segments: z.array(segmentProgress).optional()
    .meta({ description: 'a video longer than BING_SEGMENT_SECONDS is processed in overlapping segments: each one\'s tracking, actions and commentary, in order' }),
  callback: z.object({
    url: z.string(),
    state: z.enum(['pending', 'delivering', 'delivered', 'failed']),
    attempts: z.number().int().optional().meta({ description: 'attempts made (while delivering: those refused so far)' }),
    lastStatus: z.number().int().optional().meta({ description: 'the receiver\'s HTTP status on the last attempt it answered' }),
    error: z.string().optional(),
  }).optional().meta({ description: 'the completion webhook, when the request names one; the request\'s status is final as soon as it ends, while its delivery (workflow callback-{videoId}-{runId}) may still be retrying' }),
  files: z.record(z.string(), z.string()).meta({ description: 'signed links (an hour) to every stored file' }),
}).meta({ id: 'VideoStatus' });

/**
 * One event of a stream, as schemathesis and OpenAPI 3.2's itemSchema read it: its `event` name and
 * its `data`, JSON of `data`. (Before 3.2, a text/event-stream's schema describes each event.)
 */
const serverSentEvent = (event: string, data: object, description: string) => z.object({
  event: z.literal(event),
  data: z.string().meta({ contentMediaType: 'application/json', contentSchema: data }),
}).meta({ description });

registerRoute({
  method: 'post', path: '/v1/videos', summary: 'Upload a video as the request body or as the `file` field of a form',
  description: 'Streamed to storage, never held in memory. The workflow starts (stage `uploading`) when the bytes start.',
  request: {
    query: uploadSettings, headers: uploadHeaders,
    body: {
      required: true,
      content: {
        'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
        'multipart/form-data': { schema: uploadForm },
      },
    },
  },
  responses: {
    202: json(uploadAccepted, 'stored; the request runs'), 200: json(uploadAccepted, 'replayed (Idempotency-Key)'), ...problems(400, 413), ...uploadRefusals,
    409: { ...problems(409)[409]!, description: 'an upload with this Idempotency-Key is in progress', headers: uploadRefusals[429].headers },
  },
});
registerRoute({
  method: 'get', path: '/v1/videos', summary: 'Your videos, newest first', request: { query: listQuery },
  responses: { 200: json(z.object({ videos: z.array(videoListing), nextPageToken: z.string().optional() }), 'a page of videos'), ...problems(400) },
});
registerRoute({
  method: 'get', path: '/v1/videos/{id}', summary: 'A video\'s status, stage by stage, with links to its files', request: { params: videoParams },
  responses: { 200: json(videoStatus, 'the status'), ...problems(404) },
});
registerRoute({
  method: 'get', path: '/v1/videos/{id}/events', summary: 'Server-Sent Events: `status` at once and on every change, `commentary` as each segment\'s lines appear, `end` once the request has ended',
  description: 'A `status` event carries the status as GET /v1/videos/{id} answers it, first at once and then whenever the status or the set of stored files changes (not their links, which are signed afresh). While a video processed in segments runs, a `commentary` event follows the `status` in which a segment\'s commentary first appears (on connecting: one for each segment commented so far), with that segment\'s lines. While nothing changes, a comment line (`: still running`) every 15 s keeps the connection open. Once the request is no longer running, `end` (data `{}`) follows its last `status` and the stream closes.',
  request: {
    params: videoParams,
    query: z.object({
      key: z.string().optional().meta({ description: 'the API key, for EventSource, which cannot send headers' }),
      user: z.string().regex(userIdPattern).optional().meta({ description: 'with `key` of an operator key: the user to act for, as X-Bing-User' }),
    }),
  },
  responses: {
    200: {
      description: 'an event stream',
      content: {
        'text/event-stream': {
          schema: z.union([
            serverSentEvent('status', { $ref: '#/components/schemas/VideoStatus' }, 'the status, at once and on every change'),
            serverSentEvent('commentary', segmentCommentary, 'a segment\'s commentary has appeared: its lines'),
            serverSentEvent('end', { type: 'object', maxProperties: 0 }, 'the request has ended; the stream closes'),
          ]),
        },
      },
    },
    ...problems(400, 404),
  },
});
registerRoute({
  method: 'get', path: '/v1/videos/{id}/commentary', summary: 'The commentary as JSON, WebVTT or SRT; while a long video runs, the lines so far', request: { params: videoParams, query: commentaryQuery },
  description: 'Once the request has completed: its commentary files. While a video processed in segments runs and some segments have their commentary: those lines in time order, as JSON with `partial: true` or as WebVTT or SRT, with the header `x-bing-commentary-segments` (segments covered/total) and `cache-control: no-store`. 409 before any commentary exists, and for a request that ended without completing.',
  responses: {
    200: {
      description: 'the commentary, or the lines so far',
      headers: z.object({ 'x-bing-commentary-segments': z.string().optional().meta({ description: 'only while partial: segments covered/total, e.g. 2/3' }) }),
      content: { 'application/json': { schema: commentaryBody }, 'text/vtt': { schema: { type: 'string' } }, 'application/x-subrip': { schema: { type: 'string' } } },
    },
    ...problems(400, 404, 409),
  },
});
registerRoute({
  method: 'post', path: '/v1/videos/{id}/cancel', summary: 'Cancel: the running GPU job stops, partial results go', request: { params: videoParams },
  responses: { 202: json(z.object({ videoId: z.string(), status: z.string(), stage }), 'cancellation requested'), ...problems(404) },
});
registerRoute({
  method: 'post', path: '/v1/videos/{id}/rerun', summary: 'A new run of a finished request on its stored upload', request: { params: videoParams },
  description: '409 while the request runs or is ending, when it never stored a video, and for every rerun but the first of several sent at once.',
  responses: { 202: json(z.object({ videoId: z.string(), workflowId: z.string(), run: z.number().int(), statusUrl: z.string() }), 'the run started'), ...problems(404, 409) },
});
