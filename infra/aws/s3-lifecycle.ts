// The bucket's lifecycle rules for uploads that never finish: S3 aborts incomplete multipart
// uploads (direct-to-S3, tus, lib-storage) after `days`, and expires the info and part objects tus
// leaves beside an unfinished upload (tagged Tus-Completed=false). Other rules of the bucket stay.
import {
  GetBucketLifecycleConfigurationCommand,
  PutBucketLifecycleConfigurationCommand,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';

export const abortRuleId = 'bing-abort-incomplete-uploads';
export const tusLeftoversRuleId = 'bing-expire-unfinished-tus-objects';

export function uploadLifecycleRules(days: number): LifecycleRule[] {
  return [
    { ID: abortRuleId, Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: days } },
    { ID: tusLeftoversRuleId, Status: 'Enabled', Filter: { Tag: { Key: 'Tus-Completed', Value: 'false' } }, Expiration: { Days: days } },
  ];
}

/** Puts BING's rules into the bucket's lifecycle configuration, replacing earlier versions of them. */
export async function applyUploadLifecycle(client: S3Client, bucket: string, days: number): Promise<LifecycleRule[]> {
  let existing: LifecycleRule[] = [];
  try {
    existing = (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
  } catch (err) {
    if ((err as { name?: string }).name !== 'NoSuchLifecycleConfiguration') throw err;
  }
  const ours = new Set([abortRuleId, tusLeftoversRuleId]);
  const rules = [...existing.filter((r) => !ours.has(r.ID ?? '')), ...uploadLifecycleRules(days)];
  await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: rules } }));
  return rules;
}
