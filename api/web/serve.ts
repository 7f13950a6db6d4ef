// The web page at `/`: static files from api/web/public, no build step. The page calls /v1 with
// the user's API key, which it asks for itself, so these files need no authentication.
import { basename, dirname, join } from 'node:path';
import express, { type Router } from 'express';

export const webRoot = join(__dirname, 'public');

/** tus-js-client's browser build, which the page loads as /vendor/tus.min.js (global `tus`). */
export const tusClientScript = join(dirname(require.resolve('tus-js-client/package.json')), 'dist', 'tus.min.js');

const headers = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // Scripts and styles only from here; media and results may come from presigned storage URLs.
  'Content-Security-Policy': "script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
};

/**
 * Serves the page's files; requests for anything else fall through to the next handler. Each file
 * is sent relative to its folder, whose own path may hold dot-folders (a checkout in ~/.cache/bing):
 * send refuses a dotfile only among the parts of the path below its root.
 */
export function webRouter({ root = webRoot, tusScript = tusClientScript } = {}): Router {
  const router = express.Router();
  router.get('/vendor/tus.min.js', (_req, res) => {
    res.set(headers).type('text/javascript').sendFile(basename(tusScript), { root: dirname(tusScript), maxAge: 0 });
  });
  router.use(express.static(root, {
    index: 'index.html',
    redirect: false,
    dotfiles: 'ignore',
    // Small files that change with the code: revalidated every time, answered 304 when unchanged.
    maxAge: 0,
    setHeaders: (res) => res.set(headers),
  }));
  return router;
}
