// shift_assignments: which shift type an employee works over a range of dates; the only place
// with their SQL.
import type { Knex } from 'knex';
import { type Listed, type Window, listPaged } from './list.js';
import { chunks } from './chunks.js';
import { toDbInstant } from './time.js';

export interface ShiftAssignment {
  id: number;
  employeeId: number;
  shiftTypeId: number;
  startDate: string;
  endDate: string | null;
  status: 'Active' | 'Inactive';
}

interface AssignmentRow {
  id: number;
  employee_id: number;
  shift_type_id: number;
  start_date: string;
  end_date: string | null;
  status: 'Active' | 'Inactive';
}

function assignmentFromRow(r: AssignmentRow): ShiftAssignment {
  return { id: Number(r.id), employeeId: Number(r.employee_id), shiftTypeId: Number(r.shift_type_id), startDate: r.start_date, endDate: r.end_date, status: r.status };
}

export async function insertAssignment(knex: Knex, a: Omit<ShiftAssignment, 'id'>, at: Date): Promise<ShiftAssignment> {
  const [id] = await knex('shift_assignments').insert({
    employee_id: a.employeeId,
    shift_type_id: a.shiftTypeId,
    start_date: a.startDate,
    end_date: a.endDate,
    status: a.status,
    created_at: toDbInstant(at),
    updated_at: toDbInstant(at),
  });
  return assignmentFromRow((await knex('shift_assignments').where({ id: Number(id) }).first()) as AssignmentRow);
}

/** Many assignments at once (bulk setup: the benchmark). */
export async function insertAssignments(knex: Knex, list: Omit<ShiftAssignment, 'id'>[], at: Date): Promise<void> {
  for (const part of chunks(list, 500)) {
    await knex('shift_assignments').insert(
      part.map((a) => ({ employee_id: a.employeeId, shift_type_id: a.shiftTypeId, start_date: a.startDate, end_date: a.endDate, status: a.status, created_at: toDbInstant(at), updated_at: toDbInstant(at) })),
    );
  }
}

export async function updateAssignment(knex: Knex, id: number, change: Partial<Pick<ShiftAssignment, 'endDate' | 'status'>>, at: Date): Promise<void> {
  const row: Record<string, unknown> = { updated_at: toDbInstant(at) };
  if (change.endDate !== undefined) row.end_date = change.endDate;
  if (change.status !== undefined) row.status = change.status;
  await knex('shift_assignments').where({ id }).update(row);
}

export async function findAssignment(knex: Knex, id: number): Promise<ShiftAssignment | null> {
  const row = (await knex('shift_assignments').where({ id }).first()) as AssignmentRow | undefined;
  return row ? assignmentFromRow(row) : null;
}

export async function deleteAssignment(knex: Knex, id: number): Promise<boolean> {
  return (await knex('shift_assignments').where({ id }).del()) > 0;
}

/** Active assignments of these employees overlapping [from, to], newest start first, by employee. */
export async function assignmentsCoveringMany(knex: Knex, employeeIds: number[], from: string, to: string): Promise<Map<number, ShiftAssignment[]>> {
  const found = new Map<number, ShiftAssignment[]>();
  for (const ids of chunks([...new Set(employeeIds)], 500)) {
    const rows = (await knex('shift_assignments')
      .whereIn('employee_id', ids)
      .where({ status: 'Active' })
      .where('start_date', '<=', to)
      .where((w) => w.whereNull('end_date').orWhere('end_date', '>=', from))
      .orderBy('start_date', 'desc')) as AssignmentRow[];
    for (const a of rows.map(assignmentFromRow)) found.set(a.employeeId, [...(found.get(a.employeeId) ?? []), a]);
  }
  return found;
}

export function listAssignments(knex: Knex, filter: { employeeId?: number; shiftTypeId?: number }, window: Window): Promise<Listed<ShiftAssignment>> {
  const q = knex('shift_assignments').select('*');
  if (filter.employeeId !== undefined) q.where('employee_id', filter.employeeId);
  if (filter.shiftTypeId !== undefined) q.where('shift_type_id', filter.shiftTypeId);
  return listPaged(q, window, [{ column: 'start_date', order: 'desc' }, { column: 'id', order: 'desc' }], assignmentFromRow);
}

/** Employees who may be due an Absent: not Inactive (as HRMS), with an assignment touching the range or a default shift. */
export async function employeesWithShifts(knex: Knex, from: string, to: string): Promise<number[]> {
  const assigned = (await knex('shift_assignments')
    .where({ status: 'Active' })
    .where('start_date', '<=', to)
    .where((w) => w.whereNull('end_date').orWhere('end_date', '>=', from))
    .distinct('employee_id')) as { employee_id: number }[];
  const defaults = (await knex('employees').whereNot({ status: 'Inactive' }).whereNotNull('default_shift').select('id')) as { id: number }[];
  return [...new Set([...assigned.map((r) => Number(r.employee_id)), ...defaults.map((r) => Number(r.id))])];
}
