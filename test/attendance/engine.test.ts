// The pure attendance engine, table-driven.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DateTime } from 'luxon';
import { type CheckinInput, computeAttendance, shiftWindowFor, shiftWindowOn } from '../../src/attendance/engine.js';
import type { ShiftRules } from '../../src/store/shiftTypes.js';

const ZONE = 'Asia/Riyadh';

const DAY: ShiftRules = {
  name: 'Day',
  startTime: '09:00:00',
  endTime: '17:00:00',
  determineCheckInAndCheckOut: 'alternating',
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
const NIGHT: ShiftRules = { ...DAY, name: 'Night', startTime: '22:00:00', endTime: '06:00:00' };

/** Check-ins from local 'YYYY-MM-DD HH:MM[:SS] [IN|OUT]' strings. */
function logs(zone: string, ...entries: string[]): CheckinInput[] {
  return entries.map((e, i) => {
    const [date, time, type] = e.split(' ');
    return {
      id: i + 1,
      time: DateTime.fromISO(`${date}T${time}`, { zone }).toJSDate(),
      logType: (type ?? 'AUTO') as CheckinInput['logType'],
    };
  });
}

function attend(rules: ShiftRules, date: string, entries: string[], holiday = false, zone = ZONE) {
  const r = computeAttendance(rules, shiftWindowOn(rules, date, zone), logs(zone, ...entries), holiday);
  if (!r) return null;
  const local = (d: Date | null) => (d ? DateTime.fromJSDate(d, { zone }).toFormat('yyyy-MM-dd HH:mm') : null);
  return { date: r.date, status: r.status, hours: r.workingHours, in: local(r.inTime), out: local(r.outTime), late: r.lateEntry, early: r.earlyExit };
}

describe('working hours and in/out', () => {
  const cases: [string, ShiftRules, string[], { hours: number; in: string | null; out: string | null }][] = [
    ['alternating first-last: first to last', DAY, ['2025-05-05 09:00', '2025-05-05 12:00', '2025-05-05 13:00', '2025-05-05 17:30'], { hours: 8.5, in: '2025-05-05 09:00', out: '2025-05-05 17:30' }],
    ['alternating every-valid: pairs summed', { ...DAY, workingHoursCalculationBasedOn: 'every_valid' }, ['2025-05-05 09:00', '2025-05-05 12:00', '2025-05-05 13:00', '2025-05-05 17:30'], { hours: 7.5, in: '2025-05-05 09:00', out: '2025-05-05 17:30' }],
    ['alternating every-valid: a trailing odd log counts for nothing', { ...DAY, workingHoursCalculationBasedOn: 'every_valid' }, ['2025-05-05 09:00', '2025-05-05 12:00', '2025-05-05 13:00'], { hours: 3, in: '2025-05-05 09:00', out: '2025-05-05 13:00' }],
    ['one punch: in-time only, zero hours', DAY, ['2025-05-05 09:05'], { hours: 0, in: '2025-05-05 09:05', out: null }],
    ['strict first-last: first IN to last OUT, AUTO ignored', { ...DAY, determineCheckInAndCheckOut: 'strict' }, ['2025-05-05 08:50 AUTO', '2025-05-05 09:00 IN', '2025-05-05 12:00 OUT', '2025-05-05 13:00 IN', '2025-05-05 17:00 OUT', '2025-05-05 17:20 AUTO'], { hours: 8, in: '2025-05-05 09:00', out: '2025-05-05 17:00' }],
    ['strict first-last: missing check-out keeps the in-time, zero hours', { ...DAY, determineCheckInAndCheckOut: 'strict' }, ['2025-05-05 09:00 IN', '2025-05-05 12:00 IN'], { hours: 0, in: '2025-05-05 09:00', out: null }],
    ['strict every-valid: IN→OUT pairs, out-of-pattern logs dropped', { ...DAY, determineCheckInAndCheckOut: 'strict', workingHoursCalculationBasedOn: 'every_valid' }, ['2025-05-05 08:55 OUT', '2025-05-05 09:00 IN', '2025-05-05 09:10 IN', '2025-05-05 12:00 OUT', '2025-05-05 12:30 OUT', '2025-05-05 13:00 IN', '2025-05-05 16:00 OUT', '2025-05-05 16:30 IN'], { hours: 6, in: '2025-05-05 09:00', out: '2025-05-05 16:00' }],
    ['hours are rounded to two decimals', DAY, ['2025-05-05 09:00', '2025-05-05 17:00:20'], { hours: 8.01, in: '2025-05-05 09:00', out: '2025-05-05 17:00' }],
  ];
  for (const [name, rules, entries, expected] of cases) {
    test(name, () => {
      const r = attend(rules, '2025-05-05', entries)!;
      assert.deepEqual({ hours: r.hours, in: r.in, out: r.out }, expected);
    });
  }
  test('no check-ins, no record (absence is the finalizing pass\'s job)', () => {
    assert.equal(attend(DAY, '2025-05-05', []), null);
  });
});

describe('late entry and early exit at the grace boundary', () => {
  const rules = { ...DAY, enableLateEntryMarking: true, lateEntryGracePeriod: 10, enableEarlyExitMarking: true, earlyExitGracePeriod: 15 };
  const cases: [string, string, boolean, boolean][] = [
    ['09:09', '16:46', false, false],
    ['09:10', '16:45', false, false],
    ['09:11', '16:44', true, true],
  ];
  for (const [inAt, outAt, late, early] of cases) {
    test(`in ${inAt}, out ${outAt}: late ${late}, early ${early}; the status stays Present`, () => {
      const r = attend(rules, '2025-05-05', [`2025-05-05 ${inAt}`, `2025-05-05 ${outAt}`])!;
      assert.deepEqual([r.late, r.early, r.status], [late, early, 'Present']);
    });
  }
  test('switched off, nothing is flagged', () => {
    const r = attend(DAY, '2025-05-05', ['2025-05-05 11:00', '2025-05-05 12:00'])!;
    assert.deepEqual([r.late, r.early], [false, false]);
  });
});

describe('half-day and absent thresholds', () => {
  const rules = { ...DAY, workingHoursThresholdForHalfDay: 6, workingHoursThresholdForAbsent: 3 };
  const cases: [string, string, string][] = [
    ['2025-05-05 15:00', 'Present', '6 h exactly is not below the half-day threshold'],
    ['2025-05-05 14:59', 'Half Day', 'just below 6 h'],
    ['2025-05-05 12:00', 'Half Day', '3 h exactly is not below the absent threshold'],
    ['2025-05-05 11:59', 'Absent', 'just below 3 h: absent is checked before half day'],
  ];
  for (const [out, status, why] of cases) {
    test(`${why} → ${status}`, () => {
      assert.equal(attend(rules, '2025-05-05', ['2025-05-05 09:00', out])!.status, status);
    });
  }
  test('one punch with thresholds set: zero hours is Absent', () => {
    assert.equal(attend(rules, '2025-05-05', ['2025-05-05 09:00'])!.status, 'Absent');
  });
});

describe('shift windows', () => {
  const at = (local: string, rules = DAY, zone = ZONE) => shiftWindowFor(rules, DateTime.fromISO(local.replace(' ', 'T'), { zone }).toJSDate(), zone)?.date ?? null;
  test('punches just inside and outside the before-start and after-end margins', () => {
    assert.equal(at('2025-05-05 07:59:59'), null);
    assert.equal(at('2025-05-05 08:00:00'), '2025-05-05');
    assert.equal(at('2025-05-05 18:00:00'), '2025-05-05');
    assert.equal(at('2025-05-05 18:00:01'), null);
  });

  test('a night shift across midnight belongs to its start date', () => {
    assert.equal(at('2025-05-05 21:00', NIGHT), '2025-05-05');
    assert.equal(at('2025-05-06 02:00', NIGHT), '2025-05-05');
    assert.equal(at('2025-05-06 07:00', NIGHT), '2025-05-05');
    assert.equal(at('2025-05-06 07:00:01', NIGHT), null);
    assert.equal(at('2025-05-06 20:59:59', NIGHT), null);
    const r = attend(NIGHT, '2025-05-05', ['2025-05-05 21:50', '2025-05-06 06:10'])!;
    assert.deepEqual([r.date, r.hours, r.status], ['2025-05-05', 8.33, 'Present']);
  });

  test('back-to-back shifts: margins are trimmed so a punch belongs to one shift', () => {
    const round = { ...DAY, name: 'Round', startTime: '08:00:00', endTime: '20:00:00', beginCheckInBeforeShiftStartTime: 120, allowCheckOutAfterShiftEndTime: 120 };
    // 20:00–22:00 would be in both the day's late margin and nothing else: 12-hour shifts
    // 08–20 leave 12 h between; the next start's 2 h margin begins at 06:00.
    assert.equal(at('2025-05-05 21:59', round), '2025-05-05');
    assert.equal(at('2025-05-06 06:30', round), '2025-05-06');
    const twentyFour = { ...DAY, name: 'Rolling', startTime: '08:00:00', endTime: '07:00:00', beginCheckInBeforeShiftStartTime: 120, allowCheckOutAfterShiftEndTime: 120 };
    // Each shift ends at 07:00 next day; the next one would start its margin at 06:00: trimmed at 07:00.
    assert.equal(at('2025-05-06 06:30', twentyFour), '2025-05-05');
    assert.equal(at('2025-05-06 07:30', twentyFour), '2025-05-06');
  });

  test('a DST change inside a night shift: hours are real elapsed time', () => {
    // Europe/Berlin, 2025-10-26 03:00 CEST → 02:00 CET: the night 22:00–06:00 lasts 9 hours.
    const zone = 'Europe/Berlin';
    const fall = attend(NIGHT, '2025-10-25', ['2025-10-25 22:00', '2025-10-26 06:00'], false, zone)!;
    assert.deepEqual([fall.date, fall.hours], ['2025-10-25', 9]);
    // 2025-03-30 02:00 CET → 03:00 CEST: the night lasts 7 hours.
    const spring = attend(NIGHT, '2025-03-29', ['2025-03-29 22:00', '2025-03-30 06:00'], false, zone)!;
    assert.deepEqual([spring.date, spring.hours], ['2025-03-29', 7]);
    const w = shiftWindowOn(NIGHT, '2025-10-25', zone);
    assert.equal((w.end.getTime() - w.start.getTime()) / 3_600_000, 9);
  });
});

describe('holidays', () => {
  test('a holiday makes no record (HRMS test_mark_auto_attendance_on_holiday_disabled) unless the shift marks attendance on holidays (HRMS test_mark_auto_attendance_on_holiday_enabled)', () => {
    const entries = ['2025-05-05 09:00', '2025-05-05 17:00'];
    assert.equal(attend(DAY, '2025-05-05', entries, true), null);
    assert.equal(attend({ ...DAY, markAutoAttendanceOnHolidays: true }, '2025-05-05', entries, true)!.status, 'Present');
  });
});
