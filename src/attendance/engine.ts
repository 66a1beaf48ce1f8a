// The attendance engine's pure core: shift windows around a check-in, and the attendance of
// one employee-shift from its check-ins, by the rules HRMS auto-attendance follows
// (../shared/erpnext.md §2). No I/O, no clock: the runner supplies everything.
import { DateTime } from 'luxon';
import type { AttendanceStatus } from '../store/attendance.js';
import type { ShiftRules } from '../store/shiftTypes.js';
import { localDateOf } from '../pipeline/time.js';

export interface ShiftWindow {
  /** The shift's start date (YYYY-MM-DD, in the zone): the attendance date, also for night shifts. */
  date: string;
  start: Date;
  end: Date;
  /** Start minus the early margin, end plus the late margin (trimmed where shifts would overlap). */
  actualStart: Date;
  actualEnd: Date;
  /** The actual start is the previous shift's actual end: a log at that instant is the previous shift's. */
  startShared?: boolean;
}

/** Whether a window holds an instant (epoch ms), a start shared with the shift before excluded. */
export function windowHolds(w: ShiftWindow, t: number): boolean {
  const from = w.actualStart.getTime();
  return (t > from || (t === from && !w.startShared)) && t <= w.actualEnd.getTime();
}

export interface CheckinInput {
  id: number;
  time: Date;
  logType: 'IN' | 'OUT' | 'AUTO';
}

/**
 * Whether a log counts in a shift's attendance. A shift strictly based on log type counts only
 * IN and OUT: HRMS refuses a log without a type there ("Log Type is required for check-ins
 * falling in the shift"), so iclockd, which keeps every punch, keeps it out of the record.
 */
export function countsInShift(rules: Pick<ShiftRules, 'determineCheckInAndCheckOut'>, log: Pick<CheckinInput, 'logType'>): boolean {
  return rules.determineCheckInAndCheckOut !== 'strict' || log.logType !== 'AUTO';
}

export interface AttendanceResult {
  date: string;
  shift: string;
  status: AttendanceStatus;
  workingHours: number;
  inTime: Date | null;
  outTime: Date | null;
  lateEntry: boolean;
  earlyExit: boolean;
  /** The check-ins this record was computed from (linked back to it). */
  checkinIds: number[];
}

function parseTime(hhmm: string): { hour: number; minute: number; second: number } {
  const [h, m, s] = hhmm.split(':').map(Number);
  return { hour: h ?? 0, minute: m ?? 0, second: s ?? 0 };
}

/** A shift window as epoch milliseconds: start, end, actual start, actual end. */
type WindowMs = [number, number, number, number];

function windowMs(rules: ShiftRules, date: string, zone: string): WindowMs {
  const day = DateTime.fromISO(date, { zone });
  const start = day.set(parseTime(rules.startTime));
  let end = day.set(parseTime(rules.endTime));
  if (end <= start) end = end.plus({ days: 1 });
  return [start.toMillis(), end.toMillis(), start.minus({ minutes: rules.beginCheckInBeforeShiftStartTime }).toMillis(), end.plus({ minutes: rules.allowCheckOutAfterShiftEndTime }).toMillis()];
}

const rulesKey = (rules: ShiftRules, zone: string) => `${zone}|${rules.startTime}|${rules.endTime}|${rules.beginCheckInBeforeShiftStartTime}|${rules.allowCheckOutAfterShiftEndTime}`;

/** Memoized (zone arithmetic is the costly part, and every check-in asks for a few windows). */
const WINDOW_CACHE_SIZE = 50_000;
const windowCache = new Map<string, WindowMs>();

/** The shift that starts on `date` (local, in `zone`), with its margins, untrimmed. */
export function shiftWindowOn(rules: ShiftRules, date: string, zone: string): ShiftWindow {
  const key = `${rulesKey(rules, zone)}|${date}`;
  let w = windowCache.get(key);
  if (w === undefined) {
    w = windowMs(rules, date, zone);
    if (windowCache.size >= WINDOW_CACHE_SIZE) windowCache.clear();
    windowCache.set(key, w);
  }
  // Fresh objects: trimming changes them.
  return { date, start: new Date(w[0]), end: new Date(w[1]), actualStart: new Date(w[2]), actualEnd: new Date(w[3]) };
}

/** A shift an employee has, on the date it starts. */
export interface PlannedShift<S extends ShiftRules = ShiftRules> {
  shift: S;
  date: string;
}

/** A planned shift placed in time, its margins trimmed against its neighbours. */
export interface ShiftOccurrence<S extends ShiftRules = ShiftRules> {
  shift: S;
  window: ShiftWindow;
}

/**
 * An employee's planned shifts, of any types, in time order, with margins trimmed as HRMS trims
 * a shift against the one before and after it: the next one's actual start moves up to the
 * previous one's end, and the previous one's actual end back to the next one's actual start.
 * So a log near a boundary belongs to one shift only.
 */
export function occurrencesOf<S extends ShiftRules>(planned: PlannedShift<S>[], zone: string): ShiftOccurrence<S>[] {
  const list = planned.map((p) => ({ shift: p.shift, window: shiftWindowOn(p.shift, p.date, zone) }));
  list.sort((a, b) => a.window.start.getTime() - b.window.start.getTime() || a.window.end.getTime() - b.window.end.getTime());
  for (let i = 1; i < list.length; i++) {
    const prev = list[i - 1]!.window;
    const next = list[i]!.window;
    if (next.actualStart < prev.end) next.actualStart = new Date(prev.end.getTime());
    if (prev.actualEnd > next.actualStart) prev.actualEnd = new Date(next.actualStart.getTime());
    next.startShared = prev.actualEnd.getTime() === next.actualStart.getTime();
  }
  return list;
}

/**
 * The occurrence whose trimmed window holds `instant`, or null (a check-in outside every window
 * still counts as a check-in but makes no attendance). On a boundary two windows share, the
 * earlier shift takes it, as HRMS's get_exact_shift does.
 */
export function occurrenceHolding<S extends ShiftRules>(occurrences: ShiftOccurrence<S>[], instant: Date): ShiftOccurrence<S> | null {
  const t = instant.getTime();
  return occurrences.find((o) => windowHolds(o.window, t)) ?? null;
}

/** The dates an instant's shift can have started on: a night shift began the day before, a margin reaches into the next. */
export function datesAround(instant: Date, zone: string): string[] {
  return datesAroundDay(localDateOf(instant, zone));
}

/** datesAround for every instant of a local date (YYYY-MM-DD). */
export function datesAroundDay(day: string): string[] {
  return [-2, -1, 0, 1].map((d) => addDays(day, d));
}

/** With one shift type every day: the shift whose window holds `instant`, or null. */
export function shiftWindowFor(rules: ShiftRules, instant: Date, zone: string): ShiftWindow | null {
  return occurrenceHolding(occurrencesOf(datesAround(instant, zone).map((date) => ({ shift: rules, date })), zone), instant)?.window ?? null;
}

/** A calendar date plus whole days, YYYY-MM-DD (no zone: dates are labels here). */
export function addDays(date: string, days: number): string {
  const key = `${date}|${days}`;
  let sum = datesAdded.get(key);
  if (sum === undefined) {
    const d = new Date(`${date}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + days);
    sum = d.toISOString().slice(0, 10);
    if (datesAdded.size >= DATES_ADDED_SIZE) datesAdded.clear();
    datesAdded.set(key, sum);
  }
  return sum;
}

/** Memoized: every check-in asks for the days around its own, and a batch's days are few. */
const DATES_ADDED_SIZE = 10_000;
const datesAdded = new Map<string, string>();

const hoursBetween = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 3_600_000;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** In time, out time and working hours from check-ins sorted by time, per the shift's two settings. */
export function workingHours(rules: ShiftRules, logs: CheckinInput[]): { inTime: Date | null; outTime: Date | null; hours: number } {
  if (logs.length === 0) return { inTime: null, outTime: null, hours: 0 };
  if (rules.determineCheckInAndCheckOut === 'alternating') {
    const first = logs[0]!;
    const last = logs[logs.length - 1]!;
    const outTime = logs.length >= 2 ? last.time : null;
    if (rules.workingHoursCalculationBasedOn === 'first_last') {
      return { inTime: first.time, outTime, hours: outTime ? hoursBetween(first.time, outTime) : 0 };
    }
    // Every valid pair: (1,2), (3,4), …; a trailing odd log counts for nothing.
    let hours = 0;
    for (let i = 0; i + 1 < logs.length; i += 2) hours += hoursBetween(logs[i]!.time, logs[i + 1]!.time);
    return { inTime: first.time, outTime, hours };
  }
  // Strictly by log type.
  if (rules.workingHoursCalculationBasedOn === 'first_last') {
    const firstIn = logs.find((l) => l.logType === 'IN') ?? null;
    const lastOut = [...logs].reverse().find((l) => l.logType === 'OUT') ?? null;
    const hours = firstIn && lastOut && lastOut.time > firstIn.time ? hoursBetween(firstIn.time, lastOut.time) : 0;
    return { inTime: firstIn?.time ?? null, outTime: lastOut?.time ?? null, hours };
  }
  let hours = 0;
  let openIn: CheckinInput | null = null;
  let inTime: Date | null = null;
  let outTime: Date | null = null;
  for (const l of logs) {
    if (l.logType === 'IN' && !openIn) {
      openIn = l;
      inTime ??= l.time;
    } else if (l.logType === 'OUT' && openIn) {
      hours += hoursBetween(openIn.time, l.time);
      outTime = l.time;
      openIn = null;
    }
  }
  return { inTime, outTime, hours };
}

/**
 * The attendance of one employee-shift. `checkins` are those inside the window (any order);
 * none gives null (absence is marked by the finalizing pass, not here). Status: Absent below
 * the absent threshold, else Half Day below the half-day one (absent is checked first), else
 * Present; late entry and early exit are flags that never change the status. On a holiday,
 * unless the shift marks attendance on holidays, there is no record either: HRMS leaves the
 * day's logs unlinked and makes no Attendance (it has no holiday status).
 */
export function computeAttendance(rules: ShiftRules, window: ShiftWindow, checkins: CheckinInput[], holiday: boolean): AttendanceResult | null {
  if (checkins.length === 0 || (holiday && !rules.markAutoAttendanceOnHolidays)) return null;
  const logs = checkins.filter((c) => countsInShift(rules, c)).sort((a, b) => a.time.getTime() - b.time.getTime() || a.id - b.id);
  if (logs.length === 0) return null;
  const { inTime, outTime, hours: raw } = workingHours(rules, logs);
  const hours = round2(raw);
  const lateEntry = rules.enableLateEntryMarking && inTime !== null && inTime.getTime() > window.start.getTime() + rules.lateEntryGracePeriod * 60_000;
  const earlyExit = rules.enableEarlyExitMarking && outTime !== null && outTime.getTime() < window.end.getTime() - rules.earlyExitGracePeriod * 60_000;
  let status: AttendanceStatus;
  if (rules.workingHoursThresholdForAbsent > 0 && hours < rules.workingHoursThresholdForAbsent) status = 'Absent';
  else if (rules.workingHoursThresholdForHalfDay > 0 && hours < rules.workingHoursThresholdForHalfDay) status = 'Half Day';
  else status = 'Present';
  return { date: window.date, shift: rules.name, status, workingHours: hours, inTime, outTime, lateEntry, earlyExit, checkinIds: logs.map((l) => l.id) };
}
