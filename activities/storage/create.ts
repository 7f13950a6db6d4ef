// The storage the configuration names: an S3 bucket, or a directory under BING_DATA_DIR.
import { join } from 'node:path';
import type { Config } from '../../common/config';
import { LocalStorage } from './local';
import { S3Storage } from './s3';
import type { Storage } from './storage';

export function createStorage(config: Config): Storage {
  if (config.BING_STORAGE === 's3') return new S3Storage({ bucket: config.BING_S3_BUCKET!, endpoint: config.BING_S3_ENDPOINT });
  return new LocalStorage(join(config.BING_DATA_DIR, 'storage'));
}
