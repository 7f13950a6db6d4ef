// Secured fronts for the plain Temporal dev server, as a Temporal cluster with TLS presents itself:
// one that terminates mutual TLS and passes the bytes on, one that terminates TLS and gRPC and
// records each call's `authorization` header before passing the call on.
import { connect as connectHttp2, constants as h2, createSecureServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { connect as connectTcp, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { KeyPair } from './certificates';

export interface Proxy {
  /** host:port, for TEMPORAL_ADDRESS. */
  address: string;
  close(): Promise<void>;
}

async function listen(server: Server, sockets: Set<Socket>): Promise<Proxy> {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

const [hostOf, portOf] = [(address: string) => address.split(':')[0]!, (address: string) => Number(address.split(':')[1])];

export interface MutualTlsProxy extends Proxy {
  /** Why each refused client was refused (the TLS error's code). */
  refusals: string[];
  /** Clients that presented a certificate the CA signed. */
  accepted: number;
}

/** Requires a client certificate signed by `ca`, then pipes the connection to `target`. */
export async function mutualTlsProxy(target: string, server: KeyPair, ca: KeyPair): Promise<MutualTlsProxy> {
  const sockets = new Set<Socket>();
  const tls = createTlsServer({ key: server.key, cert: server.cert, ca: ca.cert, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] }, (client) => {
    proxy.accepted++;
    const upstream = connectTcp(portOf(target), hostOf(target));
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  tls.on('tlsClientError', (err: NodeJS.ErrnoException) => proxy.refusals.push(err.code ?? err.message));
  const proxy: MutualTlsProxy = { ...(await listen(tls, sockets)), refusals: [], accepted: 0 };
  return proxy;
}

export interface RecordedCall {
  path: string;
  authorization?: string;
}

export interface GrpcRecordingProxy extends Proxy {
  calls: RecordedCall[];
}

/** Headers that name the hop rather than the call: the upstream session sets its own. */
const hopHeaders = new Set([h2.HTTP2_HEADER_SCHEME, h2.HTTP2_HEADER_AUTHORITY]);

/** Serves gRPC over TLS with `server`'s certificate, forwarding each call to `target` over plain HTTP/2. */
export async function grpcRecordingProxy(target: string, server: KeyPair): Promise<GrpcRecordingProxy> {
  const sockets = new Set<Socket>();
  const upstream = connectHttp2(`http://${target}`);
  upstream.on('error', () => undefined);
  const http2 = createSecureServer({ key: server.key, cert: server.cert });
  http2.on('stream', (stream, headers: IncomingHttpHeaders) => {
    proxy.calls.push({ path: String(headers[h2.HTTP2_HEADER_PATH]), authorization: headers.authorization });
    const forwarded = Object.fromEntries(Object.entries(headers).filter(([name]) => !hopHeaders.has(name))) as OutgoingHttpHeaders;
    const call = upstream.request(forwarded);
    let trailers: OutgoingHttpHeaders = {};
    call.on('response', (response) => {
      // gRPC answers an error with headers alone ("trailers-only"): pass those on as they are.
      if ('grpc-status' in response) stream.respond(response, { endStream: true });
      else stream.respond(response, { waitForTrailers: true });
    });
    call.on('trailers', (received) => (trailers = received));
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    stream.pipe(call);
    call.on('data', (chunk: Buffer) => stream.write(chunk));
    call.on('end', () => stream.end());
    call.on('error', () => stream.close(h2.NGHTTP2_INTERNAL_ERROR));
    stream.on('error', () => call.close(h2.NGHTTP2_CANCEL));
  });
  const proxy: GrpcRecordingProxy = { ...(await listen(http2 as unknown as Server, sockets)), calls: [] };
  const close = proxy.close;
  proxy.close = async () => {
    upstream.destroy();
    await close();
  };
  return proxy;
}
