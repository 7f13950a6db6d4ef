// Ingest: the finished upload becomes uploads/{userId}/{videoId}/source, checked and probed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IngestedSource, UploadCompleted, VideoFacts } from '../contracts/video-commentary';
import { badInput } from './failures';
import { NotAVideo } from '../common/errors';
import { probeVideo } from './probe';
import { storageCan, type Storage } from './storage/storage';

export interface IngestInput {
  videoId: string;
  userId: string;
  upload: UploadCompleted;
}

export type IngestResult = IngestedSource;

export const sourceKey = (userId: string, videoId: string): string => `uploads/${userId}/${videoId}/source`;

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function withLocalCopy<T>(storage: Storage, key: string, use: (path: string) => Promise<T>): Promise<T> {
  if (storage.localPath) return use(storage.localPath(key));
  const dir = await mkdtemp(join(tmpdir(), 'bing-ingest-'));
  try {
    const path = join(dir, 'source');
    await storage.download(key, path);
    return await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Moves the checked upload to its source key: on this machine's storage a rename that keeps the sha256 computed, elsewhere a copy. */
async function moveToSource(storage: Storage, from: string, to: string, written: { size: number; sha256: string }, metadata: Record<string, string>): Promise<void> {
  if (storageCan(storage, 'adopt', 'localPath')) await storage.adopt(storage.localPath(from), to, written, metadata);
  else await storage.copy(from, to);
  await storage.delete(from);
}

export function createIngest(storage: Storage) {
  return async function ingestUpload({ videoId, userId, upload }: IngestInput): Promise<IngestResult> {
    const target = sourceKey(userId, videoId);
    const stored = await storage.head(target);
    const from = stored ? target : upload.key;
    const info = stored ?? (await storage.head(upload.key));
    if (!info) throw badInput(`the upload is missing from storage (${upload.key})`);

    const rejected = async (reason: string) => {
      await storage.delete(from);
      return badInput(reason);
    };
    if (info.size === 0) throw await rejected('the upload is empty');
    if (info.size !== upload.size) throw await rejected(`the upload is ${info.size} bytes, but ${upload.size} were sent`);

    // An upload that went straight to S3 has no sha256 yet: it is read once, from the copy probed.
    const checked = await withLocalCopy(storage, from, async (path): Promise<{ fault: string } | { sha256: string; facts: VideoFacts }> => {
      const sha256 = info.sha256 ?? (await sha256Of(createReadStream(path)));
      if (upload.sha256 !== undefined && sha256 !== upload.sha256) return { fault: 'the upload does not match its sha256' };
      try {
        return { sha256, facts: await probeVideo(path) };
      } catch (err) {
        if (err instanceof NotAVideo) return { fault: err.message };
        throw err;
      }
    });
    if ('fault' in checked) throw await rejected(checked.fault);
    if (from !== target) await moveToSource(storage, from, target, { size: info.size, sha256: checked.sha256 }, info.metadata);
    return { key: target, size: info.size, sha256: checked.sha256, facts: checked.facts };
  };
}
