// The finalizing pass: an employee-shift's record is final once its window has closed and
// every registered device that feeds the employee has been heard from since (an offline
// terminal's buffered punches are not missed), or a maximum wait has passed. The same pass
// marks Absent for employees with a shift and no check-ins (not on holidays).
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import type { Logger } from '../log.js';
import { findEmployeesByIds } from '../store/employees.js';
import {
  employeesWithShifts,
  feedingDevicesLastSeen,
  finalizeAttendance,
  findAttendanceOn,
  findShiftTypesByNames,
  isHoliday,
  openAttendanceEndedBefore,
} from '../store/shifts.js';
import { transactionWithRetry } from '../store/transaction.js';
import { addDays } from './engine.js';
import { holidayListFor } from './holidays.js';
import type { AttendanceRunner } from './runner.js';

export interface FinalizerSettings {
  timeZone: string;
  defaultShift: string | null;
  /** Hours after a window closes to finalize even if a device was not heard from. */
  finalizeMaxWaitHours: number;
  /** How many past days the first Absent pass looks at. */
  absentLookbackDays: number;
  /** Holiday list where neither the shift nor the employee names one; null = none. */
  defaultHolidayList: string | null;
}

const PASS_EVERY_MS = 5 * 60_000;

export class AttendanceFinalizer {
  private timer: NodeJS.Timeout | undefined;
  /** The last date whose absences were checked completely (per process; a restart looks back again). */
  private absentCheckedThrough: string | null = null;

  constructor(
    private readonly knex: Knex,
    private readonly runner: AttendanceRunner,
    private readonly settings: FinalizerSettings,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

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
    const first = this.absentCheckedThrough
      ? DateTime.fromISO(this.absentCheckedThrough).plus({ days: 1 }).toISODate()!
      : DateTime.fromISO(today).minus({ days: this.settings.absentLookbackDays }).toISODate()!;
    if (first > today) return 0;
    const ids = await this.candidates(first, today);
    const employees = await findEmployeesByIds(this.knex, ids);
    // Each day's windows are trimmed against the shifts beside them.
    const book = await this.runner.shiftsOf(this.knex, [...employees.values()], addDays(first, -1), addDays(today, 1));
    let marked = 0;
    // Days are done for good only up to the first one with a shift still to settle.
    let contiguous = true;
    for (let date = first; date <= today; date = addDays(date, 1)) {
      let daySettled = true;
      for (const employee of employees.values()) {
        if (employee.status !== 'Active' || date < DateTime.fromJSDate(employee.createdAt, { zone }).toISODate()!) continue;
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
      contiguous &&= daySettled;
      if (contiguous) this.absentCheckedThrough = date;
    }
    return marked;
  }

  private async candidates(from: string, to: string): Promise<number[]> {
    if (this.settings.defaultShift) {
      const rows = (await this.knex('employees').where({ status: 'Active' }).select('id')) as { id: number }[];
      return rows.map((r) => Number(r.id));
    }
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
