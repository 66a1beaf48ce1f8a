// A TCP proxy a test controls, between iclockd and its database: `cut()` drops every live
// connection and refuses new ones (as a dead link or a stopped server would), `restore()`
// lets connections through again. `cutOn(pattern)` cuts the moment a client sends bytes
// matching it, so a test can cut the link in the middle of an upload's transaction.
import { type Server, type Socket, createServer, connect } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections made through the proxy so far. */
  connections: number;
  cut(): void;
  /** Keeps every connection open but passes nothing either way (a partition): only timeouts end a request. */
  blackhole(): void;
  /** Cuts when a client→server chunk contains `pattern` (that chunk is not forwarded). */
  cutOn(pattern: string | RegExp): Promise<void>;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const live = new Set<Socket>();
  let down = false;
  let silent = false;
  let trigger: { pattern: string | RegExp; fired: () => void } | null = null;
  const proxy: TcpProxy = {
    port: 0,
    connections: 0,
    cut() {
      down = true;
      for (const s of live) s.destroy();
      live.clear();
    },
    cutOn(pattern) {
      return new Promise((resolve) => {
        trigger = { pattern, fired: resolve };
      });
    },
    blackhole() {
      silent = true;
    },
    restore() {
      down = false;
      silent = false;
      for (const s of live) s.destroy();
      live.clear();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    proxy.connections++;
    const upstream = connect(targetPort, targetHost);
    live.add(client);
    live.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      live.delete(client);
      live.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      const t = trigger;
      if (t && (typeof t.pattern === 'string' ? chunk.includes(t.pattern) : t.pattern.test(chunk.toString('latin1')))) {
        trigger = null;
        proxy.cut();
        t.fired();
        return;
      }
      if (!silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!silent) client.write(chunk);
    });
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as { port: number }).port;
  return proxy;
}

/** A proxy in front of the MySQL server `url` names, and the same URL through it. */
export async function startProxyTo(url: string): Promise<{ proxy: TcpProxy; url: string }> {
  const u = new URL(url);
  const proxy = await startTcpProxy(u.hostname, Number(u.port || 3306));
  u.host = `127.0.0.1:${proxy.port}`;
  return { proxy, url: u.toString() };
}
