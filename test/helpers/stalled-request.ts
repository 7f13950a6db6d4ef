// A client that sends a request's head and the first bytes of its body over a real socket, then
// nothing, as a stalled or hostile client does; it reads whatever the server answers until the
// server closes the connection.
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface StalledRequest {
  /** The socket is open and the first bytes are sent. */
  sent: Promise<void>;
  /** The server's answer, once it has closed the connection. */
  answer: Promise<RawAnswer>;
}

export function stalledRequest(base: string, { method = 'POST', path, headers, length, first }: {
  method?: string; path: string; headers: Record<string, string>; length: number; first: Buffer;
}): StalledRequest {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  const head = [`${method} ${path} HTTP/1.1`, `host: ${hostname}:${port}`, `content-length: ${length}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  const sent = new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => socket.write(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), first]), () => resolve()));
  });
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [top = '', body = ''] = text.split(/\r\n\r\n(.*)/s);
      const [statusLine = '', ...lines] = top.split('\r\n');
      const headerPairs = lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]);
      resolve({ status: Number(statusLine.split(' ')[1]), headers: Object.fromEntries(headerPairs), body });
    });
  });
  return { sent, answer };
}
