// /v1/uploads: tus 1.0 resumable uploads, and direct-to-S3 multipart uploads with presigned part URLs.
import { z } from 'zod';
import { callbackUrlField, uploadAccepted, uploadRefusals, languageSchema, styleSchema, teamNamesSchema, teamsField } from './videos';
import { json, jsonBody, problems, registerRoute } from './registry';

/** The decoded Upload-Metadata of a tus creation request. */
export const tusMetadata = z.object({
  filename: z.string().min(1).max(255),
  filetype: z.string().max(255).optional(),
  language: languageSchema,
  style: styleSchema,
  teams: teamsField,
  callbackUrl: callbackUrlField,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64 lowercase hex digits of the file\'s SHA-256').optional()
    .meta({ description: 'the file\'s SHA-256; a finished file that does not match is refused (on local storage at the last PATCH, on S3 by ingest)' }),
}).meta({ id: 'TusUploadMetadata', description: 'the fields of Upload-Metadata ("key base64value" pairs)' });

const tusHeaders = z.object({ 'tus-resumable': z.literal('1.0.0') });
const tusParams = z.object({ id: z.string().meta({ description: 'the upload id, which is also the video id' }) });
const tusNoContent = (description: string) => ({ description, headers: z.object({ 'upload-offset': z.string(), 'tus-resumable': z.string() }) });

registerRoute({
  method: 'post', path: '/v1/uploads', summary: 'tus: create an upload (and the request\'s workflow), optionally with its first bytes',
  request: {
    headers: tusHeaders.extend({
      'upload-length': z.string().regex(/^\d+$/).meta({ description: 'the file size in bytes' }),
      'upload-metadata': z.string().meta({ description: 'see TusUploadMetadata' }),
    }),
    body: { content: { 'application/offset+octet-stream': { schema: { type: 'string', format: 'binary' } } } },
  },
  responses: {
    201: { description: 'created; Location is the upload URL', headers: z.object({ location: z.string(), 'bing-video-id': z.string() }) },
    ...problems(400, 412, 413), ...uploadRefusals,
  },
});
registerRoute({
  method: 'head', path: '/v1/uploads/{id}', summary: 'tus: how much of the upload the server has', request: { params: tusParams, headers: tusHeaders },
  responses: { 200: { description: 'Upload-Offset and Upload-Length' }, ...problems(404, 410) },
});
registerRoute({
  method: 'patch', path: '/v1/uploads/{id}', summary: 'tus: append bytes at Upload-Offset; the last ones finish the upload',
  request: {
    params: tusParams, headers: tusHeaders.extend({ 'upload-offset': z.string().regex(/^\d+$/) }),
    body: { required: true, content: { 'application/offset+octet-stream': { schema: { type: 'string', format: 'binary' } } } },
  },
  responses: { 204: tusNoContent('appended'), ...problems(400, 404, 409, 410, 413), 408: uploadRefusals[408] },
});
registerRoute({
  method: 'delete', path: '/v1/uploads/{id}', summary: 'tus: terminate the upload; the request ends', request: { params: tusParams, headers: tusHeaders },
  responses: { 204: { description: 'terminated' }, ...problems(404) },
});
registerRoute({
  method: 'get', path: '/v1/uploads/{id}', summary: 'Not allowed: the video is at /v1/videos/{id}', request: { params: tusParams },
  responses: problems(405),
});

export const s3UploadRequest = z.object({
  fileName: z.string().min(1).max(255),
  size: z.number().int().positive().meta({ description: 'the file size in bytes' }),
  contentType: z.string().max(255).optional(),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the 64 hex digits of the file\'s SHA-256').optional()
    .meta({ description: 'the file\'s SHA-256; ingest verifies it (and computes it when not given)' }),
  partSize: z.number().int().optional().meta({ description: 'bytes per part, 5 MiB to 5 GiB, at most 10,000 parts; chosen when not given' }),
  language: languageSchema,
  style: styleSchema,
  teams: teamNamesSchema.optional(),
}).strict().meta({ id: 'S3UploadRequest' });

export const s3UploadStarted = z.object({
  videoId: z.string(),
  workflowId: z.string(),
  uploadId: z.string().meta({ description: 'the S3 multipart upload id' }),
  partSize: z.number().int(),
  parts: z.array(z.object({ partNumber: z.number().int(), url: z.string().meta({ description: 'PUT the part here (presigned UploadPart); keep the ETag header of the answer' }) })),
  completeUrl: z.string(),
  expiresAt: z.string().meta({ description: 'when the part URLs stop working' }),
}).meta({ id: 'S3UploadStarted' });

export const s3CompleteRequest = z.object({
  parts: z.array(z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(200) })).min(1).max(10_000),
}).strict().meta({ id: 'S3UploadComplete' });

registerRoute({
  method: 'post', path: '/v1/uploads/s3', summary: 'Direct-to-S3: start a multipart upload and get presigned part URLs',
  description: 'Only where storage is S3 (404 otherwise). The request\'s workflow starts at stage `uploading`.',
  request: { body: jsonBody(s3UploadRequest) },
  responses: { 201: json(s3UploadStarted, 'started'), ...problems(400, 404, 413), 408: uploadRefusals[408], 429: uploadRefusals[429] },
});
registerRoute({
  method: 'post', path: '/v1/uploads/s3/{id}/complete', summary: 'Direct-to-S3: complete the upload with the parts\' ETags',
  description: 'Checks every part against S3 and the total against the declared size, completes the object and hands it to the request.',
  request: { params: tusParams, body: jsonBody(s3CompleteRequest) },
  responses: { 202: json(uploadAccepted, 'completed; the request runs'), ...problems(400, 404, 409), 408: uploadRefusals[408] },
});
