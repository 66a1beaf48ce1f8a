// What a recompute of employee-shifts does, worked out before anything is written: which records
// change, are created or removed, and where each check-in is counted. Pure (the runner reads and
// writes), so the same reads give both what a forced recompute would do to final records and
// what an ordinary one does, and the first can be reported without being done.
import type { Employee } from '../store/employees.js';
import type { ShiftType } from '../store/shiftTypes.js';
import { type AttendanceFields, type AttendanceRecord, type CheckinLog, type CheckinShift, attendanceKey, countedAt } from '../store/attendance.js';
import { type ShiftWindow, computeAttendance, windowHolds } from './engine.js';

/** One employee's shift on one date, to recompute. */
export interface EmployeeShift {
  employee: Employee;
  shift: ShiftType;
  window: ShiftWindow;
}

/** Where a check-in is counted: an existing record, or the n-th record the plan inserts. */
export type CountedIn = { item: EmployeeShift; record: AttendanceRecord } | { item: EmployeeShift; insert: number };

export interface RecomputePlan {
  /** By employee-shift key: whether its record changes, and the record (null while it is to be inserted, or once removed). */
  outcomes: Map<string, { changed: boolean; record: AttendanceRecord | null }>;
  updates: { record: AttendanceRecord; fields: AttendanceFields }[];
  inserts: { item: EmployeeShift; fields: AttendanceFields }[];
  /**
   * Records made from check-ins none of which counts any more (a log type a strict shift needs,
   * a holiday, a window that moved): an open one is removed (the finalizing pass marks the day
   * when it is due), a final one becomes Absent (its day is settled), or is removed on a holiday.
   */
  emptied: { record: AttendanceRecord; removed: boolean }[];
  /** Check-in id → where it is counted, for those not counted there already. */
  links: Map<number, CountedIn>;
  /** Check-ins counted in a recomputed record that count in none now. */
  unlinks: Set<number>;
}

export interface PlanInput {
  items: EmployeeShift[];
  /** The items' records, by attendanceKey. */
  existing: Map<string, AttendanceRecord>;
  /** Each employee's check-ins over the items' windows, oldest first. */
  logsByEmployee: Map<number, CheckinLog[]>;
  holidayOf: (item: EmployeeShift) => boolean;
}

export const keyOf = (i: EmployeeShift) => attendanceKey(i.employee.id, i.window.date, i.shift.name);

/**
 * The plan. The final records in `keepFinal` stay as they are, and the check-ins counted in
 * them stay there, as HRMS keeps a log's shift once its attendance is marked; null (or the
 * others): final records are recomputed like open ones (forced).
 */
export function planRecompute(input: PlanInput, keepFinal: ReadonlyMap<number, AttendanceRecord> | null): RecomputePlan {
  const plan: RecomputePlan = { outcomes: new Map(), updates: [], inserts: [], emptied: [], links: new Map(), unlinks: new Set() };
  const counted = new Map<number, CountedIn>();
  const recomputed = new Set<number>();
  for (const item of input.items) {
    const key = keyOf(item);
    const record = input.existing.get(key) ?? null;
    if (record && keepFinal?.has(record.id)) {
      plan.outcomes.set(key, { changed: false, record });
      continue;
    }
    const all = input.logsByEmployee.get(item.employee.id) ?? [];
    const kept = (l: CheckinLog) => keepFinal !== null && l.attendanceId !== null && keepFinal.has(l.attendanceId);
    const logs = all.filter((l) => !l.skip && windowHolds(item.window, l.time.getTime()) && !kept(l));
    const result = computeAttendance(item.shift, item.window, logs, input.holidayOf(item));
    if (record) recomputed.add(record.id);
    if (!result) {
      // A record nothing was counted in (an Absent the finalizing pass marked) stays.
      if (!record || !all.some((l) => l.attendanceId === record.id)) {
        plan.outcomes.set(key, { changed: false, record });
        continue;
      }
      const removed = !record.finalized || input.holidayOf(item);
      if (removed) {
        plan.outcomes.set(key, { changed: true, record: null });
      } else {
        const fields: AttendanceFields = { ...record, status: 'Absent', workingHours: 0, inTime: null, outTime: null, lateEntry: false, earlyExit: false };
        plan.updates.push({ record, fields });
        plan.outcomes.set(key, { changed: true, record: { ...record, ...fields } });
      }
      plan.emptied.push({ record, removed });
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
      const insert = plan.inserts.push({ item, fields }) - 1;
      plan.outcomes.set(key, { changed: true, record: null });
      for (const id of result.checkinIds) counted.set(id, { item, insert });
      continue;
    }
    const changed = !sameAttendance(record, fields);
    if (changed) plan.updates.push({ record, fields });
    plan.outcomes.set(key, { changed, record: { ...record, ...fields } });
    // In item order: a check-in two items count (none should) ends in the last, as before.
    for (const id of result.checkinIds) counted.set(id, { item, record });
  }
  for (const l of [...input.logsByEmployee.values()].flat()) {
    const target = counted.get(l.id);
    if (target) {
      if (!('record' in target) || !countedAt(l, linkTo(target, target.record.id))) plan.links.set(l.id, target);
    } else if (l.attendanceId !== null && recomputed.has(l.attendanceId)) {
      plan.unlinks.add(l.id);
    }
  }
  return plan;
}

/** The columns that say a check-in is counted in record `attendanceId` of the target's shift. */
export function linkTo(target: CountedIn, attendanceId: number): CheckinShift {
  const w = target.item.window;
  return { attendanceId, shiftType: target.item.shift.name, shiftStart: w.start, shiftEnd: w.end, shiftActualStart: w.actualStart, shiftActualEnd: w.actualEnd };
}

/** What a recompute does (forced) or would do (not forced) to a final record. */
export interface FinalRecordChange {
  employee: Employee;
  /** The record as it stood. */
  record: AttendanceRecord;
  /** What it becomes; null: removed (nothing counts in it, on a holiday). */
  after: AttendanceFields | null;
  /** Names of the check-ins counted in it, before and after. */
  checkinsBefore: string[];
  checkinsAfter: string[];
  /** Done (forced), or only reported. */
  applied: boolean;
}

/**
 * What the forced plan does to each final record, where it changes anything: its fields, or the
 * check-ins counted in it (those moving to another record or to none, and those arriving).
 * `counted`: the check-ins counted in each final record now; `names`: names of the others the plan moves.
 */
export function finalChanges(
  forced: RecomputePlan,
  finals: ReadonlyMap<number, AttendanceRecord>,
  employees: ReadonlyMap<number, Employee>,
  counted: ReadonlyMap<number, { id: number; name: string }[]>,
  names: ReadonlyMap<number, string>,
  applied: boolean,
): FinalRecordChange[] {
  const updated = new Map(forced.updates.map((u) => [u.record.id, u.fields]));
  const emptied = new Map(forced.emptied.map((e) => [e.record.id, e]));
  const changes: FinalRecordChange[] = [];
  for (const record of finals.values()) {
    const employee = employees.get(record.employeeId);
    if (!employee) continue;
    const removed = emptied.get(record.id)?.removed ?? false;
    const before = counted.get(record.id) ?? [];
    const stays = (id: number) => {
      if (emptied.has(record.id) || forced.unlinks.has(id)) return false;
      const to = forced.links.get(id);
      return !to || ('record' in to && to.record.id === record.id);
    };
    const arriving = [...forced.links].filter(([id, to]) => 'record' in to && to.record.id === record.id && !before.some((c) => c.id === id)).map(([id]) => names.get(id) ?? `#${id}`);
    const after = removed ? null : (updated.get(record.id) ?? record);
    const checkinsBefore = before.map((c) => c.name);
    const checkinsAfter = removed ? [] : [...before.filter((c) => stays(c.id)).map((c) => c.name), ...arriving];
    const sameCheckins = checkinsBefore.length === checkinsAfter.length && checkinsBefore.every((n) => checkinsAfter.includes(n));
    if (after && sameAttendance(record, after) && sameCheckins) continue;
    changes.push({ employee, record, after, checkinsBefore, checkinsAfter, applied });
  }
  return changes;
}

export function sameAttendance(a: AttendanceRecord, b: Omit<AttendanceRecord, 'id' | 'name'>): boolean {
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
