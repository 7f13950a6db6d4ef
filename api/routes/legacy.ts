// The old API Gateway contract, POST /request with JSON {file: <base64 video>, userId}, for the
// clients that still send it. It trusts the userId in the body, as the old system did, so it is
// off unless BING_LEGACY_REQUEST is on. The body is held once; the video is decoded slice by slice.
import { Readable } from 'node:stream';
import express, { Router } from 'express';
import { newVideoId, userIdPattern } from '../../common/ids';
import type { Storage } from '../../activities/storage/storage';
import { incomingKey } from '../../workflows/definitions';
import { decodeBase64, InvalidBase64 } from '../legacy/base64-chunks';
import { JsonShapeError, topLevelMembers, type MemberRange } from '../legacy/json-members';
import { HttpProblem } from '../problem';
import type { VideosService } from '../videos-service';

export interface LegacyRouteOptions {
  videos: VideosService;
  storage: Storage;
  bodyLimit: number;
  uploadTimeout: string;
}

const isString = (body: Buffer, range: MemberRange | undefined): range is MemberRange =>
  range !== undefined && body[range.start] === 0x22;

export function legacyRouter({ videos, storage, bodyLimit, uploadTimeout }: LegacyRouteOptions): Router {
  const router = Router();
  router.post('/request', express.raw({ type: () => true, limit: bodyLimit }), async (req, res) => {
    const body = req.body as Buffer;
    if (!Buffer.isBuffer(body) || body.length === 0) throw new HttpProblem(400, 'Empty body', 'send JSON {"file": "<base64 video>", "userId": "..."}');
    let members;
    try {
      members = topLevelMembers(body);
    } catch (err) {
      if (err instanceof JsonShapeError) throw new HttpProblem(400, 'Invalid JSON', err.message);
      throw err;
    }
    const user = members.get('userId');
    if (!isString(body, user)) throw new HttpProblem(400, 'Missing userId', 'userId must be a string');
    const userId = JSON.parse(body.toString('utf8', user.start, user.end)) as string;
    if (!userIdPattern.test(userId)) throw new HttpProblem(400, 'Invalid userId', `userId must match ${userIdPattern}`);
    const file = members.get('file');
    if (!isString(body, file)) throw new HttpProblem(400, 'Missing file', 'file must be the video as a base64 string');
    const text = body.subarray(file.start + 1, file.end - 1);
    if (text.length === 0) throw new HttpProblem(400, 'Empty file', 'the file is empty');

    const videoId = newVideoId();
    await videos.start({ videoId, userId, fileName: 'request', language: 'en', uploadTimeout }, { fileName: 'request', language: 'en', legacy: true });
    const key = incomingKey(videoId);
    let stored;
    try {
      stored = await storage.put(key, Readable.from(decodeBase64(text)), { userId, fileName: 'request' });
    } catch (err) {
      await storage.delete(key);
      await videos.abandon(videoId, 'the legacy request was refused');
      if (err instanceof InvalidBase64) throw new HttpProblem(400, 'Invalid base64', `file is not base64: ${err.message}`);
      throw err;
    }
    await videos.uploadCompleted(videoId, { key, size: stored.size, sha256: stored.sha256 });
    res.status(200).json({ message: 'request received', videoId, statusUrl: `/v1/videos/${videoId}` });
  });
  return router;
}
