// Two transactions adding check-ins to one employee-shift at once (an entry and an exit reader
// uploading their buffers after an outage): the attendance record must count both. On MySQL
// the second recompute used to read the check-ins as they were before the first committed,
// then overwrite the first's record with a result that missed its check-in.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Services } from '../../src/app.js';
import { type TestServices, openTestServices, testDialect } from '../helpers/db.js';
import { makePunch } from '../helpers/punch.js';

describe(`attendance under concurrent check-ins on ${testDialect()}`, () => {
  let t: TestServices;
  let s: Services;

  before(async () => {
    t = await openTestServices({ ICLOCKD_TZ: 'UTC' });
    s = t.s;
    await s.shifts.createShiftType({ name: 'G', start_time: '09:00', end_time: '17:00', enable_auto_attendance: true });
    await s.employees.create({ employee: 'A', name: 'A', attendance_device_id: '1' });
    await s.shifts.createAssignment({ employee: 'A', shift_type: 'G', start_date: '2025-05-01' });
  });
  after(async () => {
    await t.cleanup();
  });

  test('a check-in committed while another transaction recomputes the same shift is not lost', async () => {
    const knex = s.db.knex;
    await s.ingest.ingest([makePunch('1', '2025-05-05 08:55:00', { deviceSerial: 'ENTRY' })]);

    // The exit reader's 17:05 is stored but not yet committed (its submission holds its
    // transaction open from inside)…
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let stored!: () => void;
    const exitStored = new Promise<void>((r) => (stored = r));
    const exit = s.ingest.submit({
      punches: [makePunch('1', '2025-05-05 17:05:00', { deviceSerial: 'EXIT' })],
      alsoWrite: {
        each: async () => {
          stored();
          await held;
        },
      },
    });
    await exitStored;
    // …while the entry reader's 12:00 arrives in a second transaction (on SQLite it waits for
    // the one connection; on MySQL it runs until a lock stops it).
    const entry = s.ingest.ingest([makePunch('1', '2025-05-05 12:00:00', { deviceSerial: 'ENTRY' })]);
    await sleep(300);
    release();
    await exit;
    await entry;

    const record = await knex('attendance').where({ attendance_date: '2025-05-05' }).first('id', 'in_time', 'out_time', 'working_hours');
    assert.equal(String(record.in_time).slice(11, 19), '08:55:00');
    assert.equal(String(record.out_time).slice(11, 19), '17:05:00');
    assert.equal(Number(record.working_hours), 8.17);
    const linked = await knex('checkins').select('attendance_id');
    assert.deepEqual(linked.map((c) => c.attendance_id), [record.id, record.id, record.id]);
  });
});
