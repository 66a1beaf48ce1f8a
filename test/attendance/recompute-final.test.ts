// The explicit recompute and final records (issue 20.8): HRMS keeps a log's shift once its
// attendance is marked; iclockd's recompute changes a final record, or moves a check-in out of
// one, only when forced, and otherwise says per final record what it would change.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DateTime } from 'luxon';
import type { Services } from '../../src/app.js';
import { finalChangeView } from '../../src/attendance/service.js';
import { type TestServices, openTestServices, testDialect } from '../helpers/db.js';
import { makePunch } from '../helpers/punch.js';

const ZONE = 'Asia/Riyadh';
/** A stored instant (UTC; a string on SQLite, a Date or string on MySQL). */
const instant = (v: unknown) => (v instanceof Date ? v : new Date(`${String(v).replace(' ', 'T')}Z`));
const wall = (v: unknown) => (v === null ? null : DateTime.fromJSDate(instant(v), { zone: ZONE }).toFormat('yyyy-MM-dd HH:mm'));

describe(`recomputing final records on ${testDialect()}`, () => {
  let t: TestServices;
  let s: Services;

  before(async () => {
    t = await openTestServices({ ICLOCKD_TZ: ZONE });
    s = t.s;
    const shift = (name: string, start: string, end: string, extra: Record<string, unknown> = {}) =>
      s.shifts.createShiftType({ name, start_time: start, end_time: end, enable_auto_attendance: true, ...extra });
    await shift('Shift 1', '08:00', '12:00');
    await shift('Shift 2', '12:30', '16:30');
    await shift('Day', '09:00', '17:00');
    await shift('Turns', '09:00', '17:00');
  });
  after(async () => {
    await t.cleanup();
  });

  async function employee(id: string, shift: { default?: string; assigned?: string }): Promise<void> {
    await s.employees.create({ employee: `E-${id}`, name: `Person ${id}`, attendance_device_id: id, ...(shift.default ? { default_shift: shift.default } : {}) });
    if (shift.assigned) await s.shifts.createAssignment({ employee: `E-${id}`, shift_type: shift.assigned, start_date: '2025-06-01' });
  }
  const punch = (id: string, ...locals: string[]) => s.ingest.ingest(locals.map((l) => makePunch(id, l.slice(0, 19), { timeZone: ZONE, ...(l.length > 19 ? { logType: l.slice(20) as 'IN' | 'OUT' } : {}) })));
  const records = async (id: string) =>
    (await s.db.knex('attendance').join('employees', 'employees.id', 'attendance.employee_id').where({ 'employees.employee': `E-${id}` }).orderBy('attendance.id').select('attendance.*')) as Record<string, unknown>[];
  const checkins = async (id: string) =>
    (await s.db.knex('checkins').join('employees', 'employees.id', 'checkins.employee_id').where({ 'employees.employee': `E-${id}` }).orderBy('time').select('checkins.*')) as Record<string, unknown>[];
  const finalize = async (id: string) => {
    const [r] = await records(id);
    await s.db.knex('attendance').where({ id: r!.id }).update({ finalized: true });
    return (await records(id))[0]!;
  };

  test('a log keeps its shift once its attendance is final: without force the recompute says it would move it, with force it moves (HRMS test_bulk_fetch_shift)', async () => {
    await employee('1', { default: 'Shift 1' });
    await employee('2', { default: 'Shift 1' });
    // 12:30 is in Shift 1's margin after its end.
    await punch('1', '2025-06-02 12:30:00');
    await punch('2', '2025-06-02 12:30:00');
    assert.equal((await checkins('1'))[0]!.shift_type, 'Shift 1');
    // As mark_attendance_and_link_log([log2]): employee 2's attendance is marked for good.
    const marked = await finalize('2');
    for (const id of ['1', '2']) await s.shifts.createAssignment({ employee: `E-${id}`, shift_type: 'Shift 2', start_date: '2025-06-02', end_date: '2025-06-02' });

    const report = await s.shifts.recompute({ from: '2025-06-02', to: '2025-06-02' });
    assert.equal((await checkins('1'))[0]!.shift_type, 'Shift 2', 'the shift changes according to the new assignment');
    const log2 = (await checkins('2'))[0]!;
    assert.deepEqual([log2.shift_type, Number(log2.attendance_id)], ['Shift 1', marked.id], 'the shift does not change since attendance is already marked');
    assert.deepEqual(await records('2'), [marked], 'the final record is untouched');
    assert.equal(report.forced, false);
    assert.equal(report.finalChangesTotal, 1);
    assert.deepEqual(finalChangeView(report.finalChanges[0]!), {
      name: marked.name,
      employee: 'E-2',
      attendance_date: '2025-06-02',
      shift: 'Shift 1',
      applied: false,
      removed: false,
      changes: { checkins: { from: [log2.name], to: [] } },
    });
    // Said again, changed never.
    assert.equal((await s.shifts.recompute({ from: '2025-06-02', to: '2025-06-02', employee: 'E-2' })).finalChangesTotal, 1);
    assert.equal((await checkins('2'))[0]!.shift_type, 'Shift 1');

    const forced = await s.shifts.recompute({ from: '2025-06-02', to: '2025-06-02', employee: 'E-2', force: true });
    assert.equal(forced.forced, true);
    assert.equal(finalChangeView(forced.finalChanges[0]!).applied, true);
    assert.equal((await checkins('2'))[0]!.shift_type, 'Shift 2');
  });

  test("a new check-in in the new shift does not take a log out of another shift's final record either (HRMS test_bulk_fetch_shift)", async () => {
    await employee('6', { default: 'Shift 1' });
    await punch('6', '2025-06-05 12:30:00');
    const marked = await finalize('6');
    await s.shifts.createAssignment({ employee: 'E-6', shift_type: 'Shift 2', start_date: '2025-06-05', end_date: '2025-06-05' });
    await punch('6', '2025-06-05 16:30:00');
    const [log, later] = await checkins('6');
    assert.deepEqual([log!.shift_type, Number(log!.attendance_id)], ['Shift 1', marked.id], 'kept where its attendance is marked');
    assert.equal(later!.shift_type, 'Shift 2');
    const [, shift2] = await records('6');
    assert.deepEqual([shift2!.shift_type, wall(shift2!.in_time)], ['Shift 2', '2025-06-05 16:30']);
  });

  test('a final record keeps its status, hours, in and out without force; the report names each change, and force makes it', async () => {
    await employee('3', { assigned: 'Day' });
    await punch('3', '2025-06-03 08:10:00', '2025-06-03 13:00:00');
    const before = await finalize('3');
    assert.deepEqual([before.status, Number(before.working_hours)], ['Present', 4.83]);
    // 08:10 falls out of the window now, and under 4 hours is a half day.
    await s.shifts.updateShiftType('Day', { begin_check_in_before_shift_start_time: 30, working_hours_threshold_for_half_day: 4 });
    const [early, late] = await checkins('3');

    const report = await s.shifts.recompute({ from: '2025-06-03', to: '2025-06-03', employee: 'E-3' });
    assert.deepEqual(await records('3'), [before]);
    assert.equal(Number((await checkins('3'))[0]!.attendance_id), before.id, 'the early check-in stays counted in it');
    assert.equal(report.changed, 0);
    const view = finalChangeView(report.finalChanges[0]!);
    assert.equal(view.applied, false);
    assert.deepEqual(view.changes, {
      status: { from: 'Present', to: 'Half Day' },
      working_hours: { from: 4.83, to: 0 },
      in_time: { from: instant(early!.time).toISOString(), to: instant(late!.time).toISOString() },
      out_time: { from: instant(late!.time).toISOString(), to: null },
      checkins: { from: [early!.name, late!.name], to: [late!.name] },
    });

    const forced = await s.shifts.recompute({ from: '2025-06-03', to: '2025-06-03', employee: 'E-3', force: true });
    assert.equal(forced.changed, 1);
    const [after] = await records('3');
    assert.deepEqual([after!.status, Number(after!.working_hours), wall(after!.in_time), after!.out_time, Boolean(after!.finalized)], ['Half Day', 0, '2025-06-03 13:00', null, true]);
    assert.equal((await checkins('3'))[0]!.attendance_id, null, 'the early check-in counts nowhere now');
  });

  test('records made only from logs a strict shift does not count: an open one goes, a final one is reported, and made Absent with force (issue 20.7)', async () => {
    await employee('4', { assigned: 'Turns' });
    await employee('5', { assigned: 'Turns' });
    // Made while the shift alternated: one log, Present with 0 hours.
    await punch('4', '2025-06-04 09:00:00');
    await punch('5', '2025-06-04 09:00:00');
    const final = await finalize('5');
    await s.shifts.updateShiftType('Turns', { determine_check_in_and_check_out: 'strict' });

    const report = await s.shifts.recompute({ from: '2025-06-04', to: '2025-06-04' });
    assert.deepEqual(await records('4'), [], 'the open record made from a log without a type is removed');
    assert.deepEqual([(await checkins('4'))[0]!.attendance_id, (await checkins('4'))[0]!.shift_type], [null, null]);
    assert.deepEqual(await records('5'), [final]);
    const view = finalChangeView(report.finalChanges.find((c) => c.record.id === final.id)!);
    assert.deepEqual(view.changes.status, { from: 'Present', to: 'Absent' });
    assert.deepEqual(view.changes.checkins, { from: [(await checkins('5'))[0]!.name], to: [] });

    await s.shifts.recompute({ from: '2025-06-04', to: '2025-06-04', employee: 'E-5', force: true });
    const [absent] = await records('5');
    assert.deepEqual([absent!.name, absent!.status, Number(absent!.working_hours), absent!.in_time, Boolean(absent!.finalized)], [final.name, 'Absent', 0, null, true]);
    assert.equal((await checkins('5'))[0]!.attendance_id, null);
  });
});
