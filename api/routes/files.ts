// Stored files behind signed URLs (UrlSigner), streamed with HTTP Range so players can seek.
import { Router, type Request } from 'express';
import { ObjectNotFound, type Storage } from '../../activities/storage/storage';
import { HttpProblem } from '../problem';
import type { UrlSigner } from '../signed-urls';

const contentTypes: Record<string, string> = {
  json: 'application/json', txt: 'text/plain; charset=utf-8', vtt: 'text/vtt; charset=utf-8', srt: 'application/x-subrip',
  mp4: 'video/mp4', wav: 'audio/wav', mp3: 'audio/mpeg',
};

function contentType(key: string, stored: Record<string, string>): string {
  const extension = key.includes('.') ? key.slice(key.lastIndexOf('.') + 1) : '';
  return contentTypes[extension] ?? stored.contentType ?? stored['content-type'] ?? 'application/octet-stream';
}

/**
 * The byte range a Range header asks for (Express's req.range, range-parser), or undefined for the
 * whole object; throws 416. One range only. A suffix longer than the file is the whole file (RFC
 * 9110 14.1.3), which range-parser 1.x refuses as unsatisfiable.
 */
function byteRange(req: Request, size: number): { start: number; end: number } | undefined {
  const ranges = req.range(size);
  if (ranges === undefined) return undefined;
  const header = req.get('range')!;
  if (ranges === -2 || (ranges !== -1 && (ranges.type !== 'bytes' || ranges.length !== 1))) {
    throw new HttpProblem(416, 'Range not satisfiable', `bad range ${header}`);
  }
  if (ranges === -1) {
    const suffix = /^bytes=-(\d+)$/.exec(header.trim());
    if (suffix && Number(suffix[1]) > 0 && size > 0) return { start: 0, end: size - 1 };
    throw new HttpProblem(416, 'Range not satisfiable', `the file has ${size} bytes`);
  }
  return ranges[0];
}

export function filesRouter(storage: Storage, signer: UrlSigner): Router {
  const router = Router();
  router.get('/*key', async (req, res) => {
    const key = (req.params as { key: string[] }).key.join('/');
    const { expires, signature } = req.query as Record<string, string | undefined>;
    if (!expires || !signature || !signer.verify(key, expires, signature)) {
      throw new HttpProblem(403, 'Forbidden', 'the link is not valid or has expired; ask the API for a new one');
    }
    const info = await storage.head(key);
    if (!info) throw new HttpProblem(404, 'Not found', 'the file is no longer stored');
    const range = byteRange(req, info.size);
    res.setHeader('accept-ranges', 'bytes');
    res.setHeader('content-type', contentType(key, info.metadata));
    res.setHeader('cache-control', 'private, max-age=300');
    if (range) {
      res.status(206).setHeader('content-range', `bytes ${range.start}-${range.end}/${info.size}`);
      res.setHeader('content-length', String(range.end - range.start + 1));
    } else {
      res.setHeader('content-length', String(info.size));
    }
    try {
      (await storage.get(key, range)).pipe(res);
    } catch (err) {
      if (err instanceof ObjectNotFound) throw new HttpProblem(404, 'Not found', 'the file is no longer stored');
      throw err;
    }
  });
  return router;
}
