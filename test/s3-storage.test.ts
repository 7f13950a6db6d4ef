// S3Storage against a real S3 API: moto_server on a loopback port.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateBucketCommand, GetBucketLifecycleConfigurationCommand, HeadObjectCommand, ListMultipartUploadsCommand, PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3Storage } from '../activities/storage/s3';
import { InvalidKey, ObjectNotFound, readJson } from '../activities/storage/storage';
import { abortRuleId, tusLeftoversRuleId } from '../infra/aws/s3-lifecycle';
import { projectRoot } from '../workers/tools';
import { motoBucket, startMoto, type Moto } from './helpers/moto';

let moto: Moto;
let storage: S3Storage;
let dir: string;
const bucket = 'bing-test';

const MiB = 1024 ** 2;
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

async function text(stream: Readable): Promise<string> {
  return (await bytes(stream)).toString('utf8');
}

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  moto = await startMoto();
  dir = await mkdtemp(join(tmpdir(), 'bing-s3-'));
  storage = await motoBucket(moto, bucket, { partSize: 5 * MiB, multipartCopyThreshold: 8 * MiB, copyPartSize: 5 * MiB, listPageSize: 7 });
});

afterAll(async () => {
  storage?.client.destroy();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('S3Storage on moto', () => {
  it('puts and gets an object, with its size, sha256 and metadata', async () => {
    const info = await storage.put('results/v1/commentary.json', '{"text":"goal"}', { 'content-type': 'application/json', userId: 'Alice', fileName: 'résumé match.mp4' });
    expect(info).toEqual({
      key: 'results/v1/commentary.json', size: 15, sha256: sha256('{"text":"goal"}'),
      metadata: { 'content-type': 'application/json', userId: 'Alice', fileName: 'résumé match.mp4' },
    });
    expect(await readJson(storage, 'results/v1/commentary.json')).toEqual({ text: 'goal' });
    expect(await storage.head('results/v1/commentary.json')).toEqual(info);
    const raw = await storage.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'results/v1/commentary.json' }));
    expect(raw.ContentType).toBe('application/json');
    expect(raw.Metadata?.sha256).toBe(info.sha256);
  });

  it('reads byte ranges', async () => {
    await storage.put('r/digits', Buffer.from('0123456789'));
    expect(await text(await storage.get('r/digits', { start: 2, end: 5 }))).toBe('2345');
    expect(await text(await storage.get('r/digits', { start: 7 }))).toBe('789');
    expect(await text(await storage.get('r/digits', { start: 20 }))).toBe('');
  });

  it('streams a 20 MB body in 5 MiB parts and records its sha256', async () => {
    const data = randomBytes(20 * MiB + 123);
    const source = Readable.from((function* () {
      for (let i = 0; i < data.length; i += 64 * 1024) yield data.subarray(i, i + 64 * 1024);
    })());
    const send = vi.spyOn(storage.client, 'send');
    const info = await storage.put('uploads/alice/v2/source', source, { contentType: 'video/mp4' });
    const parts = send.mock.calls.filter(([command]) => command instanceof UploadPartCommand).length;
    send.mockRestore();
    expect(parts).toBe(5);
    expect(info.size).toBe(data.length);
    expect(info.sha256).toBe(sha256(data));
    const head = await storage.head('uploads/alice/v2/source');
    expect(head).toEqual({ key: 'uploads/alice/v2/source', size: data.length, sha256: sha256(data), metadata: { contentType: 'video/mp4' } });
    const raw = await storage.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'uploads/alice/v2/source' }));
    expect(raw.ContentType).toBe('video/mp4');
    expect(sha256(await bytes(await storage.get('uploads/alice/v2/source')))).toBe(sha256(data));
    expect(await text(await storage.get('uploads/alice/v2/source', { start: 10 * MiB, end: 10 * MiB + 9 }))).toBe(data.subarray(10 * MiB, 10 * MiB + 10).toString('utf8'));
  });

  it('lists keys under a prefix in order, across pages', async () => {
    // Seven keys a page here, 1000 by default.
    const keys = Array.from({ length: 30 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
    await Promise.all(keys.map((k) => storage.put(k, 'x')));
    await storage.put('many-not/x', 'y');
    const listed = await storage.list('many/');
    expect(listed).toEqual(keys);
    expect(await storage.list('many')).toHaveLength(31);
    expect(await storage.list('nothing/here/')).toEqual([]);
    expect(await storage.deletePrefix('many/')).toBe(30);
    expect(await storage.list('many')).toEqual(['many-not/x']);
  });

  it('copies objects with their metadata, by CopyObject and by multipart copy', async () => {
    await storage.put('c/small', 'small body', { userId: 'bob' });
    await storage.copy('c/small', 'c/small-copy');
    expect(await storage.head('c/small-copy')).toEqual({ ...(await storage.head('c/small')), key: 'c/small-copy' });

    // Above the threshold (8 MiB here, 5 GiB by default) the copy goes part by part.
    const data = randomBytes(12 * MiB + 7);
    const put = await storage.put('c/large', data, { userId: 'bob' });
    await storage.copy('c/large', 'uploads/bob/v3/source');
    const copied = await storage.head('uploads/bob/v3/source');
    expect(copied).toEqual({ key: 'uploads/bob/v3/source', size: data.length, sha256: put.sha256, metadata: { userId: 'bob' } });
    const raw = await storage.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'uploads/bob/v3/source' }));
    expect(raw.ETag).toMatch(/-3"$/);
    expect(sha256(await bytes(await storage.get('uploads/bob/v3/source')))).toBe(put.sha256);
    await expect(storage.copy('c/missing', 'c/x')).rejects.toBeInstanceOf(ObjectNotFound);
  });

  it('copies a version of an object from another bucket, part by part when large', async () => {
    const other = 'bing-weights-elsewhere';
    await storage.client.send(new CreateBucketCommand({ Bucket: other }));
    await storage.client.send(new PutBucketVersioningCommand({ Bucket: other, VersioningConfiguration: { Status: 'Enabled' } }));
    const first = randomBytes(12 * MiB + 3);
    const { VersionId } = await storage.client.send(new PutObjectCommand({ Bucket: other, Key: 'w/model.pt', Body: first }));
    await storage.client.send(new PutObjectCommand({ Bucket: other, Key: 'w/model.pt', Body: 'a later version' }));
    await storage.copyFrom({ bucket: other, key: 'w/model.pt', versionId: VersionId }, 'models/action/2/weights/model.pt');
    expect(sha256(await bytes(await storage.get('models/action/2/weights/model.pt')))).toBe(sha256(first));
    await storage.copyFrom({ bucket: other, key: 'w/model.pt' }, 'models/action/3/weights/model.pt');
    expect((await bytes(await storage.get('models/action/3/weights/model.pt'))).toString()).toBe('a later version');
    await expect(storage.copyFrom({ bucket: other, key: 'w/missing.pt' }, 'x')).rejects.toBeInstanceOf(ObjectNotFound);
  });

  it('deletes objects and prefixes', async () => {
    await Promise.all(['d/a', 'd/b/c', 'd/b/d', 'e/a'].map((k) => storage.put(k, k)));
    await storage.delete('d/a');
    await storage.delete('d/a');
    expect(await storage.head('d/a')).toBeUndefined();
    expect(await storage.deletePrefix('d/')).toBe(2);
    expect(await storage.list('d/')).toEqual([]);
    expect(await storage.list('e/')).toEqual(['e/a']);
    await expect(storage.deletePrefix('')).rejects.toBeInstanceOf(InvalidKey);
  });

  it('downloads to and uploads from files', async () => {
    const data = randomBytes(7 * MiB);
    const source = join(dir, 'source.bin');
    await writeFile(source, data);
    const info = await storage.upload(source, 'f/blob', { kind: 'test' });
    expect(info).toMatchObject({ size: data.length, sha256: sha256(data), metadata: { kind: 'test' } });
    const target = join(dir, 'nested', 'deeper', 'blob.bin');
    await storage.download('f/blob', target);
    expect(sha256(await readFile(target))).toBe(sha256(data));
    await expect(storage.download('f/missing', join(dir, 'missing.bin'))).rejects.toBeInstanceOf(ObjectNotFound);
  });

  it('leaves no multipart upload behind when a streamed body fails', async () => {
    const failing = Readable.from((async function* () {
      yield randomBytes(6 * MiB);
      yield randomBytes(1 * MiB);
      throw new Error('client went away');
    })());
    await expect(storage.put('g/broken', failing)).rejects.toThrow(/client went away/);
    expect(await storage.head('g/broken')).toBeUndefined();
    const pending = await storage.client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'g/' }));
    expect(pending.Uploads ?? []).toEqual([]);
  });

  it('refuses invalid keys and reports missing ones', async () => {
    for (const key of ['', '/abs', 'a/../b', 'a//b', 'a/./b', 'tab\there', 'back\\slash', 'trailing/']) {
      await expect(storage.put(key, 'x')).rejects.toBeInstanceOf(InvalidKey);
      await expect(storage.get(key)).rejects.toBeInstanceOf(InvalidKey);
    }
    expect(() => storage.uri('../etc/passwd')).toThrow(InvalidKey);
    await expect(storage.get('no/such/key')).rejects.toBeInstanceOf(ObjectNotFound);
    await expect(storage.get('no/such/key', { start: 3 })).rejects.toBeInstanceOf(ObjectNotFound);
    expect(await storage.head('no/such/key')).toBeUndefined();
    await expect(storage.delete('no/such/key')).resolves.toBeUndefined();
  });

  it('names objects by URI and presigns GETs that work without credentials', async () => {
    expect(storage.uri('results/v1/actions.json')).toBe(`s3://${bucket}/results/v1/actions.json`);
    await storage.put('p/shared.txt', 'shared');
    const url = await storage.presignGet('p/shared.txt', 60);
    expect(url).toContain('X-Amz-Signature=');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('shared');
  });

  it('uses the client it is given', () => {
    const client = new S3Client({ region: 'us-east-1' });
    expect(new S3Storage({ bucket, client }).client).toBe(client);
    client.destroy();
  });

  it('infra/apply-s3-lifecycle adds the rules that abort incomplete uploads, keeping the bucket\'s others, and can be rerun', async () => {
    await storage.client.send(new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket, LifecycleConfiguration: { Rules: [{ ID: 'keep-me', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 30 } }] },
    }));
    const apply = () => promisify(execFile)(join(projectRoot, 'infra', 'apply-s3-lifecycle'), {
      env: { ...process.env, BING_S3_BUCKET: bucket, BING_S3_ENDPOINT: moto.endpoint, BING_S3_INCOMPLETE_UPLOAD_DAYS: '3' },
    });
    expect((await apply()).stdout).toContain(abortRuleId);
    await apply();
    const { Rules } = await storage.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(Rules?.map((r) => r.ID).sort()).toEqual([abortRuleId, tusLeftoversRuleId, 'keep-me'].sort());
    expect(Rules?.find((r) => r.ID === abortRuleId)?.AbortIncompleteMultipartUpload?.DaysAfterInitiation).toBe(3);
    expect(Rules?.find((r) => r.ID === tusLeftoversRuleId)).toMatchObject({ Filter: { Tag: { Key: 'Tus-Completed', Value: 'false' } }, Expiration: { Days: 3 } });
  });
});
