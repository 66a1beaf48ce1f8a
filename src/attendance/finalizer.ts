// The finalizing pass: an employee-shift's record is final once its window has closed and
// every registered device that feeds the employee has been heard from since (an offline
// terminal's buffered punches are not missed), or a maximum wait has passed. The same pass
// marks Absent for employees with a shift and no check-ins (not on holidays), from their date
// of joining to their relieving date.
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { DateTime } from 'luxon';
import type { Logger } from '../log.js';
import { type Employee, employeesUpdatedSince, employeeIdsNotInactive, findEmployeesByIds, lastEmployeeChange } from '../store/employees.js';
import { findShiftTypesByNames } from '../store/shiftTypes.js';
import { employeesWithShifts } from '../store/shiftAssignments.js';
import { isHoliday } from '../store/holidays.js';
import { feedingDevicesLastSeen, finalizeAttendance, findAttendanceOn, openAttendanceEndedBefore } from '../store/attendance.js';
import { transactionWithRetry } from '../store/transaction.js';
import { addDays } from './engine.js';
import { holidayListFor } from './holidays.js';
import type { AttendanceRunner } from './runner.js';

export interface FinalizerSettings {
  timeZone: string;
  defaultShift: string | null;
  /** Hours after a window closes to finalize even if a device was not heard from. */
  finalizeMaxWaitHours: number;
  /** How many past days the first Absent pass (and one for an employee changed since the last) looks at. */
  absentLookbackDays: number;
  /** Holiday list where neither the shift nor the employee names one; null = none. */
  defaultHolidayList: string | null;
}

export interface AttendanceFinalizerDeps {
  knex: Knex;
  attendance: AttendanceRunner;
  settings: FinalizerSettings;
  logger: Logger;
  clock: Clock;
}

const PASS_EVERY_MS = 5 * 60_000;
/** How far before the latest employee change the next pass looks for changes again. */
const CHANGE_MARGIN_MS = 10 * 60_000;

export class AttendanceFinalizer {
  private timer: NodeJS.Timeout | undefined;
  /** The last date whose absences were checked completely (per process; a restart looks back again). */
  private absentCheckedThrough: string | null = null;
  /** Employees updated from `since` on, as the last pass saw them (id → what counts for absences). */
  private employeesSeen: { since: Date; as: Map<number, string> } | null = null;

  private readonly knex: Knex;
  private readonly runner: AttendanceRunner;
  private readonly settings: FinalizerSettings;
  private readonly logger: Logger;
  private readonly now: Clock;

  constructor({ knex, attendance, settings, logger, clock }: AttendanceFinalizerDeps) {
    this.knex = knex;
    this.runner = attendance;
    this.settings = settings;
    this.logger = logger;
    this.now = clock;
  }

  /**
   * Whether the window that closed at `end` can be final at `now`: every log before
   * `lastSync` is known to be in (ERPNext's sync tool says so of the shift), or the feeding
   * devices were heard from since, or the maximum wait passed.
   */
  async settled(employeeId: number, end: Date, now: Date, lastSync: Date | null = null): Promise<boolean> {
    if (now <= end) return false;
    if (lastSync && lastSync >= end) return true;
    if (now.getTime() - end.getTime() >= this.settings.finalizeMaxWaitHours * 3_600_000) return true;
    const lastSeen = await feedingDevicesLastSeen(this.knex, employeeId, new Date(end.getTime() - 30 * 86_400_000));
    return lastSeen.every((seen) => seen !== null && seen > end);
  }

  async pass(now = this.now()): Promise<{ finalized: number; absent: number }> {
    let finalized = 0;
    for (;;) {
      const open = await openAttendanceEndedBefore(this.knex, now, 500);
      const shifts = await findShiftTypesByNames(this.knex, open.flatMap((r) => (r.shiftType ? [r.shiftType] : [])));
      const settled: number[] = [];
      for (const record of open) {
        const lastSync = record.shiftType ? (shifts.get(record.shiftType)?.lastSyncOfCheckin ?? null) : null;
        if (await this.settled(record.employeeId, record.shiftEnd!, now, lastSync)) settled.push(record.id);
      }
      await finalizeAttendance(this.knex, settled, now);
      finalized += settled.length;
      if (open.length < 500 || settled.length === 0) break;
    }
    const absent = await this.markAbsences(now);
    if (finalized || absent) this.logger.info({ finalized, absent }, 'attendance finalized');
    return { finalized, absent };
  }

  private async markAbsences(now: Date): Promise<number> {
    const zone = this.settings.timeZone;
    const today = DateTime.fromJSDate(now, { zone }).toISODate()!;
    const lookbackStart = addDays(today, -this.settings.absentLookbackDays);
    const first = this.absentCheckedThrough ? addDays(this.absentCheckedThrough, 1) : lookbackStart;
    // Someone created or changed since the last pass (an import with a past date_of_joining,
    // a relieving date, a holiday list) has their days looked at again, back to the lookback.
    const changed = await this.employeesChangedSinceLastPass();
    const from = changed.size > 0 && lookbackStart < first ? lookbackStart : first;
    if (from > today) return 0;
    const ids = await this.candidates(from, today);
    const employees = await findEmployeesByIds(this.knex, ids);
    // Each day's windows are trimmed against the shifts beside them.
    const book = await this.runner.shiftsOf(this.knex, [...employees.values()], addDays(from, -1), addDays(today, 1));
    let marked = 0;
    // Days are done for good only up to the first one with a shift still to settle.
    let contiguous = true;
    for (let date = from; date <= today; date = addDays(date, 1)) {
      const recheckOnly = date < first;
      let daySettled = true;
      for (const employee of employees.values()) {
        if ((recheckOnly && !changed.has(employee.id)) || !this.absentMayBeMarked(employee, date)) continue;
        for (const { shift, window } of this.runner.occurrencesOn(book, employee, date)) {
          if (!shift.enableAutoAttendance) continue;
          // As HRMS: a shift is marked Absent once the day after its actual end has begun (and
          // its logs are known to be in), never while it or its day is still running.
          const endDay = DateTime.fromJSDate(window.actualEnd, { zone }).toISODate()!;
          if (today <= endDay || !(await this.settled(employee.id, window.actualEnd, now, shift.lastSyncOfCheckin))) {
            daySettled = false;
            continue;
          }
          const hasRecord = (records: { shiftType: string | null }[]) => records.some((r) => r.shiftType === null || r.shiftType === shift.name);
          if (hasRecord(await findAttendanceOn(this.knex, employee.id, date))) continue;
          if (await isHoliday(this.knex, holidayListFor(shift, employee, this.settings.defaultHolidayList), date)) continue;
          await transactionWithRetry(this.knex, async (trx) => {
            // Checked again inside the transaction: a check-in may have made the record meanwhile.
            if (!hasRecord(await findAttendanceOn(trx, employee.id, date))) {
              await this.runner.markAbsent(trx, employee, shift, window);
              marked++;
            }
          });
        }
      }
      if (recheckOnly) continue;
      contiguous &&= daySettled;
      if (contiguous) this.absentCheckedThrough = date;
    }
    return marked;
  }

  /**
   * As HRMS's get_start_and_end_dates: from the date of joining (else the day the employee was
   * created here) to the relieving date. HRMS leaves out only Inactive employees, so one who
   * Left is still marked up to a relieving date (without one, iclockd cannot tell when they left).
   */
  private absentMayBeMarked(employee: Employee, date: string): boolean {
    const firstDay = employee.dateOfJoining ?? DateTime.fromJSDate(employee.createdAt, { zone: this.settings.timeZone }).toISODate()!;
    if (date < firstDay || (employee.relievingDate !== null && date > employee.relievingDate)) return false;
    return employee.status === 'Active' || (employee.status === 'Left' && employee.relievingDate !== null);
  }

  /**
   * Employees created or changed since the previous pass (none at the first, which looks at
   * everyone). Each pass notes the employees updated from a few minutes before the latest
   * change on, as they were; one updated since, or not as noted, has changed. The margin covers
   * a change committed a little after a later one; noting the fields, not only updated_at
   * (whole seconds), a second change within the same second.
   */
  private async employeesChangedSinceLastPass(): Promise<Set<number>> {
    const seen = this.employeesSeen;
    let since = seen?.since;
    if (!since) {
      const last = await lastEmployeeChange(this.knex);
      since = new Date(last ? last.getTime() - CHANGE_MARGIN_MS : 0);
    }
    const rows = await employeesUpdatedSince(this.knex, since);
    const noted = (e: Employee) => JSON.stringify([e.updatedAt.getTime(), e.status, e.defaultShift, e.dateOfJoining, e.relievingDate, e.holidayList]);
    const changed = new Set(seen ? rows.filter((e) => seen.as.get(e.id) !== noted(e)).map((e) => e.id) : []);
    const next = rows.reduce((max, e) => Math.max(max, e.updatedAt.getTime() - CHANGE_MARGIN_MS), since.getTime());
    this.employeesSeen = { since: new Date(next), as: new Map(rows.filter((e) => e.updatedAt.getTime() >= next).map((e) => [e.id, noted(e)])) };
    return changed;
  }

  private async candidates(from: string, to: string): Promise<number[]> {
    if (this.settings.defaultShift) return employeeIdsNotInactive(this.knex);
    return employeesWithShifts(this.knex, from, to);
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.pass().catch((err: unknown) => this.logger.warn({ err }, 'attendance finalizing pass failed; will retry'));
    }, PASS_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
