import type { Server } from 'node:http';
import type { Express } from 'express';

/** Serves an app on a free loopback port. */
export async function listenOnLoopback(app: Express): Promise<{ server: Server; base: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}
