// The attendance runner: after check-ins are stored, recompute the employee-shifts they fall
// in, inside the same transaction (a late or replayed punch corrects the record; a duplicate
// changes nothing). Which shift applies: an active assignment covering the date, else the
// employee's default shift, else the configured default.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { type Employee, findEmployeesByIds } from '../store/employees.js';
import { seriesName, takeSeriesNumbers } from '../store/series.js';
import {
  type AttendanceRecord,
  type ShiftType,
  assignmentsCovering,
  checkinsBetween,
  findAttendance,
  findShiftType,
  findShiftTypesByIds,
  insertAttendance,
  isHoliday,
  linkCheckins,
  updateAttendance,
} from '../store/shifts.js';
import { transactionWithRetry } from '../store/transaction.js';
import { type ShiftWindow, computeAttendance, shiftWindowFor, shiftWindowOn } from './engine.js';

export interface AttendanceSettings {
  /** Zone of shift times. */
  timeZone: string;
  /** Shift type for employees with no assignment and no default shift; null = none. */
  defaultShift: string | null;
}

export interface CheckinRef {
  id: number;
  employeeId: number;
  time: Date;
}

export class AttendanceRunner {
  constructor(
    private readonly knex: Knex,
    private readonly settings: AttendanceSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The shift that applies to an employee at an instant, and its window; null when none does. */
  async shiftAt(trx: Knex | Knex.Transaction, employee: Employee, instant: Date): Promise<{ shift: ShiftType; window: ShiftWindow } | null> {
    const zone = this.settings.timeZone;
    const day = DateTime.fromJSDate(instant, { zone });
    // ±1 day: a night shift started yesterday, or its margin starts today for tomorrow.
    const assignments = await assignmentsCovering(trx, employee.id, day.minus({ days: 1 }).toISODate()!, day.plus({ days: 1 }).toISODate()!);
    const types = await findShiftTypesByIds(trx, assignments.map((a) => a.shiftTypeId));
    for (const a of assignments) {
      const shift = types.get(a.shiftTypeId);
      const window = shift ? shiftWindowFor(shift, instant, zone) : null;
      if (shift && window && window.date >= a.startDate && (a.endDate === null || window.date <= a.endDate)) return { shift, window };
    }
    for (const name of [employee.defaultShift, this.settings.defaultShift]) {
      if (!name) continue;
      const shift = await findShiftType(trx, name);
      const window = shift ? shiftWindowFor(shift, instant, zone) : null;
      if (shift && window) return { shift, window };
    }
    return null;
  }

  /** The shift that applies to an employee on a date (the day it starts), by the same precedence. */
  async shiftOnDate(trx: Knex | Knex.Transaction, employee: Employee, date: string): Promise<ShiftType | null> {
    const [assignment] = await assignmentsCovering(trx, employee.id, date, date);
    if (assignment) return (await findShiftTypesByIds(trx, [assignment.shiftTypeId])).get(assignment.shiftTypeId) ?? null;
    for (const name of [employee.defaultShift, this.settings.defaultShift]) {
      if (name) return findShiftType(trx, name);
    }
    return null;
  }

  /** An Absent record (finalized) for an employee-shift that closed with no check-ins. */
  async markAbsent(trx: Knex.Transaction, employee: Employee, shift: ShiftType, window: ShiftWindow): Promise<AttendanceRecord> {
    const prefix = `HR-ATT-${DateTime.fromISO(window.date).year}-`;
    return insertAttendance(
      trx,
      seriesName(prefix, await takeSeriesNumbers(trx, prefix, 1)),
      {
        employeeId: employee.id,
        date: window.date,
        shiftType: shift.name,
        status: 'Absent',
        workingHours: 0,
        inTime: null,
        outTime: null,
        lateEntry: false,
        earlyExit: false,
        finalized: true,
        shiftEnd: window.actualEnd,
      },
      this.now(),
    );
  }

  /**
   * Recomputes the employee-shifts these check-ins fall in; returns the ids of the check-ins
   * whose shift's attendance record was created or changed, and of those no shift covers.
   */
  async afterCheckins(trx: Knex.Transaction, checkins: CheckinRef[]): Promise<{ changed: Set<number>; noShift: Set<number> }> {
    const changed = new Set<number>();
    const noShift = new Set<number>();
    if (checkins.length === 0) return { changed, noShift };
    const employees = await findEmployeesByIds(trx, checkins.map((c) => c.employeeId));
    const done = new Map<string, boolean>();
    for (const c of checkins) {
      const employee = employees.get(c.employeeId);
      if (!employee) continue;
      const found = await this.shiftAt(trx, employee, c.time);
      if (!found) {
        // Only worth saying where the employee works shifts: outside them, not without them.
        const date = DateTime.fromJSDate(c.time, { zone: this.settings.timeZone }).toISODate()!;
        if (await this.shiftOnDate(trx, employee, date)) noShift.add(c.id);
        continue;
      }
      const key = `${employee.id}\u0000${found.window.date}`;
      if (!done.has(key)) done.set(key, (await this.recompute(trx, employee, found.shift, found.window, false)).changed);
      if (done.get(key)) changed.add(c.id);
    }
    return { changed, noShift };
  }

  /**
   * The attendance of one employee-shift from its check-ins. A finalized record changes only
   * when `force` (the explicit recompute command).
   */
  async recompute(
    trx: Knex.Transaction,
    employee: Employee,
    shift: ShiftType,
    window: ShiftWindow,
    force: boolean,
  ): Promise<{ changed: boolean; record: AttendanceRecord | null }> {
    if (!shift.enableAutoAttendance) return { changed: false, record: null };
    const existing = await findAttendance(trx, employee.id, window.date);
    if (existing?.finalized && !force) return { changed: false, record: existing };
    const logs = (await checkinsBetween(trx, employee.id, window.actualStart, window.actualEnd)).filter((l) => !l.skip);
    const holiday = await isHoliday(trx, shift.holidayList, window.date);
    const result = computeAttendance(shift, window, logs, holiday);
    if (!result) return { changed: false, record: existing };
    const fields = {
      employeeId: employee.id,
      date: result.date,
      shiftType: shift.name,
      status: result.status,
      workingHours: result.workingHours,
      inTime: result.inTime,
      outTime: result.outTime,
      lateEntry: result.lateEntry,
      earlyExit: result.earlyExit,
      finalized: existing?.finalized ?? false,
      shiftEnd: window.actualEnd,
    };
    const now = this.now();
    let record: AttendanceRecord;
    let changed: boolean;
    if (existing) {
      changed = !sameAttendance(existing, fields);
      if (changed) await updateAttendance(trx, existing.id, fields, now);
      record = { ...existing, ...fields };
    } else {
      const prefix = `HR-ATT-${DateTime.fromISO(result.date).year}-`;
      record = await insertAttendance(trx, seriesName(prefix, await takeSeriesNumbers(trx, prefix, 1)), fields, now);
      changed = true;
    }
    await linkCheckins(trx, result.checkinIds, record.id, shift.name);
    return { changed, record };
  }
}

export interface RecomputeReport {
  employeeShifts: number;
  changed: number;
}

/**
 * Recomputes every employee-shift starting in [from, to] (YYYY-MM-DD), finalized ones too:
 * the explicit command. Idempotent: a second run changes nothing.
 */
export async function recomputeRange(
  knex: Knex,
  runner: AttendanceRunner,
  zone: string,
  range: { from: string; to: string; employees: Employee[] },
  onProgress?: (done: number, total: number) => void,
): Promise<RecomputeReport> {
  const days: string[] = [];
  for (let d = DateTime.fromISO(range.from); d.toISODate()! <= range.to; d = d.plus({ days: 1 })) days.push(d.toISODate()!);
  const total = days.length * range.employees.length;
  const report: RecomputeReport = { employeeShifts: 0, changed: 0 };
  let done = 0;
  for (const employee of range.employees) {
    for (const date of days) {
      const shift = await runner.shiftOnDate(knex, employee, date);
      if (shift) {
        const { changed, record } = await transactionWithRetry(knex, (trx) => runner.recompute(trx, employee, shift, shiftWindowOn(shift, date, zone), true));
        if (record) report.employeeShifts++;
        if (changed) report.changed++;
      }
      onProgress?.(++done, total);
    }
  }
  return report;
}

function sameAttendance(a: AttendanceRecord, b: Omit<AttendanceRecord, 'id' | 'name'>): boolean {
  const t = (d: Date | null) => (d ? Math.floor(d.getTime() / 1000) : null);
  return (
    a.status === b.status &&
    a.workingHours === b.workingHours &&
    t(a.inTime) === t(b.inTime) &&
    t(a.outTime) === t(b.outTime) &&
    a.lateEntry === b.lateEntry &&
    a.earlyExit === b.earlyExit &&
    a.shiftType === b.shiftType
  );
}
