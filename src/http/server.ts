// Listening and stopping: stop accepting, let in-flight requests finish within a grace
// period, then cut whatever is left.
import { type RequestListener, type Server, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A client that sends its request too slowly is cut (408) so it cannot hold a connection and
 * a body buffer for ever: the headers within HEADERS_TIMEOUT_MS, the whole request within
 * `requestTimeoutSeconds`.
 */
const HEADERS_TIMEOUT_MS = 20_000;

/** PEM certificate chain and key: the server speaks HTTPS. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

export async function listen(handler: RequestListener, port: number, host: string, requestTimeoutSeconds: number, tls?: TlsFiles): Promise<Server> {
  const requestTimeout = requestTimeoutSeconds * 1000;
  // Timeouts are checked this often (Node's default, 30 s, would let them run late).
  const options = { requestTimeout, headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout), connectionsCheckingInterval: 1000 };
  const server: Server = tls ? createHttpsServer({ ...options, cert: tls.cert, key: tls.key }, handler) : createServer(options, handler);
  // Terminals keep connections open between polls; keep-alive must outlive their interval.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Resolves once every connection is closed; after `graceMs` open ones are cut. */
export function stopServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
