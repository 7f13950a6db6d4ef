// A small client of BING's HTTP API for the command line.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { VideoStatus } from '../videos-service';

export interface Problem {
  title: string;
  status: number;
  detail?: string;
}

export interface JobListing {
  name: string;
  videoId?: string;
  kind: string;
  status: string;
  starts: number;
  startedAt: string;
  seconds: number;
  failureReason?: string;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.title}${problem.detail ? `: ${problem.detail}` : ''} (HTTP ${problem.status})`);
  }
}

export class ApiClient {
  constructor(private readonly baseUrl: string, private readonly apiKey: string, private readonly user?: string) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}`, ...(this.user ? { 'x-bing-user': this.user } : {}), ...extra };
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), { ...init, headers: this.headers(init.headers as Record<string, string>) });
    } catch (err) {
      throw new Error(`cannot reach the BING API at ${this.baseUrl}; is \`npm start\` running?`, { cause: err });
    }
    if (!res.ok) {
      const body = await res.text();
      let problem: Problem = { title: res.statusText, status: res.status, detail: body.slice(0, 300) };
      try {
        problem = JSON.parse(body) as Problem;
      } catch {
        // not problem+json: keep the text
      }
      throw new ApiError(problem);
    }
    return res;
  }

  /** Streams a file as the request body, reporting bytes sent. */
  async upload(file: string, language: string, onBytes: (sent: number, total: number) => void): Promise<{ videoId: string; workflowId: string }> {
    const { size } = await stat(file);
    let sent = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        sent += chunk.length;
        onBytes(sent, size);
        done(null, chunk);
      },
    });
    const body = Readable.toWeb(createReadStream(file).pipe(counter)) as ReadableStream;
    const query = new URLSearchParams({ language, name: basename(file) });
    const res = await this.request(`/v1/videos?${query}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      duplex: 'half',
    } as RequestInit);
    return (await res.json()) as { videoId: string; workflowId: string };
  }

  async status(videoId: string): Promise<VideoStatus> {
    return (await (await this.request(`/v1/videos/${encodeURIComponent(videoId)}`)).json()) as VideoStatus;
  }

  async cancel(videoId: string): Promise<{ status: string; stage: string }> {
    return (await (await this.request(`/v1/videos/${encodeURIComponent(videoId)}/cancel`, { method: 'POST' })).json()) as never;
  }

  async rerun(videoId: string): Promise<{ workflowId: string; run: number }> {
    return (await (await this.request(`/v1/videos/${encodeURIComponent(videoId)}/rerun`, { method: 'POST' })).json()) as never;
  }

  async jobs(): Promise<{ jobs: JobListing[] }> {
    return (await (await this.request('/v1/jobs')).json()) as { jobs: JobListing[] };
  }

  async commentary(videoId: string): Promise<{ language: string; lines: { start: number; end: number; text: string }[]; text: string }> {
    return (await (await this.request(`/v1/videos/${encodeURIComponent(videoId)}/commentary`)).json()) as never;
  }
}
