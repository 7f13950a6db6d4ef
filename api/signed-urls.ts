// Short-lived URLs for stored files, for what cannot send an Authorization header: <video src>,
// <track src>, a download link. The signature covers the storage key and the expiry time.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { configProblem, type Config } from '../common/config';
import { isLoopback } from '../common/loopback';
import { keptSecret } from '../common/secret-file';

/**
 * The secret every API process of a deployment signs links with, so that a link outlives the
 * process that made it: BING_URL_SECRET, or for an API on loopback (one machine, `npm start`) one
 * made once in the data directory. An API listening beyond loopback may be one of several, which
 * share no data directory: it needs the variable.
 */
export function urlSecret(config: Pick<Config, 'BING_URL_SECRET' | 'BING_API_HOST' | 'BING_DATA_DIR'>): string {
  if (config.BING_URL_SECRET) return config.BING_URL_SECRET;
  if (!isLoopback(config.BING_API_HOST)) {
    throw configProblem('BING_URL_SECRET', 'required when the API listens beyond loopback (BING_API_HOST): every API process of a deployment must sign file links with the same secret, 32 or more characters');
  }
  return keptSecret(join(config.BING_DATA_DIR, 'url-secret'));
}

export class UrlSigner {
  constructor(private readonly secret: string, readonly ttlSeconds = 3600) {}

  private signature(key: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${key}\n${expires}`).digest('base64url');
  }

  url(key: string, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + this.ttlSeconds;
    return `/files/${key.split('/').map(encodeURIComponent).join('/')}?expires=${expires}&signature=${this.signature(key, expires)}`;
  }

  verify(key: string, expires: string, signature: string, now = Date.now()): boolean {
    const when = Number(expires);
    if (!Number.isInteger(when) || when * 1000 < now) return false;
    const expected = Buffer.from(this.signature(key, when));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
