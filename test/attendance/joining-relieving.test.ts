// Absent from an employee's date of joining (else the day they were created here) to their
// relieving date, looking back ICLOCKD_ABSENT_LOOKBACK_DAYS at most; an employee imported or
// changed while the server runs is looked at again; check-ins before joining make no
// attendance, those after relieving do (HRMS has no rule there).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DateTime } from 'luxon';
import type { Services } from '../../src/app.js';
import { importEmployees, parseEmployeeCsv } from '../../src/employees/csvImport.js';
import { addDays } from '../../src/attendance/engine.js';
import { type TestServices, openTestServices, testDialect } from '../helpers/db.js';
import { makePunch } from '../helpers/punch.js';

const ZONE = 'Asia/Riyadh';
const at = (local: string) => DateTime.fromISO(local.replace(' ', 'T'), { zone: ZONE }).toJSDate();
const days = (from: string, to: string) => {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
};

describe(`Absent from joining to relieving on ${testDialect()}`, () => {
  let t: TestServices;
  let s: Services;

  before(async () => {
    // The employees are created now (the real clock), long after the days under test.
    t = await openTestServices({ ICLOCKD_TZ: ZONE, ICLOCKD_ABSENT_LOOKBACK_DAYS: '40' });
    s = t.s;
    await s.shifts.createShiftType({ name: 'Day', start_time: '09:00', end_time: '17:00', enable_auto_attendance: true });
    await s.employees.create({ employee: 'J1', name: 'Joined and relieved', attendance_device_id: '1', date_of_joining: '2025-07-01', relieving_date: '2025-07-26' });
    await s.shifts.createAssignment({ employee: 'J1', shift_type: 'Day', start_date: '2025-07-06' });
    await s.employees.create({ employee: 'J3', name: 'No joining date', attendance_device_id: '3', default_shift: 'Day' });
    await s.employees.create({ employee: 'J4', name: 'Left', attendance_device_id: '4', default_shift: 'Day', status: 'Left', date_of_joining: '2025-07-01', relieving_date: '2025-07-15' });
    await s.employees.create({ employee: 'J5', name: 'Left, no date', attendance_device_id: '5', default_shift: 'Day', status: 'Left', date_of_joining: '2025-07-01' });
    await s.employees.create({ employee: 'J6', name: 'Joined long ago', attendance_device_id: '6', default_shift: 'Day', date_of_joining: '2025-01-01' });
  });
  after(async () => {
    await t.cleanup();
  });

  const absences = async (employee: string) =>
    (await s.db
      .knex('attendance')
      .join('employees', 'employees.id', 'attendance.employee_id')
      .where({ 'employees.employee': employee, 'attendance.status': 'Absent' })
      .orderBy('attendance_date')
      .pluck('attendance_date')) as string[];

  test('from the date of joining (and the assignment) to the relieving date, that day included (HRMS test_get_start_and_end_dates)', async () => {
    await s.finalizer.pass(at('2025-07-31 12:00:00'));
    assert.deepEqual(await absences('J1'), days('2025-07-06', '2025-07-26'));
  });

  test('without a joining date, from the day the employee was created: none for the days before an import', async () => {
    assert.deepEqual(await absences('J3'), []);
  });

  test('an employee who Left is marked up to the relieving date (HRMS leaves out only Inactive ones), and not at all without one', async () => {
    assert.deepEqual(await absences('J4'), days('2025-07-01', '2025-07-15'));
    assert.deepEqual(await absences('J5'), []);
  });

  test('the first pass goes back ICLOCKD_ABSENT_LOOKBACK_DAYS, however early the joining date', async () => {
    assert.deepEqual(await absences('J6'), days(addDays('2025-07-31', -40), '2025-07-30'));
  });

  test('an employee imported while the server runs, joined in the past, is marked back to the lookback at the next pass', async () => {
    const csv = parseEmployeeCsv(Buffer.from('employee,name,attendance_device_id,default_shift,date_of_joining\nJ2,Imported today,2,Day,2025-07-20\n'), 'staff.csv');
    const report = await importEmployees(csv, s.employees);
    assert.deepEqual([report.created, report.rejected], [1, []]);
    await s.finalizer.pass(at('2025-07-31 12:05:00'));
    assert.deepEqual(await absences('J2'), days('2025-07-20', '2025-07-30'));
  });

  test('a relieving date moved later is marked up to the new one at the next pass', async () => {
    await s.employees.update('J1', { relieving_date: '2025-07-28' });
    await s.finalizer.pass(at('2025-07-31 12:10:00'));
    assert.deepEqual(await absences('J1'), days('2025-07-06', '2025-07-28'));
    await s.finalizer.pass(at('2025-07-31 12:15:00'));
    assert.deepEqual(await absences('J1'), days('2025-07-06', '2025-07-28'), 'nothing more');
  });

  test('check-ins before the date of joining make no attendance (HRMS refuses it: "Attendance date … can not be less than employee …\'s joining date"); after the relieving date they do, as in HRMS', async () => {
    await s.employees.create({ employee: 'J7', name: 'Punches around', attendance_device_id: '7', default_shift: 'Day', date_of_joining: '2025-08-04', relieving_date: '2025-08-05' });
    const punches = ['2025-08-03', '2025-08-06'].flatMap((d) => [makePunch('7', `${d} 09:00:00`, { timeZone: ZONE }), makePunch('7', `${d} 17:00:00`, { timeZone: ZONE })]);
    const results = await s.ingest.ingest(punches);
    assert.deepEqual(results.map((r) => r.outcome), ['created', 'created', 'created', 'created'], 'the check-ins are kept either way');
    const records = (await s.db.knex('attendance').join('employees', 'employees.id', 'attendance.employee_id').where({ 'employees.employee': 'J7' }).select('attendance_date', 'attendance.status')) as {
      attendance_date: string;
      status: string;
    }[];
    assert.deepEqual(records.map((r) => [r.attendance_date, r.status]), [['2025-08-06', 'Present']]);
  });
});
