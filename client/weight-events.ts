// Reads the storage events that announce new weight files, in the forms they come in: S3 event
// notifications (directly, or wrapped by SNS), S3's s3:TestEvent, and EventBridge "Object Created".
// Each created object is matched to a model kind by its bucket and prefix; anything else is
// reported as ignored, with the reason.
import { z } from 'zod';
import type { Config } from '../common/config';
import { modelKinds, type ModelKind } from '../contracts/models';
import type { WeightsArrived } from '../contracts/retraining';
import { isWeightFile, weightFileExtensions } from '../contracts/weight-files';

/** Where a kind's weight files arrive: a bucket (absent: BING's own storage) and a key prefix. */
export interface WeightSource {
  bucket?: string;
  prefix: string;
}

export type WeightSources = Record<ModelKind, WeightSource[]>;

/** The local storage's incoming folder of a kind: the local door, and a prefix in BING's own bucket. */
export const localIncomingPrefix = (kind: ModelKind): string => `models/incoming/${kind}/`;

export function weightSources(config: Config): WeightSources {
  const own = (kind: ModelKind): WeightSource => ({ bucket: config.BING_STORAGE === 's3' ? config.BING_S3_BUCKET : undefined, prefix: localIncomingPrefix(kind) });
  return {
    mot: [own('mot'), { bucket: config.BING_WEIGHTS_BUCKET_MOT, prefix: config.BING_WEIGHTS_PREFIX_MOT }],
    action: [own('action'), { bucket: config.BING_WEIGHTS_BUCKET_ACTION, prefix: config.BING_WEIGHTS_PREFIX_ACTION }],
  };
}

const s3Record = z.object({
  eventName: z.string(),
  eventTime: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string(), size: z.number().optional(), eTag: z.string().optional(), versionId: z.string().optional() }),
  }),
});

export const s3NotificationSchema = z.object({ Records: z.array(s3Record) }).meta({ id: 'S3EventNotification' });
export const s3TestEventSchema = z.object({ Service: z.string(), Event: z.literal('s3:TestEvent'), Bucket: z.string().optional() }).meta({ id: 'S3TestEvent' });
export const eventBridgeSchema = z.object({
  'detail-type': z.string(),
  time: z.string(),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string(), size: z.number().optional(), etag: z.string().optional(), 'version-id': z.string().optional() }),
  }),
}).meta({ id: 'EventBridgeS3Event' });
const snsEnvelope = z.object({ Type: z.literal('Notification'), Message: z.string() });

export const storageEventSchema = z.union([s3NotificationSchema, s3TestEventSchema, eventBridgeSchema]);

export interface WeightEvent {
  kind: ModelKind;
  file: WeightsArrived;
}

export interface ParsedEvents {
  weights: WeightEvent[];
  ignored: { key?: string; reason: string }[];
  testEvent: boolean;
}

export class UnreadableEvent extends Error {}

interface CreatedObject {
  event: string;
  bucket: string;
  key: string;
  /** Why the key cannot be read (it is then as the event spelt it). */
  unreadableKey?: string;
  size?: number;
  etag?: string;
  versionId?: string;
  time: string;
}

/** An S3 notification's key, which S3 URL-encodes with spaces as '+'. */
function notifiedKey(raw: string): Pick<CreatedObject, 'key' | 'unreadableKey'> {
  try {
    return { key: decodeURIComponent(raw.replace(/\+/g, ' ')) };
  } catch {
    return { key: raw, unreadableKey: 'the key is not URL-encoded as S3 sends keys (a malformed % escape)' };
  }
}

function createdObjects(body: unknown): CreatedObject[] | 'test' {
  const sns = snsEnvelope.safeParse(body);
  if (sns.success) {
    try {
      return createdObjects(JSON.parse(sns.data.Message));
    } catch (err) {
      if (err instanceof UnreadableEvent) throw err;
      throw new UnreadableEvent(`the SNS message is not JSON: ${(err as Error).message}`);
    }
  }
  if (s3TestEventSchema.safeParse(body).success) return 'test';
  const notification = s3NotificationSchema.safeParse(body);
  if (notification.success) {
    return notification.data.Records.map((r) => ({
      event: r.eventName, bucket: r.s3.bucket.name, ...notifiedKey(r.s3.object.key),
      size: r.s3.object.size, etag: r.s3.object.eTag, versionId: r.s3.object.versionId, time: r.eventTime,
    }));
  }
  const bridge = eventBridgeSchema.safeParse(body);
  if (bridge.success) {
    const { detail } = bridge.data;
    return [{
      event: bridge.data['detail-type'], bucket: detail.bucket.name, key: detail.object.key,
      size: detail.object.size, etag: detail.object.etag, versionId: detail.object['version-id'], time: bridge.data.time,
    }];
  }
  throw new UnreadableEvent('not an S3 event notification, an s3:TestEvent or an EventBridge S3 event');
}

function kindOf(object: CreatedObject, sources: WeightSources): ModelKind | undefined {
  return modelKinds.find((kind) => sources[kind].some((s) => (s.bucket === undefined || s.bucket === object.bucket) && object.key.startsWith(s.prefix)));
}

/** Throws UnreadableEvent for a body that is none of the known forms. */
export function parseStorageEvent(body: unknown, sources: WeightSources): ParsedEvents {
  const objects = createdObjects(body);
  if (objects === 'test') return { weights: [], ignored: [], testEvent: true };
  const parsed: ParsedEvents = { weights: [], ignored: [], testEvent: false };
  for (const object of objects) {
    const { key } = object;
    const kind = kindOf(object, sources);
    if (object.unreadableKey) parsed.ignored.push({ key, reason: object.unreadableKey });
    else if (!/^ObjectCreated:|^Object Created$/.test(object.event)) parsed.ignored.push({ key, reason: `${object.event} is not a new object` });
    else if (!isWeightFile(key)) parsed.ignored.push({ key, reason: `not a weight file (${weightFileExtensions.join(', ')})` });
    else if (!kind) parsed.ignored.push({ key, reason: `s3://${object.bucket}/${key} is under no model kind's bucket and prefix` });
    else {
      parsed.weights.push({
        kind,
        file: {
          bucket: object.bucket, key, size: object.size ?? 0, eventTime: object.time,
          ...(object.versionId ? { versionId: object.versionId } : {}), ...(object.etag ? { etag: object.etag.replace(/"/g, '') } : {}),
        },
      });
    }
  }
  return parsed;
}
