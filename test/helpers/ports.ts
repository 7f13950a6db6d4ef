import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';

/**
 * Where ports are taken from: the span below the range the system hands out for port 0. A server
 * that asks for any free port (the Temporal dev server does so for its internal services) can then
 * never be given one of ours between our choosing it and our server listening on it.
 */
async function portSpan(): Promise<{ from: number; to: number }> {
  const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '49152 65535');
  const ephemeralFrom = Number(range.trim().split(/\s+/)[0]);
  return { from: Math.max(1024, ephemeralFrom - 16384), to: ephemeralFrom - 1 };
}

const listenOn = (server: Server, port: number) =>
  new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });

/** COUNT different TCP ports nothing listens on now, each held until all are found. */
export async function freePorts(count: number): Promise<number[]> {
  const { from, to } = await portSpan();
  const held: Server[] = [];
  try {
    for (let tries = 0; held.length < count; tries++) {
      if (tries === 1000) throw new Error(`no ${count} free ports between ${from} and ${to}`);
      const server = createServer();
      if (await listenOn(server, from + Math.floor(Math.random() * (to - from + 1)))) held.push(server);
    }
    return held.map((server) => (server.address() as { port: number }).port);
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** A TCP port nothing listens on now. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}
