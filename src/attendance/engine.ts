// The attendance engine's pure core: shift windows around a check-in, and the attendance of
// one employee-shift from its check-ins, by the rules HRMS auto-attendance follows
// (../shared/erpnext.md §2). No I/O, no clock: the runner supplies everything.
import { DateTime } from 'luxon';

export type InOutMode = 'alternating' | 'strict';
export type HoursBasis = 'first_last' | 'every_valid';
export type AttendanceStatus = 'Present' | 'Half Day' | 'Absent' | 'On Holiday';

export interface ShiftRules {
  name: string;
  /** 'HH:MM[:SS]' wall time; an end before the start means the shift ends the next day. */
  startTime: string;
  endTime: string;
  determineCheckInAndCheckOut: InOutMode;
  workingHoursCalculationBasedOn: HoursBasis;
  /** Minutes before the start from which check-ins count for the shift. */
  beginCheckInBeforeShiftStartTime: number;
  /** Minutes after the end until which check-outs count. */
  allowCheckOutAfterShiftEndTime: number;
  /** Hours; 0 = off. */
  workingHoursThresholdForHalfDay: number;
  workingHoursThresholdForAbsent: number;
  enableLateEntryMarking: boolean;
  lateEntryGracePeriod: number;
  enableEarlyExitMarking: boolean;
  earlyExitGracePeriod: number;
  markAutoAttendanceOnHolidays: boolean;
}

export interface ShiftWindow {
  /** The shift's start date (YYYY-MM-DD, in the zone): the attendance date, also for night shifts. */
  date: string;
  start: Date;
  end: Date;
  /** Start minus the early margin, end plus the late margin (trimmed where shifts would overlap). */
  actualStart: Date;
  actualEnd: Date;
}

export interface CheckinInput {
  id: number;
  time: Date;
  logType: 'IN' | 'OUT' | 'AUTO';
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

// Fresh objects: callers adjust windows in place.
const toShiftWindow = (date: string, w: WindowMs): ShiftWindow => ({ date, start: new Date(w[0]), end: new Date(w[1]), actualStart: new Date(w[2]), actualEnd: new Date(w[3]) });

const rulesKey = (rules: ShiftRules, zone: string) => `${zone}|${rules.startTime}|${rules.endTime}|${rules.beginCheckInBeforeShiftStartTime}|${rules.allowCheckOutAfterShiftEndTime}`;

/**
 * Memoized (zone arithmetic is the costly part): a shift's window by date, and the trimmed
 * windows around a day, which every check-in asks for.
 */
const WINDOW_CACHE_SIZE = 50_000;
const windowCache = new Map<string, WindowMs>();
const windowsAroundCache = new Map<string, { date: string; w: WindowMs }[]>();

function remember<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    if (cache.size >= WINDOW_CACHE_SIZE) cache.clear();
    cache.set(key, v);
  }
  return v;
}

/** The cached window of the shift that starts on `date`: shared, never to be changed. */
const cachedWindowOn = (rules: ShiftRules, date: string, zone: string): WindowMs => remember(windowCache, `${rulesKey(rules, zone)}|${date}`, () => windowMs(rules, date, zone));

/** The shift that starts on `date` (local, in `zone`), with its margins. */
export function shiftWindowOn(rules: ShiftRules, date: string, zone: string): ShiftWindow {
  return toShiftWindow(date, cachedWindowOn(rules, date, zone));
}

/**
 * The windows of the shifts starting two days before `today` to the day after, trimmed so
 * that consecutive ones do not overlap through their margins: as HRMS, the next one's actual
 * start moves to the previous one's end, and the previous one's actual end to the next one's
 * actual start.
 */
function windowsAround(rules: ShiftRules, today: string, zone: string): { date: string; w: WindowMs }[] {
  return remember(windowsAroundCache, `${rulesKey(rules, zone)}|${today}`, () => {
    const windows = [-2, -1, 0, 1].map((d) => {
      const date = addDays(today, d);
      // A copy: trimming below changes it.
      return { date, w: [...cachedWindowOn(rules, date, zone)] as WindowMs };
    });
    for (let i = 1; i < windows.length; i++) {
      const prev = windows[i - 1]!.w;
      const next = windows[i]!.w;
      if (next[2] < prev[1]) next[2] = prev[1];
      if (prev[3] > next[2]) prev[3] = next[2];
    }
    return windows;
  });
}

/**
 * The shift whose actual window holds `instant`, or null (a check-in outside every window
 * still counts as a check-in but makes no attendance).
 */
export function shiftWindowFor(rules: ShiftRules, instant: Date, zone: string): ShiftWindow | null {
  const today = DateTime.fromJSDate(instant, { zone }).toISODate()!;
  const windows = windowsAround(rules, today, zone);
  const t = instant.getTime();
  // On a boundary shared by two windows, the later shift takes the check-in.
  for (let i = windows.length - 1; i >= 0; i--) {
    const { date, w } = windows[i]!;
    if (w[2] <= t && t <= w[3]) return toShiftWindow(date, w);
  }
  return null;
}

/** A calendar date plus whole days, YYYY-MM-DD (no zone: dates are labels here). */
function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

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
 * unless the shift marks attendance on holidays, the record is `On Holiday`.
 */
export function computeAttendance(rules: ShiftRules, window: ShiftWindow, checkins: CheckinInput[], holiday: boolean): AttendanceResult | null {
  if (checkins.length === 0) return null;
  const logs = [...checkins].sort((a, b) => a.time.getTime() - b.time.getTime() || a.id - b.id);
  const { inTime, outTime, hours: raw } = workingHours(rules, logs);
  const hours = round2(raw);
  const lateEntry = rules.enableLateEntryMarking && inTime !== null && inTime.getTime() > window.start.getTime() + rules.lateEntryGracePeriod * 60_000;
  const earlyExit = rules.enableEarlyExitMarking && outTime !== null && outTime.getTime() < window.end.getTime() - rules.earlyExitGracePeriod * 60_000;
  let status: AttendanceStatus;
  if (holiday && !rules.markAutoAttendanceOnHolidays) status = 'On Holiday';
  else if (rules.workingHoursThresholdForAbsent > 0 && hours < rules.workingHoursThresholdForAbsent) status = 'Absent';
  else if (rules.workingHoursThresholdForHalfDay > 0 && hours < rules.workingHoursThresholdForHalfDay) status = 'Half Day';
  else status = 'Present';
  return { date: window.date, shift: rules.name, status, workingHours: hours, inTime, outTime, lateEntry, earlyExit, checkinIds: logs.map((l) => l.id) };
}
