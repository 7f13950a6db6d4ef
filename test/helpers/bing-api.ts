// A BING API process as its callers see it: calls with a key acting for a user, uploads, and a
// video's status, polled or streamed, until it reaches a state.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VideoStatus } from '../../client/videos-service';

export class BingApi {
  constructor(readonly apiUrl: string, private readonly key: () => Promise<string>) {}

  apiKey(): Promise<string> {
    return this.key();
  }

  /** Calls the API with the key, acting for `user`. */
  async api(path: string, user: string, init: RequestInit = {}): Promise<Response> {
    const headers = { authorization: `Bearer ${await this.apiKey()}`, 'x-bing-user': user, ...(init.headers as Record<string, string>) };
    return fetch(`${this.apiUrl}${path}`, { ...init, headers });
  }

  /** Uploads a file as a raw body; its video id. */
  async upload(file: string, user: string): Promise<string> {
    const res = await this.api('/v1/videos?name=clip', user, { method: 'POST', body: await readFile(file), headers: { 'content-type': 'application/octet-stream' } });
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { videoId: string }).videoId;
  }

  /**
   * Polls a video's status until `done` says so or `timeoutMs` passes; returns the last status. No
   * answer or a 5xx (the API or Temporal restarting) is polled again; a 4xx fails the test.
   */
  async waitFor(videoId: string, user: string, done: (s: VideoStatus) => boolean, timeoutMs = 240_000): Promise<VideoStatus> {
    const deadline = Date.now() + timeoutMs;
    let status: VideoStatus | undefined;
    for (;;) {
      const res = await this.api(`/v1/videos/${videoId}`, user).catch(() => undefined);
      if (res && res.status >= 400 && res.status < 500) throw new Error(`the status of ${videoId} answered ${res.status}: ${await res.text()}`);
      if (res?.ok) status = (await res.json()) as VideoStatus;
      else await res?.body?.cancel();
      if ((status && done(status)) || Date.now() > deadline) {
        if (!status) throw new Error(`no status of ${videoId} within ${timeoutMs} ms`);
        return status;
      }
      await sleep(300);
    }
  }

  /** Follows a video's event stream until a status passes `until` or the stream ends; returns the last status. */
  async follow(videoId: string, user: string, until: (s: VideoStatus) => boolean): Promise<VideoStatus> {
    const res = await this.api(`/v1/videos/${videoId}/events`, user);
    if (!res.ok || !res.body) throw new Error(`the event stream answered ${res.status}: ${await res.text()}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let last: VideoStatus | undefined;
    let buffered = '';
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        const events = (buffered + chunk.value).split('\n\n');
        buffered = events.pop()!;
        for (const event of events) {
          const data = /^event: status\ndata: (.*)$/.exec(event)?.[1];
          if (!data) continue;
          last = JSON.parse(data) as VideoStatus;
          if (until(last)) return last;
        }
      }
    } finally {
      await reader.cancel();
    }
    if (!last) throw new Error(`the event stream of ${videoId} ended without a status`);
    return last;
  }
}
