// The old API Gateway contract, POST /request with JSON {file: <base64 video>, userId}, for the
// clients that still send it. It trusts the userId in the body, as the old system did, so it is on
// only where api/legacy/switch.ts says, behind x-api-key when keys are set. The body is read as it
// arrives and the video streamed into storage as it is decoded: nothing holds a whole body.
import { Readable } from 'node:stream';
import { Router } from 'express';
import { newVideoId } from '../../common/ids';
import type { ObjectInfo, Storage } from '../../activities/storage/storage';
import { incomingKey } from '../../workflows/definitions';
import { requireLegacyKey } from '../legacy/api-key';
import { readLegacyBody } from '../legacy/request-body';
import { HttpProblem } from '../problem';
import type { VideosService } from '../videos-service';

export interface LegacyRouteOptions {
  videos: VideosService;
  storage: Storage;
  bodyLimit: number;
  uploadTimeout: string;
  /** When set, a request must carry one of them as x-api-key, as API Gateway's usage plans asked. */
  legacyApiKeys?: string[];
}

const memo = { fileName: 'request', language: 'en', legacy: true };

export function legacyRouter({ videos, storage, bodyLimit, uploadTimeout, legacyApiKeys }: LegacyRouteOptions): Router {
  const router = Router();
  router.post('/request', requireLegacyKey(legacyApiKeys), async (req, res) => {
    const declared = req.get('content-length');
    if (declared === '0') throw new HttpProblem(400, 'Empty body', 'send JSON {"file": "<base64 video>", "userId": "..."}');
    if (Number(declared) > bodyLimit) throw new HttpProblem(413, 'Body too large', `the limit is ${bodyLimit} bytes`);
    const videoId = newVideoId();
    const key = incomingKey(videoId);
    let started = false;
    const start = async (userId: string) => {
      await videos.start({ videoId, userId, fileName: memo.fileName, language: 'en', uploadTimeout }, memo);
      started = true;
    };
    let stored: (ObjectInfo & { sha256: string }) | undefined;
    try {
      // A userId sent before the file starts the request before its bytes, as the other routes
      // do; one sent after it starts the request once the body is read.
      const fields = await readLegacyBody(req, bodyLimit, async (video, userId) => {
        if (userId) await start(userId);
        stored = await storage.put(key, Readable.from(video), { ...(userId ? { userId } : {}), fileName: memo.fileName });
      });
      if (!fields.userId) throw new HttpProblem(400, 'Missing userId', 'userId must be a string');
      if (!stored) throw new HttpProblem(400, 'Missing file', 'file must be the video as a base64 string');
      if (stored.size === 0) throw new HttpProblem(400, 'Empty file', 'the file is empty');
      if (!started) await start(fields.userId);
      await videos.uploadCompleted(videoId, { key, size: stored.size, sha256: stored.sha256 });
    } catch (err) {
      await storage.delete(key);
      if (started) await videos.abandon(videoId, `the legacy request was refused: ${err instanceof HttpProblem ? err.detail : 'the server failed'}`);
      if (err instanceof HttpProblem && err.status === 413) res.set('connection', 'close');
      throw err;
    }
    res.status(200).json({ message: 'request received', videoId, statusUrl: `/v1/videos/${videoId}` });
  });
  return router;
}
