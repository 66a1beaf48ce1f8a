// Shifts strictly based on log type count only IN and OUT (issue 20.7). HRMS refuses a log
// without a type there (EmployeeCheckin.fetch_shift: "Log Type is required for check-ins
// falling in the shift"; no HRMS test covers it); iclockd keeps it and counts it nowhere.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DateTime } from 'luxon';
import { type CheckinInput, computeAttendance, shiftWindowOn } from '../../src/attendance/engine.js';
import type { ShiftRules } from '../../src/store/shiftTypes.js';

const ZONE = 'Asia/Riyadh';
const STRICT: ShiftRules = {
  name: 'Strict',
  startTime: '09:00:00',
  endTime: '17:00:00',
  determineCheckInAndCheckOut: 'strict',
  workingHoursCalculationBasedOn: 'first_last',
  beginCheckInBeforeShiftStartTime: 60,
  allowCheckOutAfterShiftEndTime: 60,
  workingHoursThresholdForHalfDay: 0,
  workingHoursThresholdForAbsent: 0,
  enableLateEntryMarking: false,
  lateEntryGracePeriod: 0,
  enableEarlyExitMarking: false,
  earlyExitGracePeriod: 0,
  markAutoAttendanceOnHolidays: false,
};

const log = (id: number, local: string, logType: CheckinInput['logType']): CheckinInput => ({ id, time: DateTime.fromISO(`2025-05-05T${local}`, { zone: ZONE }).toJSDate(), logType });
const window = shiftWindowOn(STRICT, '2025-05-05', ZONE);

describe('a shift strictly based on log type', () => {
  test('logs without a log type make no record (was: Present with 0 hours)', () => {
    assert.equal(computeAttendance(STRICT, window, [log(1, '08:58', 'AUTO'), log(2, '17:02', 'AUTO')], false), null);
    assert.equal(computeAttendance({ ...STRICT, workingHoursCalculationBasedOn: 'every_valid' }, window, [log(1, '08:58', 'AUTO')], false), null);
  });

  test('beside IN and OUT they are left out: not the in time, not linked', () => {
    const r = computeAttendance(STRICT, window, [log(1, '08:50', 'AUTO'), log(2, '09:00', 'IN'), log(3, '17:00', 'OUT'), log(4, '17:30', 'AUTO')], false)!;
    assert.deepEqual([r.status, r.workingHours, r.checkinIds], ['Present', 8, [2, 3]]);
    assert.equal(r.inTime!.getTime(), log(0, '09:00', 'IN').time.getTime());
  });

  test('an alternating shift still counts them', () => {
    const r = computeAttendance({ ...STRICT, determineCheckInAndCheckOut: 'alternating' }, window, [log(1, '09:00', 'AUTO'), log(2, '17:00', 'AUTO')], false)!;
    assert.deepEqual([r.status, r.workingHours, r.checkinIds], ['Present', 8, [1, 2]]);
  });
});
