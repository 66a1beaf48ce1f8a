// Graceful stop: in-flight requests finish, new connections are refused. Slow clients are cut.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import Koa from 'koa';
import { boundPort, listen, stopServer } from '../../src/http/server.js';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('stopServer lets an in-flight request finish and refuses new connections', async () => {
  const app = new Koa();
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  app.use(async (ctx) => {
    entered();
    await new Promise((r) => setTimeout(r, 300));
    ctx.body = 'finished';
  });
  const server = await listen(app.callback(), 0, '127.0.0.1', 60);
  const port = boundPort(server);
  const inflight = get(port, '/slow');
  await inside;
  const stopped = stopServer(server, 5000);
  await assert.rejects(get(port, '/new'), /ECONNREFUSED/);
  assert.deepEqual(await inflight, { status: 200, body: 'finished' });
  await stopped;
});

test('stopServer cuts a request that outlives the grace period', async () => {
  const app = new Koa();
  app.use(async (ctx) => {
    await new Promise((r) => setTimeout(r, 10_000).unref());
    ctx.body = 'too late';
  });
  const server = await listen(app.callback(), 0, '127.0.0.1', 60);
  const inflight = get(boundPort(server), '/stuck');
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  await stopServer(server, 200);
  assert.ok(Date.now() - started < 5000);
  await assert.rejects(inflight, /socket hang up|ECONNRESET/);
});

/** Sends `parts` over a raw socket a little at a time, then waits; resolves with what the server wrote once it closes. */
function trickle(port: number, parts: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    let i = 0;
    const next = () => {
      if (i < parts.length && !socket.destroyed) {
        socket.write(parts[i++]!);
        setTimeout(next, 200).unref();
      }
    };
    socket.on('connect', next);
  });
}

for (const [what, parts] of [
  ['headers that never end', ['POST /iclock/cdata?SN=SLOW HTTP/1.1\r\n', 'Host: x\r\n', 'X-Slow: 1\r\n']],
  ['a body that never ends', ['POST /iclock/cdata?SN=SLOW HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n', '1\t2025-01-01 08:00:00\t0\t1\n']],
] as const) {
  test(`a client sending ${what} is answered 408 and disconnected`, { timeout: 20_000 }, async () => {
    const app = new Koa();
    app.use(async (ctx) => {
      // Reading the body waits for the rest of it, which never comes.
      for await (const _ of ctx.req);
      ctx.body = 'OK';
    });
    const server = await listen(app.callback(), 0, '127.0.0.1', 1);
    const answer = await trickle(boundPort(server), [...parts]);
    assert.match(answer, /^HTTP\/1\.1 408 /);
    await stopServer(server, 100);
  });
}
