// Days with more than one shift, as HRMS computes them: one attendance record per employee,
// date and shift; margins trimmed against the shift before and after of any type, so a log on
// a boundary belongs to the earlier shift and every log to exactly one; assignments that would
// overlap refused. Each scenario names the Frappe HRMS test it is translated from.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DateTime } from 'luxon';
import type { Services } from '../../src/app.js';
import { AppError } from '../../src/errors.js';
import { type TestServices, openTestServices, testDialect } from '../helpers/db.js';
import { makePunch } from '../helpers/punch.js';

const ZONE = 'Asia/Riyadh';
const at = (local: string) => DateTime.fromISO(local.replace(' ', 'T'), { zone: ZONE }).toJSDate();
const wall = (iso: string | null) => (iso ? DateTime.fromJSDate(new Date(iso.includes('T') ? iso : `${iso.replace(' ', 'T')}Z`), { zone: ZONE }).toFormat('yyyy-MM-dd HH:mm') : null);

describe(`days with several shifts on ${testDialect()}`, () => {
  let t: TestServices;
  let s: Services;
  let nextId = 100;

  before(async () => {
    t = await openTestServices({ ICLOCKD_TZ: ZONE, ICLOCKD_ALLOW_MULTIPLE_SHIFT_ASSIGNMENTS: '1' });
    s = t.s;
    const shift = (name: string, start: string, end: string) => s.shifts.createShiftType({ name, start_time: start, end_time: end, enable_auto_attendance: true });
    await shift('Morning 8-12', '08:00', '12:00');
    await shift('Afternoon 12:30-16:30', '12:30', '16:30');
    await shift('Day 8-17', '08:00', '17:00');
    await shift('Evening 19-23', '19:00', '23:00');
    await shift('Security Day', '07:00', '19:00');
    await shift('Security Night', '19:00', '07:00');
    await shift('Early 7-12', '07:00', '12:00');
    await shift('Late 9:30-14', '09:30', '14:00');
  });
  after(async () => {
    await t.cleanup();
  });

  async function employee(assignments: [string, string, string | null][], defaultShift?: string): Promise<string> {
    const id = String(nextId++);
    await s.employees.create({ employee: `E-${id}`, name: `Person ${id}`, attendance_device_id: id, ...(defaultShift ? { default_shift: defaultShift } : {}) });
    for (const [shift_type, start_date, end_date] of assignments) await s.shifts.createAssignment({ employee: `E-${id}`, shift_type, start_date, end_date });
    return id;
  }
  const punch = (id: string, ...locals: string[]) => s.ingest.ingest(locals.map((l) => makePunch(id, l, { timeZone: ZONE })));
  const records = async (id: string) =>
    (await s.db.knex('attendance').join('employees', 'employees.id', 'attendance.employee_id').where({ 'employees.employee': `E-${id}` }).orderBy(['attendance_date', 'attendance.id']).select('attendance.*')) as Record<string, unknown>[];
  const checkins = async (id: string) =>
    (await s.db.knex('checkins').join('employees', 'employees.id', 'checkins.employee_id').where({ 'employees.employee': `E-${id}` }).orderBy('time').select('checkins.*')) as Record<string, unknown>[];
  const shiftOf = (c: Record<string, unknown>) => [wall(c.time as string), c.shift_type, wall(c.shift_actual_start as string | null), wall(c.shift_actual_end as string | null)];

  test('two shifts on one day make two records, each log in one of them (issue 20.1)', async () => {
    const id = await employee([
      ['Morning 8-12', '2025-06-02', '2025-06-02'],
      ['Afternoon 12:30-16:30', '2025-06-02', '2025-06-02'],
    ]);
    await punch(id, '2025-06-02 08:45:00', '2025-06-02 12:45:00');
    const r = await records(id);
    assert.deepEqual(
      r.map((a) => [a.attendance_date, a.shift_type, a.status, wall(a.in_time as string)]),
      [
        ['2025-06-02', 'Morning 8-12', 'Present', '2025-06-02 08:45'],
        ['2025-06-02', 'Afternoon 12:30-16:30', 'Present', '2025-06-02 12:45'],
      ],
    );
    const c = await checkins(id);
    assert.deepEqual(c.map((x) => x.attendance_id), [r[0]!.id, r[1]!.id]);
  });

  test('a day shift and an evening shift: each record counts its own hours', async () => {
    const id = await employee([
      ['Day 8-17', '2025-06-03', null],
      ['Evening 19-23', '2025-06-03', null],
    ]);
    await punch(id, '2025-06-03 08:00:00', '2025-06-03 17:00:00', '2025-06-03 19:00:00', '2025-06-03 23:00:00');
    assert.deepEqual(
      (await records(id)).map((a) => [a.shift_type, Number(a.working_hours)]),
      [
        ['Day 8-17', 9],
        ['Evening 19-23', 4],
      ],
    );
  });

  test('back-to-back shifts with overlapping margins: 12:00 is the first shift, 12:01 and 12:30 the second (HRMS test_consecutive_shift_assignments_overlapping_within_grace_period)', async () => {
    const id = await employee([
      ['Morning 8-12', '2025-06-04', '2025-06-04'],
      ['Afternoon 12:30-16:30', '2025-06-04', '2025-06-04'],
    ]);
    await punch(id, '2025-06-04 12:00:00', '2025-06-04 12:01:00', '2025-06-04 12:30:00');
    const c = await checkins(id);
    assert.deepEqual(c.map(shiftOf), [
      ['2025-06-04 12:00', 'Morning 8-12', '2025-06-04 07:00', '2025-06-04 12:00'],
      ['2025-06-04 12:01', 'Afternoon 12:30-16:30', '2025-06-04 12:00', '2025-06-04 17:30'],
      ['2025-06-04 12:30', 'Afternoon 12:30-16:30', '2025-06-04 12:00', '2025-06-04 17:30'],
    ]);
    assert.deepEqual([wall(c[0]!.shift_start as string), wall(c[0]!.shift_end as string)], ['2025-06-04 08:00', '2025-06-04 12:00']);
    assert.deepEqual((await records(id)).map((a) => [a.shift_type, Number(a.working_hours)]), [
      ['Morning 8-12', 0],
      ['Afternoon 12:30-16:30', 0.48],
    ]);
  });

  test('a night shift yesterday beside a default day shift today: 07:00 ends the night, 07:01 begins the day (HRMS test_consecutive_day_and_night_shifts)', async () => {
    const id = await employee([['Security Night', '2025-06-05', '2025-06-05']], 'Security Day');
    await punch(id, '2025-06-05 19:00:00', '2025-06-06 07:00:00', '2025-06-06 07:01:00', '2025-06-06 19:00:00');
    const c = await checkins(id);
    assert.deepEqual(c.map((x) => [wall(x.time as string), x.shift_type]), [
      ['2025-06-05 19:00', 'Security Night'],
      ['2025-06-06 07:00', 'Security Night'],
      ['2025-06-06 07:01', 'Security Day'],
      ['2025-06-06 19:00', 'Security Day'],
    ]);
    const r = await records(id);
    assert.deepEqual(r.map((a) => [a.attendance_date, a.shift_type, wall(a.in_time as string), Number(a.working_hours)]), [
      ['2025-06-05', 'Security Night', '2025-06-05 19:00', 12],
      ['2025-06-06', 'Security Day', '2025-06-06 07:01', 11.98],
    ]);
  });

  test('consecutive days of two shift types: windows trimmed against the other type (HRMS test_shift_details_on_consecutive_days_with_overlapping_timings)', async () => {
    const id = await employee([
      ['Early 7-12', '2025-06-07', '2025-06-08'],
      ['Late 9:30-14', '2025-06-09', '2025-06-10'],
    ]);
    await punch(id, '2025-06-08 07:01:00', '2025-06-08 13:00:00', '2025-06-09 14:01:00');
    assert.deepEqual((await checkins(id)).map(shiftOf), [
      ['2025-06-08 07:01', 'Early 7-12', '2025-06-08 06:00', '2025-06-08 13:00'],
      ['2025-06-08 13:00', 'Early 7-12', '2025-06-08 06:00', '2025-06-08 13:00'],
      ['2025-06-09 14:01', 'Late 9:30-14', '2025-06-09 08:30', '2025-06-09 15:00'],
    ]);
  });

  test('a day with two shifts and punches in one: the other is marked Absent the next day, once', async () => {
    const id = await employee([
      ['Morning 8-12', '2025-06-11', '2025-06-11'],
      ['Afternoon 12:30-16:30', '2025-06-11', '2025-06-11'],
    ]);
    await punch(id, '2025-06-11 08:00:00', '2025-06-11 12:00:00');
    await s.db.knex('employees').where({ employee: `E-${id}` }).update({ created_at: '2025-06-01 00:00:00' });
    await s.finalizer.pass(at('2025-06-13 12:00:00'));
    await s.finalizer.pass(at('2025-06-13 12:05:00'));
    assert.deepEqual((await records(id)).map((a) => [a.shift_type, a.status]), [
      ['Morning 8-12', 'Present'],
      ['Afternoon 12:30-16:30', 'Absent'],
    ]);
  });

  test('recomputing a range keeps one record per shift', async () => {
    const id = await employee([
      ['Morning 8-12', '2025-06-14', '2025-06-14'],
      ['Afternoon 12:30-16:30', '2025-06-14', '2025-06-14'],
    ]);
    await punch(id, '2025-06-14 08:00:00', '2025-06-14 12:00:00', '2025-06-14 12:30:00', '2025-06-14 16:30:00');
    const before = await records(id);
    const report = await s.shifts.recompute({ from: '2025-06-14', to: '2025-06-14', employee: `E-${id}` });
    assert.equal(report.changed, 0);
    assert.deepEqual(await records(id), before);
    assert.deepEqual(before.map((a) => [a.shift_type, Number(a.working_hours)]), [
      ['Morning 8-12', 4],
      ['Afternoon 12:30-16:30', 4],
    ]);
  });
});

describe(`shift assignments that overlap on ${testDialect()}`, () => {
  const conflict = (reason: string) => (err: unknown) => err instanceof AppError && err.type === 'conflict' && err.details?.reason === reason;

  test('without several shifts a day: a second assignment on any shared date is refused (HRMS test_overlapping_for_ongoing_shift, test_multiple_shift_assignments_for_same_date, test_overlapping_for_fixed_period_shift)', async () => {
    const t = await openTestServices({ ICLOCKD_TZ: ZONE });
    try {
      const s = t.s;
      await s.shifts.createShiftType({ name: 'Day', start_time: '08:00', end_time: '17:00' });
      await s.shifts.createShiftType({ name: 'Evening', start_time: '19:00', end_time: '23:00' });
      await s.employees.create({ employee: 'E-1', name: 'One', attendance_device_id: '1' });
      await s.shifts.createAssignment({ employee: 'E-1', shift_type: 'Day', start_date: '2025-06-01' });
      await assert.rejects(s.shifts.createAssignment({ employee: 'E-1', shift_type: 'Day', start_date: '2025-07-01' }), conflict('multiple_shifts'));
      await assert.rejects(s.shifts.createAssignment({ employee: 'E-1', shift_type: 'Evening', start_date: '2025-05-01', end_date: '2025-06-01' }), conflict('multiple_shifts'));
      // Before it, or after it once it ends: fine.
      await s.shifts.createAssignment({ employee: 'E-1', shift_type: 'Evening', start_date: '2025-05-01', end_date: '2025-05-31' });
      const [open] = (await s.shifts.listAssignments({ employee: 'E-1', shiftType: 'Day' }, { offset: 0, limit: 10 })).rows;
      await s.shifts.updateAssignment(open!.id, { end_date: '2025-06-30' });
      await s.shifts.createAssignment({ employee: 'E-1', shift_type: 'Evening', start_date: '2025-07-01' });
      // Re-opening the ended one would overlap again.
      await assert.rejects(s.shifts.updateAssignment(open!.id, { end_date: null }), conflict('multiple_shifts'));
    } finally {
      await t.cleanup();
    }
  });

  test('with several shifts a day: only timings that overlap are refused (HRMS test_overlap_for_shifts_on_same_day_with_overlapping_timeslots, test_overlap_for_midnight_shifts)', async () => {
    const t = await openTestServices({ ICLOCKD_TZ: ZONE, ICLOCKD_ALLOW_MULTIPLE_SHIFT_ASSIGNMENTS: '1' });
    try {
      const s = t.s;
      await s.shifts.createShiftType({ name: 'Morning', start_time: '08:00', end_time: '12:00' });
      await s.shifts.createShiftType({ name: 'Midday', start_time: '11:00', end_time: '15:00' });
      await s.shifts.createShiftType({ name: 'Afternoon', start_time: '12:30', end_time: '16:30' });
      await s.shifts.createShiftType({ name: 'Night', start_time: '22:00', end_time: '06:00' });
      await s.shifts.createShiftType({ name: 'Late night', start_time: '01:00', end_time: '05:00' });
      await s.shifts.createShiftType({ name: 'Early', start_time: '05:00', end_time: '13:00' });
      await s.employees.create({ employee: 'E-2', name: 'Two', attendance_device_id: '2' });
      await s.shifts.createAssignment({ employee: 'E-2', shift_type: 'Morning', start_date: '2025-06-01' });
      await s.shifts.createAssignment({ employee: 'E-2', shift_type: 'Afternoon', start_date: '2025-06-01' });
      await assert.rejects(s.shifts.createAssignment({ employee: 'E-2', shift_type: 'Midday', start_date: '2025-06-10', end_date: '2025-06-10' }), conflict('overlapping_shift'));
      await s.employees.create({ employee: 'E-3', name: 'Three', attendance_device_id: '3' });
      await s.shifts.createAssignment({ employee: 'E-3', shift_type: 'Night', start_date: '2025-06-01' });
      await assert.rejects(s.shifts.createAssignment({ employee: 'E-3', shift_type: 'Late night', start_date: '2025-06-05' }), conflict('overlapping_shift'));
      // A night into the next day's early shift overlaps when both run on consecutive days ...
      await assert.rejects(s.shifts.createAssignment({ employee: 'E-3', shift_type: 'Early', start_date: '2025-06-05', end_date: '2025-06-06' }), conflict('overlapping_shift'));
      // ... not when they share one day only.
      await s.employees.create({ employee: 'E-4', name: 'Four', attendance_device_id: '4' });
      await s.shifts.createAssignment({ employee: 'E-4', shift_type: 'Night', start_date: '2025-06-05', end_date: '2025-06-05' });
      await s.shifts.createAssignment({ employee: 'E-4', shift_type: 'Early', start_date: '2025-06-05', end_date: '2025-06-05' });
      // An inactive assignment is not checked against, as in HRMS.
      for (const shiftType of ['Morning', 'Afternoon']) {
        const [assignment] = (await s.shifts.listAssignments({ employee: 'E-2', shiftType }, { offset: 0, limit: 10 })).rows;
        await s.shifts.updateAssignment(assignment!.id, { status: 'Inactive' });
      }
      await s.shifts.createAssignment({ employee: 'E-2', shift_type: 'Midday', start_date: '2025-06-10', end_date: '2025-06-10' });
    } finally {
      await t.cleanup();
    }
  });
});
