// attendance: one record per employee, date and shift, and where each check-in is counted (the
// check-ins' attendance and shift columns); the only place with their SQL.
import type { Knex } from 'knex';
import { type Listed, type Window, listPaged } from './list.js';
import { chunks } from './chunks.js';
import { fromDbInstant, toDbInstant } from './time.js';
import { compositeKey } from './keys.js';
import { insertReturning, upsertRows } from './direct.js';

/** HRMS's statuses that punches make; a holiday makes no record (see computeAttendance). */
export type AttendanceStatus = 'Present' | 'Half Day' | 'Absent';

export interface AttendanceRecord {
  id: number;
  name: string;
  employeeId: number;
  date: string;
  shiftType: string | null;
  status: AttendanceStatus | 'Absent';
  workingHours: number;
  inTime: Date | null;
  outTime: Date | null;
  lateEntry: boolean;
  earlyExit: boolean;
  finalized: boolean;
  shiftEnd: Date | null;
}

interface AttendanceRow {
  id: number;
  name: string;
  employee_id: number;
  attendance_date: string;
  shift_type: string | null;
  status: AttendanceStatus;
  working_hours: number;
  in_time: string | null;
  out_time: string | null;
  late_entry: number | boolean;
  early_exit: number | boolean;
  finalized: number | boolean;
  shift_end: string | null;
}

function attendanceFromRow(r: AttendanceRow): AttendanceRecord {
  return {
    id: Number(r.id),
    name: r.name,
    employeeId: Number(r.employee_id),
    date: r.attendance_date,
    shiftType: r.shift_type,
    status: r.status,
    workingHours: Number(r.working_hours),
    inTime: fromDbInstant(r.in_time),
    outTime: fromDbInstant(r.out_time),
    lateEntry: Boolean(r.late_entry),
    earlyExit: Boolean(r.early_exit),
    finalized: Boolean(r.finalized),
    shiftEnd: fromDbInstant(r.shift_end),
  };
}

/** One employee's record of one shift on one date (HRMS keeps one per shift). */
export const attendanceKey = (employeeId: number, date: string, shiftType: string | null) => compositeKey(employeeId, date, shiftType ?? '');

/** The records of an employee on a date, one per shift. */
export async function findAttendanceOn(knex: Knex, employeeId: number, date: string): Promise<AttendanceRecord[]> {
  const rows = (await knex('attendance').where({ employee_id: employeeId, attendance_date: date }).orderBy('id')) as AttendanceRow[];
  return rows.map(attendanceFromRow);
}

/** The records of these employee-shifts, keyed by attendanceKey. */
export async function findAttendanceMany(knex: Knex, keys: { employeeId: number; date: string; shiftType: string }[]): Promise<Map<string, AttendanceRecord>> {
  const found = new Map<string, AttendanceRecord>();
  const wanted = new Set(keys.map((k) => attendanceKey(k.employeeId, k.date, k.shiftType)));
  for (const part of chunks(keys, 500)) {
    const rows = (await knex('attendance')
      .whereIn('employee_id', [...new Set(part.map((k) => k.employeeId))])
      .whereIn('attendance_date', [...new Set(part.map((k) => k.date))])) as AttendanceRow[];
    for (const a of rows.map(attendanceFromRow)) {
      const key = attendanceKey(a.employeeId, a.date, a.shiftType);
      if (wanted.has(key)) found.set(key, a);
    }
  }
  return found;
}

/** Records by id. */
export async function findAttendanceByIds(knex: Knex, ids: number[]): Promise<Map<number, AttendanceRecord>> {
  const found = new Map<number, AttendanceRecord>();
  for (const part of chunks([...new Set(ids)], 500)) {
    for (const a of ((await knex('attendance').whereIn('id', part)) as AttendanceRow[]).map(attendanceFromRow)) found.set(a.id, a);
  }
  return found;
}

/** Removes records (nothing counts in them any more); their check-ins must be unlinked first. */
export async function deleteAttendance(knex: Knex, ids: number[]): Promise<void> {
  for (const part of chunks([...new Set(ids)], 500)) await knex('attendance').whereIn('id', part).del();
}

export type AttendanceFields = Omit<AttendanceRecord, 'id' | 'name'>;

function attendanceToRow(a: AttendanceFields): Record<string, unknown> {
  return {
    employee_id: a.employeeId,
    attendance_date: a.date,
    shift_type: a.shiftType,
    status: a.status,
    working_hours: a.workingHours,
    in_time: a.inTime ? toDbInstant(a.inTime) : null,
    out_time: a.outTime ? toDbInstant(a.outTime) : null,
    late_entry: a.lateEntry,
    early_exit: a.earlyExit,
    finalized: a.finalized,
    shift_end: a.shiftEnd ? toDbInstant(a.shiftEnd) : null,
  };
}

export async function insertAttendance(knex: Knex, name: string, a: AttendanceFields, at: Date): Promise<AttendanceRecord> {
  await knex('attendance').insert({ name, ...attendanceToRow(a), created_at: toDbInstant(at), updated_at: toDbInstant(at) });
  return attendanceFromRow((await knex('attendance').where({ name }).first()) as AttendanceRow);
}

/** New records (names already taken from the series), in one statement; returns them with their ids, by name. */
export async function insertAttendanceMany(knex: Knex, records: { name: string; fields: AttendanceFields }[], at: Date): Promise<Map<string, AttendanceRecord>> {
  const found = new Map<string, AttendanceRecord>();
  for (const part of chunks(records, 200)) {
    const returned = await insertReturning<AttendanceRow>(knex, 'attendance', part.map((r) => ({ name: r.name, ...attendanceToRow(r.fields), created_at: toDbInstant(at), updated_at: toDbInstant(at) })));
    const rows = returned ?? ((await knex('attendance').whereIn('name', part.map((r) => r.name))) as AttendanceRow[]);
    for (const a of rows.map(attendanceFromRow)) found.set(a.name, a);
  }
  return found;
}

/** Changes many existing records in one statement per 200 (an upsert on the name that only ever hits). */
export async function updateAttendanceMany(knex: Knex, changes: { name: string; fields: AttendanceFields }[], at: Date): Promise<void> {
  for (const part of chunks(changes, 200)) {
    const rows = part.map((c) => ({ name: c.name, ...attendanceToRow(c.fields), created_at: toDbInstant(at), updated_at: toDbInstant(at) }));
    const columns = Object.keys(rows[0]!).filter((k) => k !== 'name' && k !== 'created_at' && k !== 'employee_id' && k !== 'attendance_date' && k !== 'shift_type');
    await upsertRows(knex, 'attendance', rows, ['name'], columns);
  }
}

/** Where a check-in is counted: its record, and the shift it falls in with that shift's window (HRMS's fields). */
export interface CheckinShift {
  attendanceId: number;
  shiftType: string;
  shiftStart: Date;
  shiftEnd: Date;
  shiftActualStart: Date;
  shiftActualEnd: Date;
}

const CHECKIN_SHIFT_COLUMNS = {
  attendance_id: (l: CheckinShift) => l.attendanceId,
  shift_type: (l: CheckinShift) => l.shiftType,
  shift_start: (l: CheckinShift) => toDbInstant(l.shiftStart),
  shift_end: (l: CheckinShift) => toDbInstant(l.shiftEnd),
  shift_actual_start: (l: CheckinShift) => toDbInstant(l.shiftActualStart),
  shift_actual_end: (l: CheckinShift) => toDbInstant(l.shiftActualEnd),
};

/** The columns of a check-in that say where it is counted. */
export function checkinShiftRow(l: CheckinShift | null | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(CHECKIN_SHIFT_COLUMNS).map(([column, value]) => [column, l ? value(l) : null]));
}

/** Points each check-in at its record and shift, for many at once (one statement per 500 check-ins). */
export async function linkCheckinsMany(knex: Knex, links: Map<number, CheckinShift>): Promise<void> {
  for (const part of chunks([...links.entries()], 500)) {
    const ids = part.map(([id]) => id);
    const cases = part.map(() => 'WHEN ? THEN ?').join(' ');
    const update = Object.fromEntries(
      Object.entries(CHECKIN_SHIFT_COLUMNS).map(([column, value]) => [column, knex.raw(`CASE id ${cases} END`, part.flatMap(([id, l]) => [id, value(l)]))]),
    );
    await knex('checkins').whereIn('id', ids).update(update);
  }
}

/** Check-ins no longer counted in any record: their record and shift cleared. */
export async function unlinkCheckins(knex: Knex, ids: number[]): Promise<void> {
  for (const part of chunks([...new Set(ids)], 500)) await knex('checkins').whereIn('id', part).update(checkinShiftRow(null));
}

/** Every check-in counted in these records, cleared (before the records are removed or emptied). */
export async function unlinkCheckinsOf(knex: Knex, attendanceIds: number[]): Promise<void> {
  for (const part of chunks([...new Set(attendanceIds)], 500)) await knex('checkins').whereIn('attendance_id', part).update(checkinShiftRow(null));
}

/** The check-ins counted in these records (id and name), by record id, oldest first. */
export async function checkinsCountedIn(knex: Knex, attendanceIds: number[]): Promise<Map<number, { id: number; name: string }[]>> {
  const found = new Map<number, { id: number; name: string }[]>();
  for (const part of chunks([...new Set(attendanceIds)], 500)) {
    const rows = (await knex('checkins').whereIn('attendance_id', part).orderBy('time').orderBy('id').select('id', 'name', 'attendance_id')) as { id: number; name: string; attendance_id: number }[];
    for (const r of rows) found.set(Number(r.attendance_id), [...(found.get(Number(r.attendance_id)) ?? []), { id: Number(r.id), name: r.name }]);
  }
  return found;
}

/** Whether a stored check-in is counted where `l` says already. */
export function countedAt(c: CheckinLog, l: CheckinShift): boolean {
  const same = (a: Date | null, b: Date) => a !== null && Math.floor(a.getTime() / 1000) === Math.floor(b.getTime() / 1000);
  return c.attendanceId === l.attendanceId && c.shiftType === l.shiftType && same(c.shiftActualStart, l.shiftActualStart) && same(c.shiftActualEnd, l.shiftActualEnd) && same(c.shiftStart, l.shiftStart) && same(c.shiftEnd, l.shiftEnd);
}

export interface AttendanceFilter {
  employeeId?: number;
  from?: string;
  to?: string;
  status?: string;
}

export function listAttendance(knex: Knex, filter: AttendanceFilter, window: Window): Promise<Listed<AttendanceRecord>> {
  const q = knex('attendance').select('*');
  if (filter.employeeId !== undefined) q.where('employee_id', filter.employeeId);
  if (filter.from) q.where('attendance_date', '>=', filter.from);
  if (filter.to) q.where('attendance_date', '<=', filter.to);
  if (filter.status) q.where('status', filter.status);
  return listPaged(q, window, [{ column: 'attendance_date', order: 'asc' }, { column: 'employee_id', order: 'asc' }], attendanceFromRow);
}

/** A check-in as a recompute reads it: with the record it is counted in. */
export interface CheckinLog {
  id: number;
  time: Date;
  logType: 'IN' | 'OUT' | 'AUTO';
  skip: boolean;
  attendanceId: number | null;
  shiftType: string | null;
  shiftStart: Date | null;
  shiftEnd: Date | null;
  shiftActualStart: Date | null;
  shiftActualEnd: Date | null;
}

const CHECKIN_LOG_COLUMNS = ['id', 'employee_id', 'time', 'log_type', 'skip_auto_attendance', 'attendance_id', 'shift_type', 'shift_start', 'shift_end', 'shift_actual_start', 'shift_actual_end'];

interface CheckinLogRow {
  id: number;
  employee_id: number;
  time: string;
  log_type: 'IN' | 'OUT' | 'AUTO';
  skip_auto_attendance: number | boolean;
  attendance_id: number | null;
  shift_type: string | null;
  shift_start: string | null;
  shift_end: string | null;
  shift_actual_start: string | null;
  shift_actual_end: string | null;
}

/** Rows (oldest first) into `found`, by employee. */
function addCheckinLogs(found: Map<number, CheckinLog[]>, rows: CheckinLogRow[]): void {
  for (const r of rows) {
    const list = found.get(Number(r.employee_id)) ?? [];
    list.push({
      id: Number(r.id),
      time: fromDbInstant(r.time),
      logType: r.log_type,
      skip: Boolean(r.skip_auto_attendance),
      attendanceId: r.attendance_id === null ? null : Number(r.attendance_id),
      shiftType: r.shift_type,
      shiftStart: fromDbInstant(r.shift_start),
      shiftEnd: fromDbInstant(r.shift_end),
      shiftActualStart: fromDbInstant(r.shift_actual_start),
      shiftActualEnd: fromDbInstant(r.shift_actual_end),
    });
    found.set(Number(r.employee_id), list);
  }
}

/** Check-ins of these employees in [from, to], oldest first, by employee; with the record each is counted in. */
export async function checkinsOfEmployeesBetween(
  knex: Knex,
  employeeIds: number[],
  from: Date,
  to: Date,
): Promise<Map<number, CheckinLog[]>> {
  const found = new Map<number, CheckinLog[]>();
  for (const ids of chunks([...new Set(employeeIds)], 500)) {
    const rows = (await knex('checkins')
      .whereIn('employee_id', ids)
      .whereBetween('time', [toDbInstant(from), toDbInstant(to)])
      .orderBy('time')
      .orderBy('id')
      .select(CHECKIN_LOG_COLUMNS)) as CheckinLogRow[];
    addCheckinLogs(found, rows);
  }
  return found;
}

/** The check-ins counted in these records, wherever their time lies now, oldest first, by employee. */
export async function checkinLogsCountedIn(knex: Knex, attendanceIds: number[]): Promise<Map<number, CheckinLog[]>> {
  const found = new Map<number, CheckinLog[]>();
  for (const ids of chunks([...new Set(attendanceIds)], 500)) {
    addCheckinLogs(found, (await knex('checkins').whereIn('attendance_id', ids).orderBy('time').orderBy('id').select(CHECKIN_LOG_COLUMNS)) as CheckinLogRow[]);
  }
  return found;
}

/** Open (not finalized) records whose shift window closed before `before`. */
export async function openAttendanceEndedBefore(knex: Knex, before: Date, limit: number): Promise<AttendanceRecord[]> {
  const rows = (await knex('attendance').where({ finalized: false }).where('shift_end', '<', toDbInstant(before)).orderBy('shift_end').limit(limit)) as AttendanceRow[];
  return rows.map(attendanceFromRow);
}

/** Marks records final, one statement for them all (a pass after downtime finalizes thousands). */
export async function finalizeAttendance(knex: Knex, ids: number[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await knex('attendance').whereIn('id', ids).update({ finalized: true, updated_at: toDbInstant(at) });
}

/** The latest heartbeat of each registered device an employee punched on since `since`; unregistered sources (JSON clients) are left out. */
export async function feedingDevicesLastSeen(knex: Knex, employeeId: number, since: Date): Promise<(Date | null)[]> {
  const rows = (await knex('punches')
    .join('devices', 'devices.serial', 'punches.device_serial')
    .where('punches.employee_id', employeeId)
    .where('punches.punched_at', '>=', toDbInstant(since))
    .distinct('devices.serial', 'devices.last_seen_at')) as { serial: string; last_seen_at: string | null }[];
  return rows.map((r) => fromDbInstant(r.last_seen_at));
}

export interface AttendanceSummaryRow {
  employeeId: number;
  present: number;
  halfDay: number;
  absent: number;
  lateEntries: number;
  earlyExits: number;
  workingHours: number;
}

/** The dates in [from, to] on which these employees have any record, by employee. */
export async function attendanceDatesOf(knex: Knex, employeeIds: number[], from: string, to: string): Promise<Map<number, Set<string>>> {
  const found = new Map<number, Set<string>>();
  for (const ids of chunks([...new Set(employeeIds)], 500)) {
    const rows = (await knex('attendance').whereIn('employee_id', ids).whereBetween('attendance_date', [from, to]).distinct('employee_id', 'attendance_date')) as { employee_id: number; attendance_date: string }[];
    for (const r of rows) found.set(Number(r.employee_id), (found.get(Number(r.employee_id)) ?? new Set()).add(r.attendance_date));
  }
  return found;
}

/** Per employee over [from, to]: days by status, late entries, early exits, total hours (holidays: see ShiftService.summary). */
export async function summarizeAttendance(knex: Knex, from: string, to: string, employeeId?: number): Promise<AttendanceSummaryRow[]> {
  const count = (cond: string) => knex.raw(`SUM(CASE WHEN ${cond} THEN 1 ELSE 0 END)`);
  const q = knex('attendance')
    .where('attendance_date', '>=', from)
    .where('attendance_date', '<=', to)
    .groupBy('employee_id')
    .orderBy('employee_id')
    .select({
      employee_id: 'employee_id',
      present: count("status = 'Present'"),
      half_day: count("status = 'Half Day'"),
      absent: count("status = 'Absent'"),
      late: count('late_entry = 1'),
      early: count('early_exit = 1'),
      hours: knex.raw('SUM(working_hours)'),
    });
  if (employeeId !== undefined) q.where('employee_id', employeeId);
  const rows = (await q) as Record<string, number | string | null>[];
  return rows.map((r) => ({
    employeeId: Number(r.employee_id),
    present: Number(r.present ?? 0),
    halfDay: Number(r.half_day ?? 0),
    absent: Number(r.absent ?? 0),
    lateEntries: Number(r.late ?? 0),
    earlyExits: Number(r.early ?? 0),
    workingHours: Math.round(Number(r.hours ?? 0) * 100) / 100,
  }));
}
