// Allow-lists (CIDR) for the JSON API and the terminals, X-Forwarded-For only from a trusted
// proxy, rate limits per address and per key on the JSON API (429 with Retry-After), and the
// per-terminal cap that answers a looping device without touching the database.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AllowList, RateLimiter } from '../../src/limits.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

async function withServer(overrides: Parameters<typeof startTestServer>[0], run: (s: TestServer) => Promise<void>): Promise<void> {
  const s = await startTestServer({ devicePolicy: 'approve', ...overrides });
  try {
    await run(s);
  } finally {
    await s.stop();
  }
}

describe('allow-lists and limits, unit', () => {
  test('an allow-list takes addresses and CIDR blocks of both families, and IPv4-mapped clients', () => {
    const list = new AllowList(['10.0.0.0/8', '192.168.1.20', 'fd00::/8', '::1']);
    for (const ip of ['10.1.2.3', '::ffff:10.9.9.9', '192.168.1.20', 'fd12:3456::1', '::1']) assert.ok(list.allows(ip), ip);
    for (const ip of ['11.0.0.1', '192.168.1.21', 'fe80::1', '::ffff:192.168.1.21', 'garbage']) assert.ok(!list.allows(ip), ip);
    assert.ok(new AllowList([]).allows('8.8.8.8'), 'an empty list lets everyone in');
  });

  test('a token bucket allows bursts of twice the rate, then tells how long to wait', () => {
    const limiter = new RateLimiter(2);
    const t0 = 1_000_000;
    assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('k', t0)), [0, 0, 0, 0]);
    assert.equal(limiter.take('k', t0), 1);
    assert.equal(limiter.take('other', t0), 0, 'keys have their own buckets');
    assert.equal(limiter.take('k', t0 + 500), 0, 'half a second refills one token');
    assert.equal(new RateLimiter(0).take('k', t0), 0, '0 is no limit');
  });
});

describe('allow-lists and limits over HTTP', () => {
  test('an address outside ICLOCKD_API_ALLOW gets 403; one inside, or behind a trusted proxy naming one inside, gets in', async () => {
    await withServer({ apiAllow: ['10.0.0.0/8'], deviceAllow: ['192.168.0.0/16'] }, async (s) => {
      const auth = await s.authHeader('admin');
      const r = await fetch(`${s.baseUrl}/api/v1/ping`, { headers: { authorization: auth } });
      assert.equal(r.status, 403);
      assert.deepEqual(await r.json(), { success: false, error: 'This address may not use the API', error_type: 'permission_error' });
      // Without ICLOCKD_TRUST_PROXY a forged X-Forwarded-For changes nothing.
      assert.equal((await fetch(`${s.baseUrl}/api/v1/ping`, { headers: { authorization: auth, 'x-forwarded-for': '10.1.2.3' } })).status, 403);
      const device = await fetch(`${s.baseUrl}/iclock/getrequest?SN=ALLOW1`);
      assert.equal(device.status, 403);
      assert.match(await device.text(), /^ERROR: /);
      assert.equal((await fetch(`${s.baseUrl}/healthz`)).status, 200, 'health stays open');
      assert.equal(await s.running.services.db.knex('devices').where({ serial: 'ALLOW1' }).first(), undefined, 'a refused terminal is not registered');
    });
    await withServer({ apiAllow: ['127.0.0.1/32', '::1'] }, async (s) => {
      assert.equal((await fetch(`${s.baseUrl}/api/v1/ping`, { headers: { authorization: await s.authHeader('ingest') } })).status, 200);
    });
    await withServer({ apiAllow: ['10.0.0.0/8'], trustProxy: true }, async (s) => {
      const auth = await s.authHeader('ingest');
      assert.equal((await fetch(`${s.baseUrl}/api/v1/ping`, { headers: { authorization: auth, 'x-forwarded-for': '10.1.2.3' } })).status, 200);
      assert.equal((await fetch(`${s.baseUrl}/api/v1/ping`, { headers: { authorization: auth, 'x-forwarded-for': '172.16.0.1' } })).status, 403);
    });
  });

  test('per address and per key: 429 rate_limited with Retry-After, other keys unaffected', async () => {
    await withServer({ apiRatePerKey: 2 }, async (s) => {
      const [a, b] = [await s.authHeader('ingest'), await s.authHeader('ingest')];
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i < 8; i++) {
        const r = await fetch(`${s.baseUrl}/api/v1/ping`, { headers: { authorization: a } });
        statuses.push(r.status);
        if (r.status === 429) limited ??= r;
      }
      assert.ok(statuses.slice(0, 4).every((x) => x === 200), statuses.join());
      assert.ok(limited, statuses.join());
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      const body = (await limited.json()) as Record<string, unknown>;
      assert.equal(body.success, false);
      assert.equal(body.error_type, 'rate_limited');
      assert.equal((await fetch(`${s.baseUrl}/api/v1/ping`, { headers: { authorization: b } })).status, 200, 'another key has its own budget');
    });
    await withServer({ apiRatePerAddress: 1 }, async (s) => {
      const auth = await s.authHeader('ingest');
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${s.baseUrl}/api/v1/ping`, { headers: { authorization: auth } })).status);
      assert.deepEqual(statuses.slice(0, 2), [200, 200]);
      assert.ok(statuses.includes(429), statuses.join());
      assert.equal((await fetch(`${s.baseUrl}/iclock/getrequest?SN=RATE1`)).status, 200, 'terminals are not under the API limit');
    });
  });

  test('a terminal in a loop is capped: polls get OK, uploads 503 with Retry-After, and only what was let in is stored', async () => {
    await withServer({ deviceRate: 2 }, async (s) => {
      const replies: { status: number; text: string; retry: string | null }[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`${s.baseUrl}/iclock/cdata?SN=LOOP1&table=ATTLOG&Stamp=${i}`, { method: 'POST', body: `1\t2025-01-01 08:${String(i).padStart(2, '0')}:00\t0\t1\n` });
        replies.push({ status: r.status, text: await r.text(), retry: r.headers.get('retry-after') });
      }
      const accepted = replies.filter((r) => r.text === 'OK:1').length;
      const refused = replies.filter((r) => r.status === 503);
      assert.ok(accepted >= 4 && accepted < 20, `accepted ${accepted}`);
      assert.equal(accepted + refused.length, 20);
      assert.ok(refused.every((r) => Number(r.retry) >= 1 && /^ERROR: too many requests/.test(r.text)));
      const knex = s.running.services.db.knex;
      const count = async (table: string) => Number(((await knex(table).where({ device_serial: 'LOOP1' }).count({ n: '*' })) as { n: number }[])[0]!.n);
      assert.equal(await count('punches'), accepted);
      assert.equal(await count('device_requests'), accepted, 'a refused upload never reached the database');
      const poll = await fetch(`${s.baseUrl}/iclock/getrequest?SN=LOOP1`);
      assert.deepEqual([poll.status, await poll.text()], [200, 'OK']);
      assert.equal((await fetch(`${s.baseUrl}/iclock/getrequest?SN=OTHER1`)).status, 200, 'other terminals are not capped');
    });
  });
});
