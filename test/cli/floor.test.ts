// The bench's ingest floor server stores what it is sent before it answers: each punch's row,
// its check-in and, for a check-in, the day's attendance record, in copies of the real tables;
// a resent upload adds nothing. (A floor that dropped rows would measure nothing.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createServices } from '../../src/app.js';
import { startFloorServer } from '../../src/bench/fleet.js';
import { seedStaff } from '../../src/bench/seed.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { INGEST_TRANSACTIONS } from '../../src/pipeline/ingest.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';

describe(`ingest floor server on ${testDialect()}`, () => {
  let t: TestDatabase;
  let floor: Awaited<ReturnType<typeof startFloorServer>>;
  before(async () => {
    t = await openTestDatabase();
    // Employees 1…3 (ids and PINs alike), as the bench seeds them.
    await seedStaff(createServices(loadConfig({ DATABASE_URL: t.url, ICLOCKD_TZ: 'UTC' }), t.db, createLogger('silent')), 3, '2020-01-01');
    floor = await startFloorServer(t.url, 4, INGEST_TRANSACTIONS[testDialect()]);
  });
  after(async () => {
    await floor?.stop();
    await t?.cleanup();
  });

  const counts = async () => {
    const knex = t.db.knex;
    const count = async (table: string) => Number(((await knex(`bench_ceiling_${table}`).count({ n: '*' })) as { n: number | string }[])[0]!.n);
    return { punches: await count('punches'), checkins: await count('checkins'), attendance: await count('attendance') };
  };
  const post = async (path: string, body: string, type: string) => {
    const r = await fetch(`${floor.base}${path}`, { method: 'POST', body, headers: { 'content-type': type } });
    const text = await r.text();
    assert.equal(r.status, 200, text);
    return text;
  };
  const attlog = '1\t2020-01-01 07:50:00\t0\t1\t0\t0\t0\t0\t0\t0\n2\t2020-01-01 07:50:01\t0\t1\t0\t0\t0\t0\t0\t0\n1\t2020-01-01 17:00:00\t1\t1\t0\t0\t0\t0\t0\t0\n';

  test('ATTLOG, single and bulk JSON: a row, a check-in and a check-in’s record each, committed before the answer', async () => {
    assert.equal(await post('/iclock/cdata?SN=FLOOR1&table=ATTLOG', attlog, 'text/plain'), 'OK: 3');
    assert.deepEqual(await counts(), { punches: 3, checkins: 3, attendance: 2 });
    await post('/api/v1/punches', JSON.stringify({ employee_id: '3', timestamp: '2020-01-01 07:50:02', device_id: 'FLOOR2', log_type: 'IN' }), 'application/json');
    const logs = [
      { employee_id: '2', timestamp: '2020-01-01 17:00:01', device_id: 'FLOOR2', log_type: 'OUT' },
      { employee_id: '3', timestamp: '2020-01-01 17:00:02', device_id: 'FLOOR2', log_type: 'OUT' },
    ];
    assert.match(await post('/api/v1/punches/bulk', JSON.stringify({ logs }), 'application/json'), /"processed":2/);
    assert.deepEqual(await counts(), { punches: 6, checkins: 6, attendance: 3 });
  });

  test('the same upload again adds nothing', async () => {
    const before = await counts();
    await post('/iclock/cdata?SN=FLOOR1&table=ATTLOG', attlog, 'text/plain');
    assert.deepEqual(await counts(), before);
  });
});
