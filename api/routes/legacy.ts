// The old API Gateway contract, POST /request with JSON {file: <base64 video>, userId}, for the
// clients that still send it. It trusts the userId in the body, as the old system did, so it is on
// only where api/legacy/switch.ts says, behind x-api-key when keys are set. The body is read as it
// arrives and the video streamed into storage as it is decoded: nothing holds a whole body.
import { Router } from 'express';
import { newVideoId } from '../../common/ids';
import type { ObjectInfo, Storage } from '../../activities/storage/storage';
import { incomingKey } from '../../contracts/video-commentary';
import { bodyIdleTimeout, idleCut } from '../body-idle-timeout';
import { requestCallback, type CallbackPolicy } from '../callbacks';
import { requireLegacyKey } from '../legacy/api-key';
import { readLegacyBody } from '../legacy/request-body';
import { HttpProblem } from '../problem';
import { admitUpload, defaultUploadLimits, type UploadLimits } from '../upload-admission';
import type { VideosService } from '../../client/videos-service';

export interface LegacyRouteOptions {
  videos: VideosService;
  storage: Storage;
  bodyLimit: number;
  uploadTimeout: string;
  uploadLimits?: UploadLimits;
  /** When set, a request must carry one of them as x-api-key, as API Gateway's usage plans asked. */
  legacyApiKeys?: string[];
  callbacks?: CallbackPolicy;
}

const memo = { fileName: 'request', language: 'en', legacy: true };

export function legacyRouter({ videos, storage, bodyLimit, uploadTimeout, uploadLimits = defaultUploadLimits, legacyApiKeys, callbacks }: LegacyRouteOptions): Router {
  const router = Router();
  router.post('/request', requireLegacyKey(legacyApiKeys), bodyIdleTimeout(uploadLimits.idleTimeoutMs), async (req, res) => {
    const declared = req.get('content-length');
    if (declared === '0') throw new HttpProblem(400, 'Empty body', 'send JSON {"file": "<base64 video>", "userId": "..."}');
    if (Number(declared) > bodyLimit) throw new HttpProblem(413, 'Body too large', `the limit is ${bodyLimit} bytes`);
    const videoId = newVideoId();
    const key = incomingKey(videoId);
    let runId: string | undefined;
    /** Admits the upload (per-user and free-space limits) and starts its request. */
    const start = async (userId: string, bytes: number, callbackUrl: string | undefined) => {
      const callback = await requestCallback(callbacks, req, userId, videoId, callbackUrl);
      await admitUpload({ videos, storage, limits: uploadLimits }, userId, bytes);
      runId = await videos.start({ videoId, userId, fileName: memo.fileName, language: 'en', uploadTimeout, ...(callback ? { callback } : {}) }, { ...memo, ...(callback ? { callback } : {}) });
    };
    let stored: (ObjectInfo & { sha256: string }) | undefined;
    try {
      // A userId sent before the file starts the request before its bytes, as the other doors do;
      // one sent after it starts the request once the body is read.
      const fields = await readLegacyBody(req, bodyLimit, async (video, { userId, callbackUrl }) => {
        if (userId) await start(userId, Math.ceil((Number(declared) || 0) * 0.75), callbackUrl);
        stored = await storage.put(key, video, { ...(userId ? { userId } : {}), fileName: memo.fileName });
      });
      if (!fields.userId) throw new HttpProblem(400, 'Missing userId', 'userId must be a string');
      if (!stored) throw new HttpProblem(400, 'Missing file', 'file must be the video as a base64 string');
      if (stored.size === 0) throw new HttpProblem(400, 'Empty file', 'the file is empty');
      if (!runId) await start(fields.userId, 0, fields.callbackUrl);
      await videos.uploadCompleted(videoId, { key, size: stored.size, sha256: stored.sha256 }, runId);
    } catch (err) {
      // A body cut for its silence has had its 408 already.
      const cut = idleCut(req);
      const problem = cut ? new HttpProblem(408, 'Request body timeout', cut.message) : err;
      await storage.delete(key);
      if (runId) await videos.uploadFailed(videoId, problem instanceof HttpProblem ? `${problem.title}: ${problem.detail}` : 'the server failed to store the upload', runId);
      if (problem instanceof HttpProblem && problem.status === 413) res.set('connection', 'close');
      throw problem;
    }
    res.status(200).json({ message: 'request received', videoId, statusUrl: `/v1/videos/${videoId}` });
  });
  return router;
}
