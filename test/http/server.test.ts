// Graceful stop: in-flight requests finish, new connections are refused.
import assert from 'node:assert/strict';
import { request } from 'node:http';
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
  const server = await listen(app, 0, '127.0.0.1');
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
  const server = await listen(app, 0, '127.0.0.1');
  const inflight = get(boundPort(server), '/stuck');
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  await stopServer(server, 200);
  assert.ok(Date.now() - started < 5000);
  await assert.rejects(inflight, /socket hang up|ECONNRESET/);
});
