// Crashed servers under `npm start`: the Temporal dev server and the API killed with SIGKILL while
// they work. A running GPU job runs on and its request completes with that one job; file links
// outlive the API process that signed them; an upload cut by the API's death is swept, its request
// ended with the reason.
import { request } from 'node:http';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../activities/storage/local';
import { cutUploadReason, sweepCutUploads } from '../api/upload-sweep';
import { VideosService, type VideoStatus } from '../client/videos-service';
import { createLogger } from '../common/logger';
import { incomingKey } from '../contracts/video-commentary';
import { makeClip } from './fixtures/clip';
import { LocalStack } from './helpers/stack';

/** A live upload's body sends a chunk this often, well inside the idle timeout. */
const idleTimeoutMs = 2000;

let stack: LocalStack;
let clip: string;
/** The request that completed through the dev server's crash: its files were linked by the first API process. */
let completed: VideoStatus & { files: Record<string, string> };

beforeAll(async () => {
  stack = await LocalStack.create({ BING_UPLOAD_IDLE_TIMEOUT: `${idleTimeoutMs / 1000}s` });
  clip = (await makeClip({ seed: 103, outDir: join(stack.dataDir, 'clip'), seconds: 12 })).videoPath;
  await stack.start();
}, 300_000);

afterAll(async () => {
  await stack?.dispose();
});

const ended = (s: VideoStatus) => s.status !== 'running';

/** What `read` gives once it is no longer `than`, or `than` still after a minute. */
async function changed<T>(read: () => Promise<T>, than: T): Promise<T> {
  for (let tries = 0; tries < 300; tries++) {
    const now = await read().catch(() => than);
    if (now !== than) return now;
    await sleep(200);
  }
  return than;
}

describe('the local stack, crashed', () => {
  it('keeps the MOT job running through a kill -9 of the Temporal dev server: the request completes, the job started once', async () => {
    const user = 'dave';
    const videoId = await stack.upload(clip, user);
    const inMot = await stack.waitFor(videoId, user, (s) => (s.stage === 'mot' && s.stages.mot.progress > 0) || ended(s));
    expect(inMot.stage).toBe('mot');

    const server = await stack.temporalPid();
    process.kill(server, 'SIGKILL');
    expect(await changed(() => stack.temporalPid(), server)).not.toBe(server);

    const status = await stack.waitFor(videoId, user, ended);
    expect(status.status, status.error).toBe('completed');
    expect(stack.log).toContain('the Temporal dev server exited (SIGKILL); starting it again');
    const { stdout, code, stderr } = await stack.bing('jobs', '--json');
    expect(code, stderr).toBe(0);
    const mot = (JSON.parse(stdout) as { name: string; status: string; starts: number }[]).filter((j) => j.name.startsWith(`video-${videoId}-mot`));
    expect(mot).toEqual([expect.objectContaining({ name: `video-${videoId}-mot-1`, status: 'Completed', starts: 1 })]);
    completed = (await (await stack.api(`/v1/videos/${videoId}`, user)).json()) as typeof completed;
  }, 300_000);

  it('serves a file link signed by the API process before a kill -9, once the API is back', async () => {
    const link = `${stack.apiUrl}${completed.files['commentary.vtt']}`;
    expect((await fetch(link)).status).toBe(200);
    const api = await stack.childPid('api/server.ts');
    process.kill(api, 'SIGKILL');
    expect(await changed(() => stack.childPid('api/server.ts'), api)).not.toBe(api);
    await stack.apiAnswers();
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^WEBVTT/);
    expect((await stat(join(stack.dataDir, 'url-secret'))).mode & 0o777).toBe(0o600);
  });

  it('ends a streamed upload cut by a kill -9 of its API process, with the reason, and removes its partial file', async () => {
    const user = 'erin';
    const storage = new LocalStorage(join(stack.dataDir, 'storage'));
    const body = request(`${stack.apiUrl}/v1/videos?name=cut`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await stack.apiKey()}`, 'x-bing-user': user, 'content-type': 'video/mp4', 'content-length': String(1 << 30) },
    });
    body.on('error', () => undefined);
    const chunk = Buffer.alloc(64 * 1024, 1);
    const feeding = setInterval(() => body.write(chunk), idleTimeoutMs / 4);
    try {
      let videoId: string | undefined;
      while (!videoId) {
        const { videos } = (await (await stack.api('/v1/videos?stage=uploading', user)).json()) as { videos: { videoId: string }[] };
        videoId = videos[0]?.videoId;
        await sleep(200);
      }
      const key = incomingKey(videoId);
      const partial = async () => (await storage.unfinishedWrites()).filter((w) => w.key === key);
      while ((await partial()).length === 0) await sleep(200);

      // A live upload is never swept, however long it takes (the request is older than the threshold here).
      const { client, close } = await stack.temporalClient();
      try {
        await sleep(3 * idleTimeoutMs);
        const swept = await sweepCutUploads({ client, videos: new VideosService(client, 'bing'), storage, staleAfterMs: 2 * idleTimeoutMs, logger: createLogger('test', 'silent') });
        expect(swept).not.toContain(videoId);
        expect(await partial()).toHaveLength(1);

        const api = await stack.childPid('api/server.ts');
        process.kill(api, 'SIGKILL');
        const status = await stack.waitFor(videoId, user, ended, 60_000);
        expect(status).toMatchObject({ status: 'failed', stage: 'failed', error: expect.stringContaining(cutUploadReason) });
        expect(await partial()).toEqual([]);
        expect(await storage.head(key)).toBeUndefined();
      } finally {
        await close();
      }
    } finally {
      clearInterval(feeding);
      body.destroy();
    }
  });
});
