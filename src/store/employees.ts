// employees: the only place that reads or writes the table.
import type { Knex } from 'knex';
import { chunks } from './chunks.js';
import { isMysql } from './db.js';
import { type Listed, type Window, listPaged, whereContains } from './list.js';
import { fromDbInstant, toDbInstant } from './time.js';
import { compositeKey } from './keys.js';
import { selectByTuples } from './direct.js';

export const EMPLOYEE_STATUSES = ['Active', 'Inactive', 'Left'] as const;
export type EmployeeStatus = (typeof EMPLOYEE_STATUSES)[number];

export interface EmployeeFields {
  /** The human id, EMP-00001. */
  employee: string;
  name: string;
  site: string;
  attendanceDeviceId: string | null;
  status: EmployeeStatus;
  defaultShift: string | null;
  /** YYYY-MM-DD; null: unknown (Absent then counts from the day the row was created). */
  dateOfJoining: string | null;
  /** YYYY-MM-DD, the last day worked; null: not leaving. */
  relievingDate: string | null;
  /** Holidays where the employee's shift names no list (HRMS's Employee.holiday_list). */
  holidayList: string | null;
}

export interface Employee extends EmployeeFields {
  id: number;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  id: number;
  employee: string;
  name: string;
  site: string;
  attendance_device_id: string | null;
  status: EmployeeStatus;
  default_shift: string | null;
  date_of_joining: string | null;
  relieving_date: string | null;
  holiday_list: string | null;
  created_at: string;
  updated_at: string;
}

function fromRow(r: Row): Employee {
  return {
    id: Number(r.id),
    employee: r.employee,
    name: r.name,
    site: r.site,
    attendanceDeviceId: r.attendance_device_id,
    status: r.status,
    defaultShift: r.default_shift,
    dateOfJoining: r.date_of_joining ?? null,
    relievingDate: r.relieving_date ?? null,
    holidayList: r.holiday_list ?? null,
    createdAt: fromDbInstant(r.created_at),
    updatedAt: fromDbInstant(r.updated_at),
  };
}

function toRow(f: Partial<EmployeeFields>): Partial<Row> {
  const row: Partial<Row> = {};
  if (f.employee !== undefined) row.employee = f.employee;
  if (f.name !== undefined) row.name = f.name;
  if (f.site !== undefined) row.site = f.site;
  if (f.attendanceDeviceId !== undefined) row.attendance_device_id = f.attendanceDeviceId;
  if (f.status !== undefined) row.status = f.status;
  if (f.defaultShift !== undefined) row.default_shift = f.defaultShift;
  if (f.dateOfJoining !== undefined) row.date_of_joining = f.dateOfJoining;
  if (f.relievingDate !== undefined) row.relieving_date = f.relievingDate;
  if (f.holidayList !== undefined) row.holiday_list = f.holidayList;
  return row;
}

export async function insertEmployee(knex: Knex, fields: EmployeeFields, at: Date): Promise<Employee> {
  await knex('employees').insert({ ...toRow(fields), created_at: toDbInstant(at), updated_at: toDbInstant(at) });
  return (await findEmployee(knex, fields.employee))!;
}

/** Bulk setup leaves the dates and holiday list unset. */
export type BulkEmployeeFields = Omit<EmployeeFields, 'dateOfJoining' | 'relievingDate' | 'holidayList'> & Partial<EmployeeFields>;

/** Many employees at once (bulk setup: the benchmark); returns their ids, in order. */
export async function insertEmployees(knex: Knex, list: BulkEmployeeFields[], at: Date): Promise<number[]> {
  const ids = new Map<string, number>();
  for (const part of chunks(list, 500)) {
    await knex('employees').insert(part.map((f) => ({ ...toRow(f), created_at: toDbInstant(at), updated_at: toDbInstant(at) })));
    const rows = (await knex('employees').whereIn('employee', part.map((f) => f.employee)).select('id', 'employee')) as { id: number; employee: string }[];
    for (const r of rows) ids.set(r.employee, Number(r.id));
  }
  return list.map((f) => ids.get(f.employee)!);
}

export async function updateEmployee(knex: Knex, id: number, fields: Partial<EmployeeFields>, at: Date): Promise<void> {
  await knex('employees').where({ id }).update({ ...toRow(fields), updated_at: toDbInstant(at) });
}

/** By human id (EMP-00001). */
export async function findEmployee(knex: Knex, employee: string): Promise<Employee | null> {
  const row = (await knex('employees').where({ employee }).first()) as Row | undefined;
  return row ? fromRow(row) : null;
}

export async function findEmployeesByIds(knex: Knex, ids: number[]): Promise<Map<number, Employee>> {
  const found = new Map<number, Employee>();
  if (ids.length === 0) return found;
  for (const r of (await knex('employees').whereIn('id', [...new Set(ids)])) as Row[]) found.set(Number(r.id), fromRow(r));
  return found;
}

/**
 * Locks these employees' rows until the transaction ends (MySQL; SQLite has one writer), in
 * id order so two transactions never wait on each other in a circle. What is read after it
 * (with READ COMMITTED, see db.ts) includes everything a transaction that held them committed.
 */
export async function lockEmployees(trx: Knex.Transaction, ids: number[]): Promise<void> {
  if (ids.length === 0 || !isMysql(trx)) return;
  for (const part of chunks([...new Set(ids)].sort((a, b) => a - b), 500)) {
    await trx('employees').whereIn('id', part).orderBy('id').forUpdate().select('id');
  }
}

export async function findEmployeeByDeviceId(knex: Knex, site: string, attendanceDeviceId: string): Promise<Employee | null> {
  const row = (await knex('employees').where({ site, attendance_device_id: attendanceDeviceId }).first()) as Row | undefined;
  return row ? fromRow(row) : null;
}

/** Employees by (site, attendance_device_id), keyed compositeKey(site, id). */
export async function findEmployeesByDeviceIds(knex: Knex, pairs: [string, string][]): Promise<Map<string, Employee>> {
  const found = new Map<string, Employee>();
  if (pairs.length === 0) return found;
  const unique = [...new Map(pairs.map((p) => [compositeKey(p[0], p[1]), p])).values()];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await selectByTuples<Row>(knex, 'employees', ['site', 'attendance_device_id'], unique.slice(i, i + 500));
    for (const r of rows) found.set(compositeKey(r.site, String(r.attendance_device_id)), fromRow(r));
  }
  return found;
}

export interface EmployeeFilter {
  status?: EmployeeStatus;
  site?: string;
  attendanceDeviceId?: string;
  search?: string;
}

export function listEmployees(knex: Knex, filter: EmployeeFilter, window: Window): Promise<Listed<Employee>> {
  const q = knex('employees').select('*');
  if (filter.status) q.where('status', filter.status);
  if (filter.site) q.where('site', filter.site);
  if (filter.attendanceDeviceId) q.where('attendance_device_id', filter.attendanceDeviceId);
  // The search: the employee id, the name or the biometric id (attendance_device_id).
  whereContains(q, ['employee', 'name', 'attendance_device_id'], filter.search);
  return listPaged(q, window, [{ column: 'id', order: 'asc' }], fromRow);
}

/** The latest updated_at of any employee; null when there are none. */
/** Ids of every employee Absent marking can concern: all but the Inactive (one who Left counts up to relieving). */
export async function employeeIdsNotInactive(knex: Knex): Promise<number[]> {
  const rows = (await knex('employees').whereNot({ status: 'Inactive' }).select('id')) as { id: number }[];
  return rows.map((r) => Number(r.id));
}

export async function lastEmployeeChange(knex: Knex): Promise<Date | null> {
  const row = (await knex('employees').max({ at: 'updated_at' }).first()) as { at: string | null } | undefined;
  return row?.at ? fromDbInstant(row.at) : null;
}

/** Employees updated (or created) at or after `since`. */
export async function employeesUpdatedSince(knex: Knex, since: Date): Promise<Employee[]> {
  return ((await knex('employees').where('updated_at', '>=', toDbInstant(since))) as Row[]).map(fromRow);
}

export async function employeeIdExists(knex: Knex, employee: string): Promise<boolean> {
  return (await knex('employees').where({ employee }).first('id')) !== undefined;
}
