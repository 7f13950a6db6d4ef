// A small client of BING's HTTP API for the command line.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import * as tus from 'tus-js-client';
import type { z } from 'zod';
import { videoWorkflowId } from '../../common/ids';
import type { Language } from '../../contracts/video-commentary';
import type { modelSummary } from '../openapi/models';
import type { jobListing } from '../openapi/service';
import type { VideoStatus } from '../../client/videos-service';
import type { CommentaryFormat, Style, TeamNames } from './command-line';

export const uploadChunkBytes = 8 << 20;

/** tus-js-client's Node URL storage (a JSON file, locked while written); its types omit it. */
export async function fileUrlStorage(path: string): Promise<tus.UrlStorage> {
  await mkdir(dirname(path), { recursive: true });
  const { FileUrlStorage } = tus as unknown as { FileUrlStorage: new (path: string) => tus.UrlStorage };
  return new FileUrlStorage(path);
}

/** An upload's failure as the API's problem, or as the network failure it was. */
function uploadError(err: Error, baseUrl: string): Error {
  const res = (err as tus.DetailedError).originalResponse;
  if (!res) return new Error(`cannot reach the BING API at ${baseUrl}; is \`npm start\` running? (${err.message})`, { cause: err });
  const body = res.getBody() ?? '';
  let problem: Problem = { title: 'Upload failed', status: res.getStatus(), detail: body.trim().slice(0, 300) || undefined };
  try {
    problem = JSON.parse(body) as Problem;
  } catch {
    // a tus protocol error: plain text
  }
  return new ApiError(problem);
}

export interface Problem {
  title: string;
  status: number;
  detail?: string;
}

/** The API's answers, typed by the zod schemas its OpenAPI document is generated from. */
export type JobListing = z.infer<typeof jobListing>;
export type ModelSummary = z.infer<typeof modelSummary>;

export interface Commentary {
  language: Language;
  model: string;
  lines: { start: number; end: number; text: string; eventIds: string[] }[];
  text: string;
  /** While the request runs: the lines of the segments commented so far. */
  partial?: true;
  segments?: { done: number; total: number; indexes: number[] };
}

/** The status as GET /v1/videos/{id} answers it: with signed links to the run's stored files, by file name. */
export type VideoStatusWithFiles = VideoStatus & { files: Record<string, string> };

/** The problem a failed response describes, or its text. */
async function problemOf(res: Response): Promise<ApiError> {
  const body = await res.text();
  try {
    return new ApiError(JSON.parse(body) as Problem);
  } catch {
    return new ApiError({ title: res.statusText, status: res.status, detail: body.slice(0, 300) });
  }
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.title}${problem.detail ? `: ${problem.detail}` : ''} (HTTP ${problem.status})`);
  }
}

export class ApiClient {
  /** urlStoragePath: a JSON file remembering unfinished uploads, so that running again resumes them. */
  constructor(private readonly baseUrl: string, private readonly apiKey: string, private readonly user?: string, private readonly urlStoragePath?: string) {}

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
    if (!res.ok) throw await problemOf(res);
    return res;
  }

  /**
   * Uploads a file with tus (resumable, 8 MiB PATCHes). With a URL storage file, an interrupted
   * upload of the same file (same path, size and mtime) is resumed where the server has it.
   */
  async upload(
    file: string, { language, style, teams }: { language: Language; style: Style; teams?: TeamNames }, onBytes: (sent: number, total: number) => void,
  ): Promise<{ videoId: string; workflowId: string }> {
    const urlStorage = this.urlStoragePath ? await fileUrlStorage(this.urlStoragePath) : undefined;
    return new Promise((resolve, reject) => {
      const upload = new tus.Upload(createReadStream(file), {
        endpoint: new URL('/v1/uploads', this.baseUrl).href,
        chunkSize: uploadChunkBytes,
        retryDelays: [0, 1000, 3000, 5000, 10_000],
        headers: this.headers(),
        metadata: { filename: basename(file), filetype: 'application/octet-stream', language, style, ...(teams ? { teams: JSON.stringify(teams) } : {}) },
        ...(urlStorage ? { urlStorage, storeFingerprintForResuming: true, removeFingerprintOnSuccess: true } : { storeFingerprintForResuming: false }),
        onProgress: onBytes,
        onError: (err) => reject(uploadError(err, this.baseUrl)),
        onSuccess: () => {
          const videoId = new URL(upload.url!, this.baseUrl).pathname.split('/').pop()!;
          resolve({ videoId, workflowId: videoWorkflowId(videoId) });
        },
      });
      upload.findPreviousUploads().then((previous) => {
        const last = previous.sort((a, b) => b.creationTime.localeCompare(a.creationTime))[0];
        if (last) upload.resumeFromPreviousUpload(last);
        upload.start();
      }, reject);
    });
  }

  async status(videoId: string): Promise<VideoStatusWithFiles> {
    return (await (await this.request(`/v1/videos/${encodeURIComponent(videoId)}`)).json()) as VideoStatusWithFiles;
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

  async models(): Promise<{ models: ModelSummary[] }> {
    return (await (await this.request('/v1/models')).json()) as { models: ModelSummary[] };
  }

  async commentary(videoId: string): Promise<Commentary> {
    return JSON.parse(await this.commentaryAs(videoId, 'json')) as Commentary;
  }

  /** The commentary file in a format, as the API serves it. */
  async commentaryAs(videoId: string, format: Exclude<CommentaryFormat, 'text'>): Promise<string> {
    return (await this.request(`/v1/videos/${encodeURIComponent(videoId)}/commentary?format=${format}`)).text();
  }

  /**
   * Downloads a signed file link from the status into `path`, by way of `path.part` so that a broken
   * download leaves no partial file. The link carries its own signature: no API key is sent with it.
   */
  async download(link: string, path: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(new URL(link, this.baseUrl));
    } catch (err) {
      throw new Error(`cannot download ${link}`, { cause: err });
    }
    if (!res.ok || !res.body) throw await problemOf(res);
    const part = `${path}.part`;
    try {
      await pipeline(Readable.fromWeb(res.body as ReadableStream<Uint8Array>), createWriteStream(part));
      await rename(part, path);
    } finally {
      await rm(part, { force: true });
    }
  }
}
