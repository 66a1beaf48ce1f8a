// A round-robin HTTP load balancer for tests: each request goes to the next backend, as a
// load balancer without sticky sessions would send a terminal's polls and uploads.
import { type Server, createServer, request } from 'node:http';

export interface RoundRobin {
  port: number;
  /** Requests each backend was sent, in backend order. */
  served: number[];
  close(): Promise<void>;
}

export async function startRoundRobin(backendPorts: number[]): Promise<RoundRobin> {
  const served = backendPorts.map(() => 0);
  let next = 0;
  const server: Server = createServer((req, res) => {
    const i = next++ % backendPorts.length;
    served[i]!++;
    const upstream = request({ host: '127.0.0.1', port: backendPorts[i], path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    served,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
