// The attendance runner: after check-ins are stored, recompute the employee-shifts they fall
// in, inside the same transaction (a late or replayed punch corrects the record; a duplicate
// changes nothing). Which shift applies: an active assignment covering the date, else the
// employee's default shift, else the configured default.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { type Employee, findEmployeesByIds, lockEmployees } from '../store/employees.js';
import { seriesName, takeSeriesNumbers, takeSeriesNumbersFor } from '../store/series.js';
import {
  type AttendanceFields,
  type CheckinLog,
  type CheckinShift,
  countedAt,
  type AttendanceRecord,
  type ShiftAssignment,
  type ShiftType,
  assignmentsCoveringMany,
  attendanceKey,
  checkinsOfEmployeesBetween,
  findAttendanceMany,
  findShiftTypesByIds,
  findShiftTypesByNames,
  holidaysAmong,
  insertAttendance,
  insertAttendanceMany,
  linkCheckinsMany,
  updateAttendanceMany,
} from '../store/shifts.js';
import { transactionWithRetry } from '../store/transaction.js';
import { type PlannedShift, type ShiftOccurrence, type ShiftWindow, addDays, computeAttendance, countsInShift, datesAround, occurrenceHolding, occurrencesOf, windowHolds } from './engine.js';
import { compositeKey } from '../store/keys.js';
import { holidayListFor } from './holidays.js';

export interface AttendanceSettings {
  /** Zone of shift times. */
  timeZone: string;
  /** Shift type for employees with no assignment and no default shift; null = none. */
  defaultShift: string | null;
  /** Holiday list where neither the shift nor the employee names one; null = none. */
  defaultHolidayList: string | null;
}

/** A check-in about to be inserted: its attendance is computed first, so it is inserted linked. */
export interface UnsavedCheckin {
  employeeId: number;
  time: Date;
  logType: 'IN' | 'OUT' | 'AUTO';
  skipAutoAttendance: boolean;
}

/** What an unsaved check-in's attendance came to, by its position. */
export interface UnsavedCheckinAttendance {
  /** The record it is counted in, to insert it with (null: none). */
  link: CheckinLink | null;
  /** Its shift's record was created or changed. */
  changed: boolean;
  /** No shift covers its time (where the employee works shifts). */
  noShift: boolean;
  /** The shift strictly based on log type it falls in, which does not count it (it has none); else null. */
  logTypeRequiredBy: string | null;
}

export type CheckinLink = CheckinShift;

/**
 * Unsaved check-ins take part in a recompute under ids above every stored one (2^52 + position):
 * they sort after stored check-ins of the same second, as their real, later ids will.
 */
const UNSAVED_ID = 2 ** 52;

/** An unsaved check-in as a recompute counts it. */
type UnsavedLog = CheckinLog & { employeeId: number };

export class AttendanceRunner {
  constructor(
    private readonly knex: Knex,
    private readonly settings: AttendanceSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** What decides employees' shifts from `from` to `to` (YYYY-MM-DD), in three queries. */
  async shiftsOf(trx: Knex | Knex.Transaction, employees: Employee[], from: string, to: string): Promise<ShiftBook> {
    const assignments = await assignmentsCoveringMany(trx, employees.map((e) => e.id), from, to);
    const byId = await findShiftTypesByIds(trx, [...assignments.values()].flat().map((a) => a.shiftTypeId));
    const names = employees.flatMap((e) => (e.defaultShift ? [e.defaultShift] : []));
    if (this.settings.defaultShift) names.push(this.settings.defaultShift);
    return { assignments, byId, byName: await findShiftTypesByNames(trx, names) };
  }

  /**
   * The shifts an employee has on a date (the day each starts): every active assignment covering
   * it, else the employee's default shift, else the configured default, as HRMS falls back.
   * None before the date of joining: HRMS refuses Attendance before it, so check-ins then make
   * none, and no Absent is due.
   */
  plannedOn(book: ShiftBook, employee: Employee, date: string): PlannedShift<ShiftType>[] {
    if (employee.dateOfJoining !== null && date < employee.dateOfJoining) return [];
    const assigned = (book.assignments.get(employee.id) ?? []).filter((a) => a.startDate <= date && (a.endDate === null || a.endDate >= date));
    if (assigned.length) return assigned.flatMap((a) => (book.byId.has(a.shiftTypeId) ? [{ shift: book.byId.get(a.shiftTypeId)!, date }] : []));
    for (const name of [employee.defaultShift, this.settings.defaultShift]) {
      if (name) {
        const shift = book.byName.get(name);
        return shift ? [{ shift, date }] : [];
      }
    }
    return [];
  }

  /** The employee's shifts starting on these dates, placed in time and trimmed against each other. */
  private occurrences(book: ShiftBook, employee: Employee, dates: string[]): ShiftOccurrence<ShiftType>[] {
    return occurrencesOf(dates.flatMap((d) => this.plannedOn(book, employee, d)), this.settings.timeZone);
  }

  /** The shift that applies to an employee at an instant, and its trimmed window; null when none does. */
  shiftAt(book: ShiftBook, employee: Employee, instant: Date): ShiftOccurrence<ShiftType> | null {
    return occurrenceHolding(this.occurrences(book, employee, datesAround(instant, this.settings.timeZone)), instant);
  }

  /** The shift strictly based on log type that applies to an employee at an instant, or null (none, or another kind). */
  async strictShiftAt(knex: Knex, employee: Employee, instant: Date): Promise<ShiftType | null> {
    const dates = datesAround(instant, this.settings.timeZone);
    const found = this.shiftAt(await this.shiftsOf(knex, [employee], dates[0]!, dates.at(-1)!), employee, instant);
    return found && !countsInShift(found.shift, { logType: 'AUTO' }) ? found.shift : null;
  }

  /** The employee's shifts starting on `date`, with windows trimmed against the shifts before and after (of any type). */
  occurrencesOn(book: ShiftBook, employee: Employee, date: string): ShiftOccurrence<ShiftType>[] {
    return this.occurrences(book, employee, [addDays(date, -1), date, addDays(date, 1)]).filter((o) => o.window.date === date);
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
   * Recomputes the employee-shifts that check-ins about to be inserted fall in, counting them
   * with the stored ones; says, for each, the record to insert it linked to, and whether its
   * shift's record was created or changed or no shift covers it.
   * A batch costs a fixed number of queries, not a few per check-in.
   */
  async afterCheckins(trx: Knex.Transaction, checkins: UnsavedCheckin[]): Promise<UnsavedCheckinAttendance[]> {
    const outcomes: UnsavedCheckinAttendance[] = checkins.map(() => ({ link: null, changed: false, noShift: false, logTypeRequiredBy: null }));
    if (checkins.length === 0) return outcomes;
    const employees = await findEmployeesByIds(trx, checkins.map((c) => c.employeeId));
    const zone = this.settings.timeZone;
    const days = checkins.map((c) => DateTime.fromJSDate(c.time, { zone }).toISODate()!).sort();
    // A night shift started yesterday (whose neighbour started the day before), or a margin
    // reaching into tomorrow's shift.
    const from = addDays(days[0]!, -2);
    const to = addDays(days.at(-1)!, 1);
    const book = await this.shiftsOf(trx, [...employees.values()], from, to);
    const shifts = new Map<string, EmployeeShift>();
    /** By position: the employee-shift each check-in counts in. */
    const keys: (string | undefined)[] = [];
    const unsaved: UnsavedLog[] = [];
    for (const [n, c] of checkins.entries()) {
      const employee = employees.get(c.employeeId);
      if (!employee) continue;
      const found = this.shiftAt(book, employee, c.time);
      if (!found) {
        // Only worth saying where the employee works shifts: outside them, not without them.
        if (this.plannedOn(book, employee, DateTime.fromJSDate(c.time, { zone }).toISODate()!).length) outcomes[n]!.noShift = true;
        continue;
      }
      if (!c.skipAutoAttendance && !countsInShift(found.shift, c)) outcomes[n]!.logTypeRequiredBy = found.shift.name;
      const key = attendanceKey(employee.id, found.window.date, found.shift.name);
      if (!shifts.has(key)) shifts.set(key, { employee, ...found });
      keys[n] = key;
      unsaved.push({ id: UNSAVED_ID + n, employeeId: c.employeeId, time: c.time, logType: c.logType, skip: c.skipAutoAttendance, attendanceId: null, shiftType: null, shiftStart: null, shiftEnd: null, shiftActualStart: null, shiftActualEnd: null });
    }
    // New check-ins are new facts: a day already final (an offline terminal's punches arrive
    // late, a waiting punch is settled) is computed again, and stays final.
    const { results, unsavedLinks } = await this.recomputeWith(trx, [...shifts.values()], true, unsaved);
    keys.forEach((key, n) => {
      if (key === undefined) return;
      outcomes[n]!.changed = results.get(key)?.changed ?? false;
      outcomes[n]!.link = unsavedLinks.get(UNSAVED_ID + n) ?? null;
    });
    return outcomes;
  }

  /**
   * The attendance of one employee-shift from its check-ins. A finalized record changes only
   * when `force` (the explicit recompute command, and new check-ins in it).
   */
  async recompute(trx: Knex.Transaction, employee: Employee, shift: ShiftType, window: ShiftWindow, force: boolean): Promise<{ changed: boolean; record: AttendanceRecord | null }> {
    return (await this.recomputeMany(trx, [{ employee, shift, window }], force)).get(attendanceKey(employee.id, window.date, shift.name))!;
  }

  /** The same for many employee-shifts (distinct employee-dates), reading and writing in batches. */
  async recomputeMany(trx: Knex.Transaction, items: EmployeeShift[], force: boolean): Promise<Map<string, { changed: boolean; record: AttendanceRecord | null }>> {
    return (await this.recomputeWith(trx, items, force, [])).results;
  }

  /** recomputeMany, also counting check-ins not inserted yet; the links for those are returned, not written. */
  private async recomputeWith(
    trx: Knex.Transaction,
    items: EmployeeShift[],
    force: boolean,
    unsaved: UnsavedLog[],
  ): Promise<{ results: Map<string, { changed: boolean; record: AttendanceRecord | null }>; unsavedLinks: Map<number, CheckinLink> }> {
    const results = new Map<string, { changed: boolean; record: AttendanceRecord | null }>();
    const unsavedLinks = new Map<number, CheckinLink>();
    const keyOf = (i: EmployeeShift) => attendanceKey(i.employee.id, i.window.date, i.shift.name);
    for (const i of items) if (!i.shift.enableAutoAttendance) results.set(keyOf(i), { changed: false, record: null });
    const auto = items.filter((i) => i.shift.enableAutoAttendance);
    if (auto.length === 0) return { results, unsavedLinks };
    // A record is computed from all of its employee's check-ins: a concurrent transaction adding
    // one must commit first, or the later write would drop it (a lost update).
    await lockEmployees(trx, auto.map((i) => i.employee.id));
    const existing = await findAttendanceMany(trx, auto.map((i) => ({ employeeId: i.employee.id, date: i.window.date, shiftType: i.shift.name })));
    const open = auto.filter((i) => {
      const record = existing.get(keyOf(i));
      if (record?.finalized && !force) results.set(keyOf(i), { changed: false, record });
      return !(record?.finalized && !force);
    });
    if (open.length === 0) return { results, unsavedLinks };
    const starts = open.map((i) => i.window.actualStart.getTime());
    const ends = open.map((i) => i.window.actualEnd.getTime());
    const logsByEmployee = await checkinsOfEmployeesBetween(trx, open.map((i) => i.employee.id), new Date(Math.min(...starts)), new Date(Math.max(...ends)));
    // Oldest first, as stored ones are read; the unsaved ones' ids sort after stored ones of the same second.
    const joined = new Set<CheckinLog[]>();
    for (const { employeeId, ...log } of unsaved) {
      const logs = logsByEmployee.get(employeeId) ?? [];
      logs.push(log);
      logsByEmployee.set(employeeId, logs);
      joined.add(logs);
    }
    for (const logs of joined) logs.sort((a, b) => a.time.getTime() - b.time.getTime() || a.id - b.id);
    const holidayListOf = (i: EmployeeShift) => holidayListFor(i.shift, i.employee, this.settings.defaultHolidayList);
    const holidays = await holidaysAmong(
      trx,
      open.flatMap((i) => {
        const list = holidayListOf(i);
        return list ? [{ list, date: i.window.date }] : [];
      }),
    );
    const now = this.now();

    const inserts: { item: EmployeeShift; fields: AttendanceFields; checkinIds: number[] }[] = [];
    const links: { item: EmployeeShift; record: AttendanceRecord; checkinIds: number[] }[] = [];
    const updates: { name: string; fields: AttendanceFields }[] = [];
    for (const item of open) {
      const key = keyOf(item);
      const record = existing.get(key) ?? null;
      const logs = (logsByEmployee.get(item.employee.id) ?? []).filter((l) => !l.skip && windowHolds(item.window, l.time.getTime()));
      const holidayList = holidayListOf(item);
      const holiday = holidayList !== null && holidays.has(compositeKey(holidayList, item.window.date));
      const result = computeAttendance(item.shift, item.window, logs, holiday);
      if (!result) {
        results.set(key, { changed: false, record });
        continue;
      }
      const fields: AttendanceFields = {
        employeeId: item.employee.id,
        date: result.date,
        shiftType: item.shift.name,
        status: result.status,
        workingHours: result.workingHours,
        inTime: result.inTime,
        outTime: result.outTime,
        lateEntry: result.lateEntry,
        earlyExit: result.earlyExit,
        finalized: record?.finalized ?? false,
        shiftEnd: item.window.actualEnd,
      };
      if (!record) {
        inserts.push({ item, fields, checkinIds: result.checkinIds });
        continue;
      }
      const changed = !sameAttendance(record, fields);
      if (changed) updates.push({ name: record.name, fields });
      results.set(key, { changed, record: { ...record, ...fields } });
      links.push({ item, record, checkinIds: result.checkinIds });
    }

    await updateAttendanceMany(trx, updates, now);

    // New records: names from each year's series, then one insert.
    const named = new Map<(typeof inserts)[number], string>();
    const byPrefix = new Map<string, typeof inserts>();
    for (const i of inserts) {
      const prefix = `HR-ATT-${DateTime.fromISO(i.fields.date).year}-`;
      byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), i]);
    }
    for (const [prefix, group] of byPrefix) {
      const numbers = await takeSeriesNumbersFor(this.knex, trx, prefix, group.length);
      group.forEach((i, n) => named.set(i, seriesName(prefix, numbers[n]!)));
    }
    const created = await insertAttendanceMany(trx, inserts.map((i) => ({ name: named.get(i)!, fields: i.fields })), now);
    for (const i of inserts) {
      const record = created.get(named.get(i)!)!;
      results.set(keyOf(i.item), { changed: true, record });
      links.push({ item: i.item, record, checkinIds: i.checkinIds });
    }

    // Point check-ins at their record, where they do not already (in item order: the last wins, as before).
    const current = new Map([...logsByEmployee.values()].flat().map((l) => [l.id, l]));
    const link = new Map<number, CheckinLink>();
    for (const l of links) {
      const w = l.item.window;
      const at: Omit<CheckinShift, 'attendanceId'> = { shiftType: l.item.shift.name, shiftStart: w.start, shiftEnd: w.end, shiftActualStart: w.actualStart, shiftActualEnd: w.actualEnd };
      for (const id of l.checkinIds) link.set(id, { attendanceId: l.record.id, ...at });
    }
    for (const [id, l] of link) {
      const c = current.get(id);
      if (id >= UNSAVED_ID) {
        unsavedLinks.set(id, l);
        link.delete(id);
      } else if (c && countedAt(c, l)) link.delete(id);
    }
    await linkCheckinsMany(trx, link);
    return { results, unsavedLinks };
  }
}

/** Loaded shift facts for a batch: assignments by employee, shift types by id and by name. */
export interface ShiftBook {
  assignments: Map<number, ShiftAssignment[]>;
  byId: Map<number, ShiftType>;
  byName: Map<string, ShiftType>;
}

/** One employee's shift on one date, to recompute. */
export interface EmployeeShift {
  employee: Employee;
  shift: ShiftType;
  window: ShiftWindow;
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
  // One transaction per employee: the whole range's records of one person change together.
  for (const employee of range.employees) {
    // A day's windows are trimmed against the shifts of the days beside it.
    const book = await runner.shiftsOf(knex, [employee], addDays(range.from, -1), addDays(range.to, 1));
    const items = days.flatMap((date) => runner.occurrencesOn(book, employee, date).map((o) => ({ employee, shift: o.shift, window: o.window })));
    if (items.length) {
      const results = await transactionWithRetry(knex, (trx) => runner.recomputeMany(trx, items, true));
      for (const { changed, record } of results.values()) {
        if (record) report.employeeShifts++;
        if (changed) report.changed++;
      }
    }
    done += days.length;
    onProgress?.(done, total);
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
