// Forwarding check-ins to a webhook through the outbox, against a real receiver that checks
// signatures as the recipe in docs/integrator/webhooks.md says and fails on purpose (test/helpers/fakeWebhook.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type OutboxRow, listOutboxRows } from '../../src/store/outbox.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';
import { FakeWebhook } from '../helpers/fakeWebhook.js';
import { type Node, startNode, until } from '../helpers/outbox.js';
import { makePunch } from '../helpers/punch.js';

interface World {
  t: TestDatabase;
  hook: FakeWebhook;
  n: Node;
  rows(): Promise<OutboxRow[]>;
  done(): Promise<void>;
}

async function world(overrides: Parameters<typeof startNode>[1] = {}): Promise<World> {
  const t = await openTestDatabase();
  const hook = await FakeWebhook.start();
  const n = await startNode(t.url, overrides);
  const { generatedSecret } = await n.s.outbox.addTarget({ name: 'hook', kind: 'webhook', url: hook.url });
  hook.secret = generatedSecret!;
  for (const id of ['1001', '1002', '1003']) await n.s.employees.create({ employee: `EMP-${id}`, name: `Person ${id}`, attendance_device_id: id });
  return {
    t,
    hook,
    n,
    async rows() {
      return (await listOutboxRows(t.db.knex, {}, { offset: 0, limit: 10_000 })).rows;
    },
    async done() {
      await n.close();
      await hook.close();
      await t.cleanup();
    },
  };
}

const punch = (n: Node, user: string, local: string) => n.s.ingest.ingest([makePunch(user, local, { logType: 'IN' })]);

describe(`forwarding to a webhook on ${testDialect()}`, () => {
  test('signed JSON with the check-in, its employee and terminal; one Idempotency-Key per row across retries; accepted once', async () => {
    const w = await world();
    try {
      w.hook.failFirst = 2;
      await w.n.s.registry.contact('SN-1', { pushver: '2.4.1', language: 69, deviceType: null, address: '10.0.0.9' });
      await w.n.s.deviceService.update('SN-1', { alias: 'Front door', time_zone: 'Asia/Riyadh' });
      await punch(w.n, '1001', '2025-06-01 08:00:00');
      await punch(w.n, '1002', '2025-06-01 08:05:00');

      await until('both delivered', async () => (await w.rows()).every((r) => r.state === 'delivered'));
      const rows = await w.rows();
      assert.equal(w.hook.badSignatures, 0, 'every request is signed with the secret');
      assert.deepEqual([...w.hook.accepted.values()], [1, 1], 'each key accepted once');
      assert.deepEqual(
        rows.map((r) => w.hook.attempts.filter((a) => a.key === r.idempotencyKey).map((a) => a.status)),
        [
          [500, 500, 200],
          [500, 500, 200],
        ],
        'the same key on every try of a row',
      );
      assert.ok(rows.every((r) => r.tries === 3));
      const checkin = await w.n.s.db.knex('checkins').where({ id: rows[0]!.checkinId }).first('name');
      // The two rows retry on their own clocks: either may be delivered first.
      assert.deepEqual(w.hook.delivered.find((d) => d.id === rows[0]!.idempotencyKey), {
        event: 'checkin.created',
        id: rows[0]!.idempotencyKey,
        created_at: rows[0]!.createdAt.toISOString(),
        checkin: { name: (checkin as { name: string }).name, time: '2025-06-01T08:00:00.000Z', log_type: 'IN', device_id: 'SN-1', skip_auto_attendance: false, shift: null, shift_start: null, shift_end: null, shift_actual_start: null, shift_actual_end: null, latitude: null, longitude: null },
        employee: { employee: 'EMP-1001', name: 'Person 1001', attendance_device_id: '1001', site: 'main', status: 'Active' },
        device: { serial: 'SN-1', alias: 'Front door', site: 'main', time_zone: 'Asia/Riyadh' },
      });
    } finally {
      await w.done();
    }
  });

  test('a 4xx refuses that row only; 408 and 429 are tried again', async () => {
    const w = await world();
    try {
      const seen = new Map<string, number>();
      w.hook.answerFor = (body) => {
        const who = (body.employee as { employee: string }).employee;
        const n = (seen.get(String(body.id)) ?? 0) + 1;
        seen.set(String(body.id), n);
        if (who === 'EMP-1002') return 422;
        if (who === 'EMP-1001' && n === 1) return 408;
        if (who === 'EMP-1003' && n === 1) return 429;
        return null;
      };
      for (const time of ['08:00:00', '12:00:00']) for (const id of ['1001', '1002', '1003']) await punch(w.n, id, `2025-06-02 ${time}`);
      await until('nothing pending', async () => (await w.rows()).every((r) => r.state !== 'pending'));
      const rows = await w.rows();
      assert.deepEqual(
        rows.map((r) => [r.state, r.tries, r.failureReason, r.lastStatus]),
        [
          ['delivered', 2, null, 200],
          ['rejected', 1, 'http_422', 422],
          ['delivered', 2, null, 200],
          ['delivered', 2, null, 200],
          ['rejected', 1, 'http_422', 422],
          ['delivered', 2, null, 200],
        ],
      );
      assert.deepEqual(
        w.hook.delivered.filter((b) => (b.employee as { employee: string }).employee === 'EMP-1001').map((b) => (b.checkin as { time: string }).time),
        ['2025-06-02T08:00:00.000Z', '2025-06-02T12:00:00.000Z'],
      );
    } finally {
      await w.done();
    }
  });

  test('rows that keep failing go dead after the set tries; sent again, they arrive in order', async () => {
    const w = await world({ outboxMaxTries: 3 });
    try {
      w.hook.down = true;
      for (const time of ['08:00:00', '12:00:00', '17:00:00']) for (const id of ['1001', '1002']) await punch(w.n, id, `2025-06-03 ${time}`);
      await until('all dead', async () => (await w.rows()).every((r) => r.state === 'dead'));
      assert.ok((await w.rows()).every((r) => r.tries === 3 && r.failureReason === 'http_503'));
      assert.equal((await w.n.s.outbox.list({ states: ['dead'] }, { offset: 0, limit: 50 })).total, 6);

      w.hook.down = false;
      assert.equal(await w.n.s.outbox.retryAll('dead'), 6);
      await until('all delivered', async () => (await w.rows()).every((r) => r.state === 'delivered'));
      for (const who of ['EMP-1001', 'EMP-1002']) {
        assert.deepEqual(
          w.hook.delivered.filter((b) => (b.employee as { employee: string }).employee === who).map((b) => (b.checkin as { time: string }).time),
          ['2025-06-03T08:00:00.000Z', '2025-06-03T12:00:00.000Z', '2025-06-03T17:00:00.000Z'],
        );
      }
      assert.equal(w.hook.delivered.length, 6);
    } finally {
      await w.done();
    }
  });

  test('a receiver that refuses our signature (401) pauses the target instead of dropping rows', async () => {
    const w = await world();
    try {
      w.hook.secret = 'the receiver has another secret';
      await punch(w.n, '1001', '2025-06-04 08:00:00');
      await until('paused', async () => (await w.n.s.outbox.getTarget('hook')).state === 'error');
      assert.deepEqual((await w.rows()).map((r) => [r.state, r.tries]), [['pending', 0]]);
      const secret = 'a-shared-secret-of-32-characters';
      await w.n.s.outbox.updateTarget('hook', { secret });
      w.hook.secret = secret;
      assert.equal((await w.n.s.outbox.testTarget('hook')).ok, true);
      await w.n.s.outbox.resumeTarget('hook');
      await until('delivered', async () => (await w.rows())[0]!.state === 'delivered');
    } finally {
      await w.done();
    }
  });
});
