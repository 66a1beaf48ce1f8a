// The attendance runner: after check-ins are stored, recompute the employee-shifts they fall
// in, inside the same transaction (a late or replayed punch corrects the record; a duplicate
// changes nothing). Which shift applies: an active assignment covering the date, else the
// employee's default shift, else the configured default.
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { DateTime } from 'luxon';
import { type Employee, findEmployeesByIds, lockEmployees } from '../store/employees.js';
import { attendanceSeries, seriesName, takeSeriesNumbersFor } from '../store/series.js';
import { type ShiftType, findShiftTypesByIds, findShiftTypesByNames } from '../store/shiftTypes.js';
import { type ShiftAssignment, assignmentsCoveringMany } from '../store/shiftAssignments.js';
import { holidaysAmong } from '../store/holidays.js';
import {
  type CheckinLog,
  type CheckinShift,
  type AttendanceRecord,
  attendanceKey,
  checkinLogsCountedIn,
  checkinsCountedIn,
  checkinsOfEmployeesBetween,
  deleteAttendance,
  findAttendanceByIds,
  findAttendanceMany,
  insertAttendance,
  insertAttendanceMany,
  linkCheckinsMany,
  unlinkCheckins,
  unlinkCheckinsOf,
  updateAttendanceMany,
} from '../store/attendance.js';
import { findCheckinsByIds } from '../store/punches.js';
import { transactionWithRetry } from '../store/transaction.js';
import { type PlannedShift, type ShiftOccurrence, type ShiftWindow, addDays, countsInShift, datesAround, datesAroundDay, occurrenceHolding, occurrencesOf } from './engine.js';
import { type EmployeeShift, type FinalRecordChange, type RecomputePlan, finalChanges, keyOf, linkTo, planRecompute } from './plan.js';
import { compositeKey } from '../store/keys.js';
import { holidayListFor } from './holidays.js';
import { localDateOf } from '../pipeline/time.js';

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
    private readonly now: Clock,
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
    return occurrenceHolding(this.occurrencesAround(book, employee, localDateOf(instant, this.settings.timeZone)), instant);
  }

  /** The employee's shifts that an instant on local date `day` can fall in (datesAroundDay), placed and trimmed. */
  private occurrencesAround(book: ShiftBook, employee: Employee, day: string): ShiftOccurrence<ShiftType>[] {
    return this.occurrences(book, employee, datesAroundDay(day));
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
    const prefix = attendanceSeries(window.date);
    return insertAttendance(
      trx,
      seriesName(prefix, (await takeSeriesNumbersFor(this.knex, trx, prefix, 1))[0]!),
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
    const days = checkins.map((c) => localDateOf(c.time, zone));
    let first = days[0]!;
    let last = first;
    for (const day of days) {
      if (day < first) first = day;
      if (day > last) last = day;
    }
    // A night shift started yesterday (whose neighbour started the day before), or a margin
    // reaching into tomorrow's shift.
    const book = await this.shiftsOf(trx, [...employees.values()], addDays(first, -2), addDays(last, 1));
    const shifts = new Map<string, EmployeeShift>();
    /** By position: the employee-shift each check-in counts in. */
    const keys: (string | undefined)[] = [];
    const unsaved: UnsavedLog[] = [];
    /** An employee's shifts around a local date, placed once for all of that day's check-ins (read, never changed). */
    const placed = new Map<string, ShiftOccurrence<ShiftType>[]>();
    for (const [n, c] of checkins.entries()) {
      const employee = employees.get(c.employeeId);
      if (!employee) continue;
      const day = days[n]!;
      const placedKey = `${employee.id}|${day}`;
      let around = placed.get(placedKey);
      if (!around) placed.set(placedKey, (around = this.occurrencesAround(book, employee, day)));
      const found = occurrenceHolding(around, c.time);
      if (!found) {
        // Only worth saying where the employee works shifts: outside them, not without them.
        if (this.plannedOn(book, employee, day).length) outcomes[n]!.noShift = true;
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
    // A check-in counted in another shift's final record stays there (HRMS keeps a log's shift once its attendance is marked).
    const { results, unsavedLinks } = await this.recomputeWith(trx, [...shifts.values()], { final: 'items', report: false }, unsaved);
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
    return (await this.recomputeWith(trx, items, { final: force ? 'all' : 'keep', report: false }, [])).results;
  }

  /**
   * recomputeMany that also says, per final record, what the recompute changed in it (`force`)
   * or would change (not forced: then it changes nothing final and moves no check-in out of a final record).
   */
  async recomputeReporting(trx: Knex.Transaction, items: EmployeeShift[], force: boolean): Promise<{ results: Map<string, { changed: boolean; record: AttendanceRecord | null }>; finalChanges: FinalRecordChange[] }> {
    const { results, finalChanges } = await this.recomputeWith(trx, items, { final: force ? 'all' : 'keep', report: true }, []);
    return { results, finalChanges };
  }

  /**
   * recomputeMany, also counting check-ins not inserted yet; the links for those are returned, not written.
   * `final`: which final records may change, and give up check-ins: none (`keep`), the items'
   * own (`items`: new check-ins in them), or all (`all`: forced). `report`: say what a forced
   * recompute changes (or would change) in final records.
   */
  private async recomputeWith(
    trx: Knex.Transaction,
    items: EmployeeShift[],
    mode: { final: 'keep' | 'items' | 'all'; report: boolean },
    unsaved: UnsavedLog[],
  ): Promise<{ results: Map<string, { changed: boolean; record: AttendanceRecord | null }>; unsavedLinks: Map<number, CheckinLink>; finalChanges: FinalRecordChange[] }> {
    const results = new Map<string, { changed: boolean; record: AttendanceRecord | null }>();
    const unsavedLinks = new Map<number, CheckinLink>();
    for (const i of items) if (!i.shift.enableAutoAttendance) results.set(keyOf(i), { changed: false, record: null });
    const auto = items.filter((i) => i.shift.enableAutoAttendance);
    if (auto.length === 0) return { results, unsavedLinks, finalChanges: [] };
    // A record is computed from all of its employee's check-ins: a concurrent transaction adding
    // one must commit first, or the later write would drop it (a lost update).
    await lockEmployees(trx, auto.map((i) => i.employee.id));
    const existing = await findAttendanceMany(trx, auto.map((i) => ({ employeeId: i.employee.id, date: i.window.date, shiftType: i.shift.name })));
    // Final records are read too: a recompute that may not change them says what it would.
    const starts = auto.map((i) => i.window.actualStart.getTime());
    const ends = auto.map((i) => i.window.actualEnd.getTime());
    const logsByEmployee = await checkinsOfEmployeesBetween(trx, auto.map((i) => i.employee.id), new Date(Math.min(...starts)), new Date(Math.max(...ends)));
    const joined = new Set<CheckinLog[]>();
    if (mode.report) {
      // The explicit recompute also reads what its records count now, out of every window too
      // (a shift's times changed), so nothing is left counted in a record it no longer belongs to.
      const linked = await checkinLogsCountedIn(trx, [...existing.values()].map((r) => r.id));
      for (const [employeeId, more] of linked) {
        const logs = logsByEmployee.get(employeeId) ?? [];
        const read = new Set(logs.map((l) => l.id));
        logs.push(...more.filter((l) => !read.has(l.id)));
        logsByEmployee.set(employeeId, logs);
        joined.add(logs);
      }
    }
    // Oldest first, as stored ones are read; the unsaved ones' ids sort after stored ones of the same second.
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
      auto.flatMap((i) => {
        const list = holidayListOf(i);
        return list ? [{ list, date: i.window.date }] : [];
      }),
    );
    const holidayOf = (item: EmployeeShift) => {
      const holidayList = holidayListOf(item);
      return holidayList !== null && holidays.has(compositeKey(holidayList, item.window.date));
    };

    // The final records concerned: the items' own, and those another shift's window now holds
    // check-ins of (the employee's shifts changed since; rarely any, and then no query).
    const finals = new Map([...existing.values()].filter((r) => r.finalized).map((r) => [r.id, r]));
    const known = new Set([...existing.values()].map((r) => r.id));
    const others = [...logsByEmployee.values()].flat().flatMap((l) => (l.attendanceId !== null && !known.has(l.attendanceId) ? [l.attendanceId] : []));
    for (const r of (await findAttendanceByIds(trx, others)).values()) if (r.finalized) finals.set(r.id, r);
    const kept = mode.final === 'all' ? new Map<number, AttendanceRecord>() : mode.final === 'items' ? new Map([...finals].filter(([id]) => !known.has(id))) : finals;
    const input = { items: auto, existing, logsByEmployee, holidayOf };
    const forced = planRecompute(input, null);
    const plan = kept.size === 0 ? forced : planRecompute(input, kept);
    let reported: FinalRecordChange[] = [];
    if (mode.report && finals.size > 0) {
      const counted = await checkinsCountedIn(trx, [...finals.keys()]);
      const arriving = [...forced.links].filter(([id, to]) => id < UNSAVED_ID && 'record' in to && finals.has(to.record.id)).map(([id]) => id);
      const names = new Map([...(await findCheckinsByIds(trx, arriving)).values()].map((c) => [c.id, c.name]));
      reported = finalChanges(forced, finals, new Map(auto.map((i) => [i.employee.id, i.employee])), counted, names, mode.final === 'all');
    }
    await this.write(trx, plan, results, unsavedLinks);
    return { results, unsavedLinks, finalChanges: reported };
  }

  /** Writes a plan: records changed, created and removed, then where each check-in is counted. */
  private async write(
    trx: Knex.Transaction,
    plan: RecomputePlan,
    results: Map<string, { changed: boolean; record: AttendanceRecord | null }>,
    unsavedLinks: Map<number, CheckinLink>,
  ): Promise<void> {
    const now = this.now();
    for (const [key, outcome] of plan.outcomes) results.set(key, outcome);
    await updateAttendanceMany(trx, plan.updates.map((u) => ({ name: u.record.name, fields: u.fields })), now);

    // New records: names from each year's series, then one insert.
    const names: string[] = [];
    const byPrefix = new Map<string, number[]>();
    plan.inserts.forEach((i, n) => {
      const prefix = attendanceSeries(i.fields.date);
      const group = byPrefix.get(prefix);
      if (group) group.push(n);
      else byPrefix.set(prefix, [n]);
    });
    for (const [prefix, group] of byPrefix) {
      const numbers = await takeSeriesNumbersFor(this.knex, trx, prefix, group.length);
      group.forEach((n, k) => (names[n] = seriesName(prefix, numbers[k]!)));
    }
    const created = await insertAttendanceMany(trx, plan.inserts.map((i, n) => ({ name: names[n]!, fields: i.fields })), now);
    const inserted = plan.inserts.map((i, n) => {
      const record = created.get(names[n]!)!;
      results.set(keyOf(i.item), { changed: true, record });
      return record;
    });

    // Check-ins: out of emptied records and those they no longer count in first, then into their records.
    await unlinkCheckinsOf(trx, plan.emptied.map((e) => e.record.id));
    await unlinkCheckins(trx, [...plan.unlinks]);
    const link = new Map<number, CheckinLink>();
    for (const [id, to] of plan.links) {
      const l = linkTo(to, 'record' in to ? to.record.id : inserted[to.insert]!.id);
      if (id >= UNSAVED_ID) unsavedLinks.set(id, l);
      else link.set(id, l);
    }
    await linkCheckinsMany(trx, link);
    await deleteAttendance(trx, plan.emptied.filter((e) => e.removed).map((e) => e.record.id));
  }
}

/** Loaded shift facts for a batch: assignments by employee, shift types by id and by name. */
export interface ShiftBook {
  assignments: Map<number, ShiftAssignment[]>;
  byId: Map<number, ShiftType>;
  byName: Map<string, ShiftType>;
}

/** Final records listed in a report at most; the count goes on. */
export const MAX_FINAL_CHANGES_LISTED = 1000;

export interface RecomputeReport {
  employeeShifts: number;
  changed: number;
  /** Final records were changed too. */
  forced: boolean;
  /** Final records the recompute changed (forced) or would change (not forced), the first MAX_FINAL_CHANGES_LISTED. */
  finalChanges: FinalRecordChange[];
  finalChangesTotal: number;
}

/**
 * Recomputes every employee-shift starting in [from, to] (YYYY-MM-DD): the explicit command.
 * Open records are recomputed; a final one only with `force`, and without it the report says
 * what would change in it. Idempotent: a second run changes nothing.
 */
export async function recomputeRange(
  knex: Knex,
  runner: AttendanceRunner,
  zone: string,
  range: { from: string; to: string; employees: Employee[]; force: boolean },
  onProgress?: (done: number, total: number) => void,
): Promise<RecomputeReport> {
  const days: string[] = [];
  for (let d = DateTime.fromISO(range.from); d.toISODate()! <= range.to; d = d.plus({ days: 1 })) days.push(d.toISODate()!);
  const total = days.length * range.employees.length;
  const report: RecomputeReport = { employeeShifts: 0, changed: 0, forced: range.force, finalChanges: [], finalChangesTotal: 0 };
  let done = 0;
  // One transaction per employee: the whole range's records of one person change together.
  for (const employee of range.employees) {
    // A day's windows are trimmed against the shifts of the days beside it.
    const book = await runner.shiftsOf(knex, [employee], addDays(range.from, -1), addDays(range.to, 1));
    const items = days.flatMap((date) => runner.occurrencesOn(book, employee, date).map((o) => ({ employee, shift: o.shift, window: o.window })));
    if (items.length) {
      const { results, finalChanges } = await transactionWithRetry(knex, (trx) => runner.recomputeReporting(trx, items, range.force));
      for (const { changed, record } of results.values()) {
        if (record) report.employeeShifts++;
        if (changed) report.changed++;
      }
      report.finalChangesTotal += finalChanges.length;
      report.finalChanges.push(...finalChanges.slice(0, MAX_FINAL_CHANGES_LISTED - report.finalChanges.length));
    }
    done += days.length;
    onProgress?.(done, total);
  }
  return report;
}
