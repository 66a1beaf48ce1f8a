// The HTTP surface of the foundation over real HTTP: health, readiness, auth, the error
// mapper, body limits and the keys API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestServer, startTestServer } from '../helpers/server.js';
import { migrations } from '../../migrations/index.js';
import { testDialect } from '../helpers/db.js';

describe(`HTTP on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: string;
  let ingest: string;
  before(async () => {
    s = await startTestServer({ maxBodyBytes: 4096 });
    admin = await s.authHeader('admin');
    ingest = await s.authHeader('ingest');
  });
  after(async () => {
    await s.stop();
  });

  const get = (path: string, auth?: string) => fetch(s.baseUrl + path, { headers: auth ? { authorization: auth } : {} });

  test('GET /healthz answers while the process is up', async () => {
    const res = await get('/healthz');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.status, 'ok');
    assert.equal(typeof body.version, 'string');
  });

  test('GET /readyz: database reachable and migrations current', async () => {
    const res = await get('/readyz');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ready: true, database: 'ok', migrations: { applied: migrations.length, pending: [] }, shutting_down: false });
  });

  test('GET /readyz is 503 while a migration is pending', async () => {
    const knex = s.running.services.db.knex;
    const [row] = (await knex('knex_migrations').where({ name: '002_device_channel' }).select('*')) as Record<string, unknown>[];
    await knex('knex_migrations').where({ name: '002_device_channel' }).del();
    try {
      const res = await get('/readyz');
      assert.equal(res.status, 503);
      const body = (await res.json()) as { ready: boolean; migrations: { pending: string[] } };
      assert.equal(body.ready, false);
      assert.deepEqual(body.migrations.pending, ['002_device_channel']);
    } finally {
      await knex('knex_migrations').insert(row!);
    }
    assert.equal((await get('/readyz')).status, 200);
  });

  test('an unknown route is a JSON 404', async () => {
    const res = await get('/api/v1/nothing-here', admin);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { success: false, error: 'No route for GET /api/v1/nothing-here', error_type: 'not_found' });
  });

  test('a wrong method on a known route is 405', async () => {
    const res = await fetch(`${s.baseUrl}/healthz`, { method: 'DELETE' });
    assert.equal(res.status, 405);
  });

  describe('authentication', () => {
    const cases: [string, string | undefined, string][] = [
      ['no header', undefined, 'Missing Authorization header; expected "token KEY:SECRET"'],
      ['an unknown scheme', 'Bearer abc', 'Malformed Authorization header; expected "token KEY:SECRET"'],
      ['no secret', 'token abc', 'Malformed Authorization header; expected "token KEY:SECRET"'],
      ['an unknown key', 'token 0000000000000000:ffffffffffffffffffffffffffffffff', 'Invalid API key or secret'],
    ];
    for (const [name, header, message] of cases) {
      test(`${name} is 401 authentication_error`, async () => {
        const res = await get('/api/v1/keys', header);
        assert.equal(res.status, 401);
        assert.deepEqual(await res.json(), { success: false, error: message, error_type: 'authentication_error' });
      });
    }

    test('a wrong secret for a real key is 401', async () => {
      const key = admin.split(' ')[1]!.split(':')[0]!;
      const res = await get('/api/v1/keys', `token ${key}:${'0'.repeat(32)}`);
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error_type: string }).error_type, 'authentication_error');
    });

    test('Basic auth with KEY:SECRET is accepted, as Frappe does', async () => {
      const pair = admin.split(' ')[1]!;
      const res = await get('/api/v1/keys', `Basic ${Buffer.from(pair).toString('base64')}`);
      assert.equal(res.status, 200);
    });

    test('an ingest key may not use the admin API: 403 permission_error', async () => {
      const res = await get('/api/v1/keys', ingest);
      assert.equal(res.status, 403);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.success, false);
      assert.equal(body.error_type, 'permission_error');
    });
  });

  describe('keys API', () => {
    test('lists keys without secrets, in the list shape', async () => {
      const res = await get('/api/v1/keys?page=1&page_size=10', admin);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { data: Record<string, unknown>[]; total: number; page: number; page_size: number };
      assert.equal(body.page, 1);
      assert.equal(body.page_size, 10);
      assert.ok(body.total >= 2);
      for (const k of body.data) {
        assert.deepEqual(Object.keys(k).sort(), ['api_key', 'created_at', 'label', 'last_used_at', 'revoked_at', 'role', 'status']);
      }
      assert.ok(!JSON.stringify(body).includes(admin.split(':')[1]!), 'no secret in the listing');
    });

    test('page_size over 500 is a validation error', async () => {
      const res = await get('/api/v1/keys?page_size=501', admin);
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error_type: string }).error_type, 'validation_error');
    });

    test('creates a key that works, and a revoked key is refused from then on', async () => {
      const created = await fetch(`${s.baseUrl}/api/v1/keys`, {
        method: 'POST',
        headers: { authorization: admin, 'content-type': 'application/json' },
        body: JSON.stringify({ label: 'door terminal', role: 'admin' }),
      });
      assert.equal(created.status, 201);
      const key = (await created.json()) as { api_key: string; api_secret: string; role: string };
      assert.equal(key.role, 'admin');
      const header = `token ${key.api_key}:${key.api_secret}`;
      assert.equal((await get('/api/v1/keys', header)).status, 200);

      const revoked = await fetch(`${s.baseUrl}/api/v1/keys/${key.api_key}`, { method: 'DELETE', headers: { authorization: admin } });
      assert.equal(revoked.status, 200);
      const res = await get('/api/v1/keys', header);
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: string }).error, 'Invalid API key or secret');

      const again = await fetch(`${s.baseUrl}/api/v1/keys/${key.api_key}`, { method: 'DELETE', headers: { authorization: admin } });
      assert.equal(again.status, 404);
    });

    test('names every bad field', async () => {
      const res = await fetch(`${s.baseUrl}/api/v1/keys`, {
        method: 'POST',
        headers: { authorization: admin, 'content-type': 'application/json' },
        body: JSON.stringify({ label: '', role: 'root' }),
      });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error_type: string; fields: string[]; success: boolean };
      assert.equal(body.success, false);
      assert.equal(body.error_type, 'validation_error');
      assert.deepEqual(body.fields, ['label', 'role']);
    });

    test('a body over the limit is 413, the wrong content type 415, broken JSON 400', async () => {
      const post = (body: string, type: string) =>
        fetch(`${s.baseUrl}/api/v1/keys`, { method: 'POST', headers: { authorization: admin, 'content-type': type }, body });
      const big = await post(JSON.stringify({ label: 'x'.repeat(5000) }), 'application/json');
      assert.equal(big.status, 413);
      assert.equal(((await big.json()) as { error_type: string }).error_type, 'payload_too_large');
      const form = await post('label=x', 'application/x-www-form-urlencoded');
      assert.equal(form.status, 415);
      assert.equal(((await form.json()) as { error_type: string }).error_type, 'unsupported_media_type');
      const broken = await post('{"label":', 'application/json');
      assert.equal(broken.status, 400);
      assert.deepEqual(await broken.json(), { success: false, error: 'Request body is not valid JSON', error_type: 'validation_error' });
    });
  });

  test('the request log has method, path and status, and never the Authorization header or query', async () => {
    await get('/api/v1/keys?secret=hunter2', admin);
    const line = s.logs.findLast((l) => l.msg === 'request' && l.path === '/api/v1/keys');
    assert.ok(line);
    assert.equal(line.method, 'GET');
    assert.equal(line.status, 200);
    const all = JSON.stringify(s.logs);
    assert.ok(!all.includes(admin.split(':')[1]!), 'no secret anywhere in the logs');
    assert.ok(!all.includes('hunter2'));
  });
});

describe(`database outage on ${testDialect()}`, () => {
  test('JSON clients get 503 service_unavailable with Retry-After, /readyz turns 503, the process stays up', async () => {
    const s = await startTestServer();
    try {
      const auth = await s.authHeader('ingest');
      // The pool is gone: every query now fails to get a connection.
      await s.running.services.db.knex.destroy();
      const res = await fetch(`${s.baseUrl}/api/v1/ping`, { headers: { authorization: auth } });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '10');
      assert.deepEqual(await res.json(), { success: false, error: 'The database is unavailable; retry shortly', error_type: 'service_unavailable' });
      const ready = await fetch(`${s.baseUrl}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { database: string }).database, 'unreachable');
      assert.equal((await fetch(`${s.baseUrl}/healthz`)).status, 200);
    } finally {
      await s.stop().catch(() => undefined);
    }
  });
});
