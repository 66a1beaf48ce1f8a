// The finalizing pass: final once the window closed and the feeding devices were heard from
// (or the maximum wait passed); Absent for employees with a shift and no check-ins.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DateTime } from 'luxon';
import type { Services } from '../../src/app.js';
import { type TestServices, openTestServices, testDialect } from '../helpers/db.js';
import { makePunch } from '../helpers/punch.js';

const ZONE = 'Asia/Riyadh';
const at = (local: string) => DateTime.fromISO(local.replace(' ', 'T'), { zone: ZONE }).toJSDate();
const db = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');

describe(`attendance finalizer on ${testDialect()}`, () => {
  let t: TestServices;
  let s: Services;

  before(async () => {
    t = await openTestServices({ ICLOCKD_TZ: ZONE, ICLOCKD_ABSENT_LOOKBACK_DAYS: '3', ICLOCKD_FINALIZE_MAX_WAIT_HOURS: '24' });
    s = t.s;
    await s.shifts.createShiftType({ name: 'G', start_time: '09:00', end_time: '17:00', enable_auto_attendance: true, holiday_list: 'H' });
    await s.shifts.setHolidayList('H', ['2025-05-06']);
    for (const [employee, id] of [['A', '1'], ['B', '2']]) {
      await s.employees.create({ employee, name: employee, attendance_device_id: id });
      await s.shifts.createAssignment({ employee, shift_type: 'G', start_date: '2025-05-01' });
    }
    // Created before the days under test, so those days count for them.
    await s.db.knex('employees').update({ created_at: '2025-05-01 00:00:00' });
    await s.db.knex('devices').insert({ serial: 'GATE', state: 'approved', site: 'main', last_seen_at: db(at('2025-05-05 17:30:00')), created_at: '2025-05-01 00:00:00', updated_at: '2025-05-01 00:00:00' });
    const results = await s.ingest.ingest([
      makePunch('1', '2025-05-05 09:00:00', { deviceSerial: 'GATE', timeZone: ZONE }),
      makePunch('1', '2025-05-05 17:00:00', { deviceSerial: 'GATE', timeZone: ZONE }),
    ]);
    assert.ok(results.every((r) => r.outcome !== 'rejected' && r.attendanceCreated));
  });
  after(async () => {
    await t.cleanup();
  });

  const record = (employee: string, date: string) =>
    s.db.knex('attendance').join('employees', 'employees.id', 'attendance.employee_id').where({ 'employees.employee': employee, attendance_date: date }).first('attendance.status', 'attendance.finalized', 'attendance.working_hours');

  test('not final while a feeding device has not been heard from since the window closed', async () => {
    const r = await s.finalizer.pass(at('2025-05-05 19:00:00'));
    assert.equal(r.finalized, 0);
    assert.equal(Boolean((await record('A', '2025-05-05')).finalized), false);
  });

  test('final once the device was heard from after the close; Absent for the employee with no check-ins once the next day has begun (HRMS test_do_not_mark_absent_before_shift_actual_end_time)', async () => {
    await s.db.knex('devices').where({ serial: 'GATE' }).update({ last_seen_at: db(at('2025-05-05 18:30:00')) });
    const r = await s.finalizer.pass(at('2025-05-05 19:00:00'));
    assert.equal(r.finalized, 1);
    assert.equal(Boolean((await record('A', '2025-05-05')).finalized), true);
    assert.equal(await record('B', '2025-05-05'), undefined, 'not Absent on the day itself');
    assert.equal((await s.finalizer.pass(at('2025-05-05 23:59:00'))).absent, 0);
    assert.equal((await s.finalizer.pass(at('2025-05-06 00:01:00'))).absent, 1);
    const b = await record('B', '2025-05-05');
    assert.deepEqual([b.status, Boolean(b.finalized), Number(b.working_hours)], ['Absent', true, 0]);
  });

  test('late punches for a finalized day recompute it: the Absent day of a terminal that was offline becomes Present, and stays final', async () => {
    // Through a JSON client (no registered terminal), so the later tests' feeding devices stay as they were.
    const late = await s.ingest.ingest([
      makePunch('2', '2025-05-05 09:06:00', { deviceSerial: 'PHONE-APP', timeZone: ZONE }),
      makePunch('2', '2025-05-05 16:54:00', { deviceSerial: 'PHONE-APP', timeZone: ZONE }),
    ]);
    assert.deepEqual(late.map((r) => r.outcome), ['created', 'created']);
    assert.ok(late.every((r) => r.outcome !== 'rejected' && r.attendanceCreated));
    const b = await record('B', '2025-05-05');
    assert.deepEqual([b.status, Boolean(b.finalized), Number(b.working_hours)], ['Present', true, 7.8]);
    // A's day is recomputed too: a punch inside it changes nothing that first-last counting sees.
    const [inside] = await s.ingest.ingest([makePunch('1', '2025-05-05 16:00:00', { deviceSerial: 'GATE', timeZone: ZONE, logType: 'IN' })]);
    assert.equal(inside!.outcome, 'created');
    assert.equal(Number((await record('A', '2025-05-05')).working_hours), 8);
  });

  test('a holiday marks no absence; an unheard device is waited for at most the maximum', async () => {
    await s.ingest.ingest([makePunch('1', '2025-05-07 09:00:00', { deviceSerial: 'GATE', timeZone: ZONE })]);
    await s.finalizer.pass(at('2025-05-08 12:00:00'));
    assert.equal(await record('B', '2025-05-06'), undefined, 'holiday');
    assert.equal(await record('A', '2025-05-06'), undefined, 'holiday');
    assert.equal((await record('B', '2025-05-07')).status, 'Absent', 'the day the device was heard from');
    assert.equal(Boolean((await record('A', '2025-05-07')).finalized), false, 'device last heard before the close');
    await s.finalizer.pass(at('2025-05-08 18:01:00'));
    assert.equal(Boolean((await record('A', '2025-05-07')).finalized), true, '24 hours after the close');
  });
  test("a shift's last_sync_of_checkin (ERPNext's sync tool) makes its days final once it passes their end", async () => {
    await s.ingest.ingest([makePunch('1', '2025-05-09 09:00:00', { deviceSerial: 'GATE', timeZone: ZONE })]);
    // The device was last heard before the window closed, and the maximum wait is far off.
    await s.finalizer.pass(at('2025-05-09 19:00:00'));
    assert.equal(Boolean((await record('A', '2025-05-09')).finalized), false);
    await s.shifts.setLastSyncOfCheckin('G', '2025-05-09 18:30:00');
    await s.finalizer.pass(at('2025-05-09 19:00:00'));
    assert.equal(Boolean((await record('A', '2025-05-09')).finalized), true);
  });

  test('a backlog of 600 closed records (after downtime) is finalized a page per statement', async () => {
    const days = Array.from({ length: 300 }, (_, i) => DateTime.fromISO('2025-06-01', { zone: ZONE }).plus({ days: i }).toISODate()!);
    await s.ingest.ingest(days.flatMap((d) => ['1', '2'].map((pin) => makePunch(pin, `${d} 09:00:00`, { deviceSerial: 'GATE', timeZone: ZONE }))));
    const finalizing: string[] = [];
    const onQuery = (q: { sql: string }) => {
      if (/^update [`"]attendance[`"] set [`"]finalized[`"]/i.test(q.sql)) finalizing.push(q.sql);
    };
    s.db.knex.on('query', onQuery);
    try {
      const r = await s.finalizer.pass(at('2026-05-01 12:00:00'));
      assert.equal(r.finalized, 600);
      assert.equal(finalizing.length, 2, 'pages of 500');
    } finally {
      s.db.knex.removeListener('query', onQuery);
    }
    const open = (await s.db.knex('attendance').where({ finalized: false }).count({ n: '*' })) as { n: number }[];
    assert.equal(Number(open[0]!.n), 0);
  });
});
