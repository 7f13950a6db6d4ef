// Page tokens of GET /v1/videos. Temporal's own token goes out signed, bound to the user and the
// filter it continues, so that a token the API did not give (or gave another listing) is a 400:
// Temporal answers a forged one with an error its client retries for seconds before failing.
import { HttpProblem } from './problem';
import type { UrlSigner } from './signed-urls';

/** The characters of a token this API gives: base64url, and the dots between its parts. */
export const pageTokenPattern = /^[A-Za-z0-9_-]+\.\d{1,12}\.[A-Za-z0-9_-]{43}$/;

// Signed as a file link to a key that no stored file has, so a token expires with the link's TTL.
const signedKey = (scope: string, token: string) => `page-tokens/${encodeURIComponent(scope)}/${token}`;

export function pageTokens(signer: UrlSigner) {
  return {
    /** The token to hand out for Temporal's `token`, continuing the listing named by `scope`. */
    seal(scope: string, token: Uint8Array): string {
      const encoded = Buffer.from(token).toString('base64url');
      const link = new URL(signer.url(signedKey(scope, encoded)), 'http://link');
      return `${encoded}.${link.searchParams.get('expires')}.${link.searchParams.get('signature')}`;
    },
    /** Temporal's token inside `pageToken`; a 400 when this API did not seal it for `scope` within the TTL. */
    open(scope: string, pageToken: string): Buffer {
      const [encoded = '', expires = '', signature = ''] = pageToken.split('.');
      if (!pageTokenPattern.test(pageToken) || !signer.verify(signedKey(scope, encoded), expires, signature)) {
        throw new HttpProblem(400, 'Invalid request', `pageToken: not one this API gave for this listing in the last ${signer.ttlSeconds} s; list again without it`);
      }
      return Buffer.from(encoded, 'base64url');
    },
  };
}
