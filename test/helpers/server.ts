// The real app on a fresh database, listening on an ephemeral port.
import { Writable } from 'node:stream';
import type { Clock } from '../../src/clock.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/main.js';
import type { Role } from '../../src/auth/apiKeys.js';
import { freshDatabaseUrl } from './db.js';

export interface TestServer {
  baseUrl: string;
  /** The server's own fresh database, for a CLI pointed at it. */
  databaseUrl: string;
  running: RunningServer;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Creates a key and returns its Authorization header value. */
  authHeader(role: Role): Promise<string>;
  stop(): Promise<void>;
}

/**
 * `options.database`: another test server's database, shared (as several instances share one);
 * `options.clock`: the time the server's services read (createServices), e.g. moved forward to
 * stand for minutes of polling.
 */
export async function startTestServer(overrides: Partial<Config> = {}, options: { database?: TestServer; clock?: Clock } = {}): Promise<TestServer> {
  const fresh = options.database ? { url: options.database.databaseUrl, drop: async () => undefined } : freshDatabaseUrl();
  const config: Config = {
    ...loadConfig({}),
    host: '127.0.0.1',
    port: 0,
    databaseUrl: fresh.url,
    timeZone: 'UTC',
    logLevel: 'info',
    shutdownGraceSeconds: 5,
    ...overrides,
  };
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const running = await startServer(config, createLogger(config.logLevel, sink), options.clock);
  return {
    baseUrl: `http://127.0.0.1:${running.port}`,
    databaseUrl: fresh.url,
    running,
    logs,
    async authHeader(role) {
      const key = await running.services.apiKeys.create(`test ${role}`, role);
      return `token ${key.apiKey}:${key.secret}`;
    },
    async stop() {
      await running.stop();
      await fresh.drop();
    },
  };
}

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
  headers: Headers;
}

/** A small JSON client for a test server. */
export function client(s: TestServer, auth?: string) {
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await fetch(s.baseUrl + path, {
      method,
      headers: {
        ...(auth ? { authorization: auth } : {}),
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }
  return {
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call('POST', path, body, headers),
    patch: (path: string, body?: unknown) => call('PATCH', path, body),
    call,
  };
}
