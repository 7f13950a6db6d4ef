// Short-lived URLs for stored files, for what cannot send an Authorization header: <video src>,
// <track src>, a download link. The signature covers the storage key and the expiry time.
import { createHmac, timingSafeEqual } from 'node:crypto';

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
