// A batch's transaction takes its check-ins' and attendance records' names from numbers reserved
// before it began, never from the counter row: taken inside it, the row would be locked until its
// commit, and on Galera every instance's batch would conflict on that one row (seen in the
// cluster test: a punch upload answered 500 after four conflicts on `series`).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

const mysqlOnly = testDialect() !== 'mysql' && 'SQLite has one writer: numbers are taken inside the transaction';

describe(`names reserved ahead of a batch on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;
  let device: ReturnType<typeof client>;
  /** Each statement with the transaction it ran in (knex's id; none for a statement of its own). */
  const statements: { sql: string; tx: string | undefined }[] = [];

  before(async () => {
    if (mysqlOnly) return;
    s = await startTestServer({ timeZone: 'UTC' });
    admin = client(s, await s.authHeader('admin'));
    device = client(s, await s.authHeader('ingest'));
    assert.equal((await admin.post('/api/v1/shift-types', { name: 'Day', start_time: '09:00', end_time: '17:00', enable_auto_attendance: true })).status, 201);
    for (const id of ['1', '2', '3']) {
      assert.equal((await admin.post('/api/v1/employees', { employee: `E${id}`, name: `E${id}`, attendance_device_id: id, default_shift: 'Day' })).status, 201);
    }
    s.running.services.db.knex.on('query', (q: { sql: string; __knexTxId?: string }) => statements.push({ sql: q.sql, tx: q.__knexTxId }));
  });
  after(async () => {
    await s?.stop();
  });

  test('no transaction that writes check-ins or attendance takes a number from the counter row', { skip: mysqlOnly }, async () => {
    // A fresh process: nothing reserved yet. Single punches, a bulk one, and a year of its own.
    for (const [id, at] of [['1', '2025-05-05 08:55:00'], ['1', '2025-05-05 17:05:00'], ['2', '2024-12-31 09:01:00']]) {
      assert.equal((await device.post('/api/v1/punches', { employee_id: id, timestamp: at, device_id: 'GATE' })).status, 200);
    }
    const bulk = await device.post('/api/v1/punches/bulk', {
      logs: ['1', '2', '3'].flatMap((id) => [`2025-05-06 08:5${id}:00`, `2025-05-06 17:0${id}:00`].map((timestamp) => ({ employee_id: id, timestamp, device_id: 'GATE' }))),
    });
    assert.equal(bulk.status, 200, JSON.stringify(bulk.body));

    const byTx = new Map<string, string[]>();
    for (const { sql, tx } of statements) if (tx) byTx.set(tx, [...(byTx.get(tx) ?? []), sql]);
    const writers = [...byTx.values()].filter((sqls) => sqls.some((sql) => /^insert into `(checkins|attendance)`/.test(sql)));
    assert.ok(writers.length >= 4, `the batches' transactions were seen (${writers.length})`);
    const holders = writers.filter((sqls) => sqls.some((sql) => /`series`/.test(sql)));
    assert.deepEqual(holders, [], 'a batch took numbers from the counter row inside its transaction');

    const names = (await admin.get('/api/v1/attendance?from=2024-12-01&to=2025-05-31')).body.data.map((a: { name: string }) => a.name);
    assert.equal(names.length, 5);
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.some((n: string) => n.startsWith('HR-ATT-2024-')) && names.some((n: string) => n.startsWith('HR-ATT-2025-')), names.join(' '));
  });
});
