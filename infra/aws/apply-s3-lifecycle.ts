// infra/apply-s3-lifecycle: applies the upload lifecycle rules to BING_S3_BUCKET (at BING_S3_ENDPOINT
// where set), aborting incomplete uploads after BING_S3_INCOMPLETE_UPLOAD_DAYS.
import { loadConfig } from '../../common/config';
import { S3Storage } from '../../activities/storage/s3';
import { applyUploadLifecycle } from './s3-lifecycle';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.BING_S3_BUCKET) throw new Error('BING_S3_BUCKET is not set');
  const storage = new S3Storage({ bucket: config.BING_S3_BUCKET, endpoint: config.BING_S3_ENDPOINT });
  const rules = await applyUploadLifecycle(storage.client, storage.bucket, config.BING_S3_INCOMPLETE_UPLOAD_DAYS);
  storage.client.destroy();
  process.stdout.write(`${storage.bucket}: ${rules.map((r) => r.ID ?? '(unnamed)').join(', ')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`apply-s3-lifecycle: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
