import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiKeyService, hashSecret, parseAuthorization, verifySecret } from '../../src/auth/apiKeys.js';
import { AppError } from '../../src/errors.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';

describe('parseAuthorization', () => {
  test('token and Basic forms; anything else is null', () => {
    assert.deepEqual(parseAuthorization('token abc:def'), { apiKey: 'abc', secret: 'def' });
    assert.deepEqual(parseAuthorization('Token  abc:d:ef '), { apiKey: 'abc', secret: 'd:ef' });
    assert.deepEqual(parseAuthorization(`Basic ${Buffer.from('abc:def').toString('base64')}`), { apiKey: 'abc', secret: 'def' });
    for (const bad of [undefined, '', 'token', 'token abc', 'token :def', 'token abc:', 'Bearer abc:def', 'token a:b extra']) {
      assert.equal(parseAuthorization(bad), null, String(bad));
    }
  });
});

describe(`ApiKeyService on ${testDialect()}`, () => {
  let t: TestDatabase;
  let clock = new Date('2026-01-01T00:00:00Z');
  let keys: ApiKeyService;
  before(async () => {
    t = await openTestDatabase();
    keys = new ApiKeyService({ knex: t.db.knex, clock: () => clock });
  });
  after(async () => {
    await t.cleanup();
  });

  test('stores only a salted scrypt hash of the secret', async () => {
    const created = await keys.create('payroll', 'ingest');
    const row = (await t.db.knex('api_keys').where({ api_key: created.apiKey }).first()) as Record<string, string>;
    assert.match(row.secret_hash!, /^scrypt\$16384\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(row).includes(created.secret));
    assert.equal(await verifySecret(created.secret, row.secret_hash!), true);
    assert.equal(await verifySecret(`${created.secret}x`, row.secret_hash!), false);
    assert.notEqual(await hashSecret(created.secret), row.secret_hash, 'salted');
    assert.match(created.apiKey, /^[0-9a-f]{16}$/);
    assert.match(created.secret, /^[0-9a-f]{32}$/);
  });

  test('a crowd of requests with a new secret costs one scrypt and one last-use write', async () => {
    let scrypts = 0;
    const counted = new ApiKeyService({
      knex: t.db.knex,
      clock: () => clock,
      verify: (secret, stored) => {
        scrypts += 1;
        return verifySecret(secret, stored);
      },
    });
    const created = await counted.create('crowd', 'ingest');
    const touches: string[] = [];
    const onQuery = (q: { sql: string }) => {
      if (/^update/i.test(q.sql) && q.sql.includes('api_keys')) touches.push(q.sql);
    };
    t.db.knex.on('query', onQuery);
    try {
      const header = `token ${created.apiKey}:${created.secret}`;
      const principals = await Promise.all(Array.from({ length: 40 }, () => counted.authenticate(header)));
      assert.ok(principals.every((p) => p.apiKey === created.apiKey));
      assert.equal(scrypts, 1, 'one scrypt for 40 concurrent requests');
      assert.equal(touches.length, 1, 'one last_used_at write');
      // A wrong secret is checked on its own, and never shares the right one's result.
      const wrong = await Promise.allSettled(Array.from({ length: 5 }, () => counted.authenticate(`token ${created.apiKey}:${'0'.repeat(32)}`)));
      assert.ok(wrong.every((r) => r.status === 'rejected'));
      assert.equal(scrypts, 2);
      await counted.authenticate(header);
      assert.equal(scrypts, 2, 'remembered once verified');
    } finally {
      t.db.knex.removeListener('query', onQuery);
    }
  });

  test('authenticates, records last use at most once a minute, refuses once revoked', async () => {
    const created = await keys.create('gate', 'admin');
    const header = `token ${created.apiKey}:${created.secret}`;
    assert.deepEqual(await keys.authenticate(header), { apiKey: created.apiKey, label: 'gate', role: 'admin' });
    const lastUsed = async () => (await keys.list()).rows.find((k) => k.apiKey === created.apiKey)!.lastUsedAt?.toISOString();
    assert.equal(await lastUsed(), '2026-01-01T00:00:00.000Z');
    clock = new Date('2026-01-01T00:00:30Z');
    await keys.authenticate(header);
    assert.equal(await lastUsed(), '2026-01-01T00:00:00.000Z');
    clock = new Date('2026-01-01T00:05:00Z');
    await keys.authenticate(header);
    assert.equal(await lastUsed(), '2026-01-01T00:05:00.000Z');

    await keys.revoke(created.apiKey);
    await assert.rejects(keys.authenticate(header), (e: unknown) => e instanceof AppError && e.type === 'authentication_error', 'a remembered secret does not outlive a revocation');
    await assert.rejects(keys.authenticate(`token ${created.apiKey}:${'f'.repeat(32)}`), /Invalid API key or secret/);
    await assert.rejects(keys.revoke(created.apiKey), (e: unknown) => e instanceof AppError && e.type === 'not_found');
  });

  test('rejects an empty label and an unknown role', async () => {
    await assert.rejects(keys.create('  ', 'admin'), /label must not be empty/);
    await assert.rejects(keys.create('x', 'root' as 'admin'), /role must be one of ingest, admin/);
  });
});
