// Which holiday list applies, as HRMS decides it: the shift type's where it names one, else the
// employee's, else the company's default (ICLOCKD_DEFAULT_HOLIDAY_LIST). On a holiday check-ins
// make no record unless the shift marks attendance on holidays, and no Absent is marked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DateTime } from 'luxon';
import type { Services } from '../../src/app.js';
import { type TestServices, openTestServices, testDialect } from '../helpers/db.js';
import { makePunch } from '../helpers/punch.js';

const ZONE = 'Asia/Riyadh';
const at = (local: string) => DateTime.fromISO(local.replace(' ', 'T'), { zone: ZONE }).toJSDate();

describe(`holiday lists on ${testDialect()}`, () => {
  let t: TestServices;
  let s: Services;

  before(async () => {
    t = await openTestServices({ ICLOCKD_TZ: ZONE, ICLOCKD_DEFAULT_HOLIDAY_LIST: 'Company', ICLOCKD_ABSENT_LOOKBACK_DAYS: '10' });
    s = t.s;
    const shift = (name: string, extra: Record<string, unknown> = {}) => s.shifts.createShiftType({ name, start_time: '09:00', end_time: '17:00', enable_auto_attendance: true, ...extra });
    await shift('Plain');
    await shift('Listed', { holiday_list: 'Shift List' });
    await shift('On Holidays Too', { mark_auto_attendance_on_holidays: true });
    await s.shifts.setHolidayList('Company', ['2025-05-06']);
    await s.shifts.setHolidayList('Own', ['2025-05-07']);
    await s.shifts.setHolidayList('Shift List', ['2025-05-08']);
    await s.employees.create({ employee: 'E1', name: 'Company list', attendance_device_id: '1', default_shift: 'Plain' });
    await s.employees.create({ employee: 'E2', name: 'Own list', attendance_device_id: '2', default_shift: 'Plain', holiday_list: 'Own' });
    await s.employees.create({ employee: 'E3', name: "Shift's list", attendance_device_id: '3', holiday_list: 'Own' });
    await s.shifts.createAssignment({ employee: 'E3', shift_type: 'Listed', start_date: '2025-05-01' });
    await s.employees.create({ employee: 'E4', name: 'Works holidays', attendance_device_id: '4', default_shift: 'On Holidays Too' });
    // Created before the days under test, so those days count for them.
    await s.db.knex('employees').update({ created_at: '2025-05-01 00:00:00' });
  });
  after(async () => {
    await t.cleanup();
  });

  const day = (id: string, date: string) => [makePunch(id, `${date} 09:00:00`, { timeZone: ZONE }), makePunch(id, `${date} 17:00:00`, { timeZone: ZONE })];
  const status = async (employee: string, date: string) =>
    ((await s.db.knex('attendance').join('employees', 'employees.id', 'attendance.employee_id').where({ 'employees.employee': employee, attendance_date: date }).first('attendance.status')) as { status: string } | undefined)?.status ?? null;
  const linked = async (employee: string) =>
    ((await s.db.knex('checkins').join('employees', 'employees.id', 'checkins.employee_id').where({ 'employees.employee': employee }).pluck('checkins.attendance_id')) as (number | null)[]).map((id) => id !== null);

  test("the company's default list where neither the shift nor the employee names one: check-ins make no record (HRMS test_mark_auto_attendance_on_holiday_disabled)", async () => {
    const results = await s.ingest.ingest(day('1', '2025-05-06'));
    assert.deepEqual(results.map((r) => r.outcome), ['created', 'created']);
    assert.equal(await status('E1', '2025-05-06'), null);
    assert.deepEqual(await linked('E1'), [false, false], 'the logs stay unlinked, as HRMS leaves them');
  });

  test("the employee's list instead of the company's", async () => {
    await s.ingest.ingest([...day('2', '2025-05-06'), ...day('2', '2025-05-07')]);
    assert.equal(await status('E2', '2025-05-06'), 'Present', "the company's holiday is not the employee's");
    assert.equal(await status('E2', '2025-05-07'), null);
  });

  test("the shift's list wins over the employee's", async () => {
    await s.ingest.ingest([...day('3', '2025-05-07'), ...day('3', '2025-05-08')]);
    assert.equal(await status('E3', '2025-05-07'), 'Present');
    assert.equal(await status('E3', '2025-05-08'), null);
  });

  test('a shift that marks attendance on holidays makes the record (HRMS test_mark_auto_attendance_on_holiday_enabled)', async () => {
    await s.ingest.ingest(day('4', '2025-05-06'));
    assert.equal(await status('E4', '2025-05-06'), 'Present');
  });

  test('no Absent on a holiday of the list that applies, Absent on the other days (HRMS test_skip_marking_absent_on_a_holiday)', async () => {
    await s.finalizer.pass(at('2025-05-10 12:00:00'));
    const week = ['2025-05-05', '2025-05-06', '2025-05-07', '2025-05-08', '2025-05-09'];
    const rows = async (employee: string) => Promise.all(week.map((d) => status(employee, d)));
    assert.deepEqual(await rows('E1'), ['Absent', null, 'Absent', 'Absent', 'Absent']);
    assert.deepEqual(await rows('E2'), ['Absent', 'Present', null, 'Absent', 'Absent']);
    assert.deepEqual(await rows('E3'), ['Absent', 'Absent', 'Present', null, 'Absent']);
    assert.deepEqual(await rows('E4'), ['Absent', 'Present', 'Absent', 'Absent', 'Absent']);
  });

  test("the summary's on_holiday counts the days without a record that are holidays of the list that applies, as HRMS's monthly attendance sheet does", async () => {
    const lines = await s.shifts.summary({ from: '2025-05-05', to: '2025-05-09' });
    const counts = (employee: string) => {
      const l = lines.find((x) => x.employee === employee)!;
      return [l.present, l.absent, l.on_holiday];
    };
    assert.deepEqual(counts('E1'), [0, 4, 1]);
    assert.deepEqual(counts('E2'), [1, 3, 1], 'punched on the holiday: still no record, still a holiday');
    assert.deepEqual(counts('E3'), [1, 3, 1]);
    assert.deepEqual(counts('E4'), [1, 4, 0], 'worked the holiday, with a record: present');
  });

  test('the holidays of each employee, for the console grid: the list each comes from, within joining and relieving', async () => {
    const view = async () => (await s.shifts.holidaysOfEmployees({ from: '2025-05-01', to: '2025-05-31' })).map((e) => [e.employee.employee, e.holidays.map((h) => `${h.date} ${h.holidayList}`)]);
    assert.deepEqual(await view(), [
      ['E1', ['2025-05-06 Company']],
      ['E2', ['2025-05-07 Own']],
      ['E3', ['2025-05-08 Shift List']],
      ['E4', ['2025-05-06 Company']],
    ]);
    await s.employees.update('E1', { relieving_date: '2025-05-05' });
    await s.employees.update('E4', { date_of_joining: '2025-05-07' });
    assert.deepEqual((await view()).map(([e]) => e), ['E2', 'E3']);
    await assert.rejects(s.shifts.holidaysOfEmployees({ from: '2025-01-01', to: '2026-01-03' }), /at most 366 days/);
    await assert.rejects(s.shifts.holidaysOfEmployees({ from: '2025-05-31', to: '2025-05-01' }), /to must not be before from/);
  });
});
