// Employees: the people punches are matched to. Creating one, or giving one a biometric id,
// turns the punches that waited for that id into check-ins in the same transaction.
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { DateTime } from 'luxon';
import { AppError } from '../errors.js';
import type { IngestService } from '../pipeline/ingest.js';
import { DEFAULT_SITE } from '../pipeline/punch.js';
import {
  EMPLOYEE_STATUSES,
  type Employee,
  type EmployeeFields,
  type EmployeeFilter,
  type EmployeeStatus,
  employeeIdExists,
  findEmployee,
  findEmployeeByDeviceId,
  insertEmployee,
  listEmployees,
  updateEmployee,
} from '../store/employees.js';
import type { Listed, Window } from '../store/list.js';
import { seriesName, takeSeriesNumbers } from '../store/series.js';
import { isUniqueViolation, transactionWithRetry } from '../store/transaction.js';
import { charsOf, identifierProblem } from '../store/columns.js';

export type { Employee, EmployeeFilter, EmployeeStatus };
export { EMPLOYEE_STATUSES };

export const EMPLOYEE_ID = /^[A-Za-z0-9][A-Za-z0-9._\-/ ]{0,31}$/;

/** A real calendar date YYYY-MM-DD that a DATE column holds (years 0001 to 9999). */
export function isCalendarDate(v: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(v) && v >= '0001-01-01' && DateTime.fromISO(v).isValid;
}

/** HRMS's Employee rule (and its message): the last day cannot come before the first. */
function checkDates(dateOfJoining: string | null, relievingDate: string | null): void {
  if (dateOfJoining && relievingDate && relievingDate < dateOfJoining) {
    throw new AppError('validation_error', `Relieving Date must be greater than or equal to Date of Joining (${relievingDate} is before ${dateOfJoining})`, { fields: ['relieving_date'] });
  }
}

export interface EmployeeInput {
  employee?: unknown;
  name?: unknown;
  attendance_device_id?: unknown;
  status?: unknown;
  site?: unknown;
  default_shift?: unknown;
  date_of_joining?: unknown;
  relieving_date?: unknown;
  holiday_list?: unknown;
}

/** Checks API/CSV input; `partial` for updates. Throws validation_error naming every bad field. */
export function validateEmployeeInput(input: EmployeeInput, partial: boolean): Partial<EmployeeFields> {
  const bad: string[] = [];
  const out: Partial<EmployeeFields> = {};
  const text = (v: unknown) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : undefined);

  if (input.employee !== undefined && input.employee !== null && input.employee !== '') {
    const v = text(input.employee);
    if (v && EMPLOYEE_ID.test(v)) out.employee = v;
    else bad.push('employee');
  }
  if (input.name !== undefined || !partial) {
    const v = text(input.name);
    if (v && v.length <= 200) out.name = v;
    else bad.push('name');
  }
  if (input.attendance_device_id !== undefined) {
    if (input.attendance_device_id === null || input.attendance_device_id === '') out.attendanceDeviceId = null;
    else {
      const v = text(input.attendance_device_id);
      if (v && v.length <= 64) out.attendanceDeviceId = v;
      else bad.push('attendance_device_id');
    }
  }
  if (input.status !== undefined) {
    const v = text(input.status);
    const match = EMPLOYEE_STATUSES.find((s) => s.toLowerCase() === v?.toLowerCase());
    if (match) out.status = match;
    else bad.push('status');
  }
  if (input.site !== undefined) {
    const v = text(input.site);
    if (v && v.length <= 64) out.site = v;
    else bad.push('site');
  }
  if (input.default_shift !== undefined) {
    if (input.default_shift === null || input.default_shift === '') out.defaultShift = null;
    else {
      const v = text(input.default_shift);
      if (v && v.length <= 140) out.defaultShift = v;
      else bad.push('default_shift');
    }
  }
  for (const [key, field] of [['date_of_joining', 'dateOfJoining'], ['relieving_date', 'relievingDate']] as const) {
    const v = input[key];
    if (v === undefined) continue;
    if (v === null || v === '') out[field] = null;
    else if (typeof v === 'string' && isCalendarDate(v.trim())) out[field] = v.trim();
    else bad.push(key);
  }
  if (input.holiday_list !== undefined) {
    if (input.holiday_list === null || input.holiday_list === '') out.holidayList = null;
    else {
      const v = text(input.holiday_list);
      if (v && identifierProblem(v, charsOf('employees', 'holiday_list')) === null) out.holidayList = v;
      else bad.push('holiday_list');
    }
  }
  if (bad.length) {
    throw new AppError('validation_error', `Invalid fields: ${bad.join(', ')}`, { fields: bad });
  }
  return out;
}

/** Told of every employee change, inside its transaction (the outbox retries what the change may cure). */
export interface EmployeeChangeListener {
  employeeChanged(trx: Knex.Transaction, employee: Employee): Promise<unknown>;
}

export interface EmployeeServiceDeps {
  knex: Knex;
  ingest: IngestService;
  clock: Clock;
  /** Told of every employee change: the outbox. */
  listener?: EmployeeChangeListener;
}

export class EmployeeService {
  private readonly knex: Knex;
  private readonly ingest: IngestService;
  private readonly now: Clock;
  private readonly listener: EmployeeChangeListener | undefined;

  constructor({ knex, ingest, clock, listener }: EmployeeServiceDeps) {
    this.knex = knex;
    this.ingest = ingest;
    this.now = clock;
    this.listener = listener;
  }

  /** Creates an employee; returns it and how many waiting punches became check-ins. */
  create(input: EmployeeInput): Promise<{ employee: Employee; linked: number }> {
    const fields = validateEmployeeInput(input, false);
    return this.writeAndSettle(async (trx) => {
      const employeeId = fields.employee ?? (await this.nextEmployeeId(trx));
      if (await employeeIdExists(trx, employeeId)) throw new AppError('conflict', `Employee ${employeeId} already exists`);
      const complete: EmployeeFields = {
        employee: employeeId,
        name: fields.name!,
        site: fields.site ?? DEFAULT_SITE,
        attendanceDeviceId: fields.attendanceDeviceId ?? null,
        status: fields.status ?? 'Active',
        defaultShift: fields.defaultShift ?? null,
        dateOfJoining: fields.dateOfJoining ?? null,
        relievingDate: fields.relievingDate ?? null,
        holidayList: fields.holidayList ?? null,
      };
      checkDates(complete.dateOfJoining, complete.relievingDate);
      await this.assertDeviceIdFree(trx, complete.site, complete.attendanceDeviceId, null);
      const employee = await insertEmployee(trx, complete, this.now());
      return { employee, linked: await this.ingest.settleWaitingPunches(trx, employee) };
    });
  }

  /** Changes an employee; every save settles the punches waiting for its biometric id (the repair an operator reaches for). */
  update(employeeId: string, input: EmployeeInput): Promise<{ employee: Employee; linked: number }> {
    const fields = validateEmployeeInput(input, true);
    return this.writeAndSettle(async (trx) => {
      const current = await findEmployee(trx, employeeId);
      if (!current) throw new AppError('not_found', `No employee ${employeeId}`);
      if (fields.employee !== undefined && fields.employee !== current.employee) {
        throw new AppError('validation_error', 'The employee id cannot be changed', { fields: ['employee'] });
      }
      checkDates(fields.dateOfJoining !== undefined ? fields.dateOfJoining : current.dateOfJoining, fields.relievingDate !== undefined ? fields.relievingDate : current.relievingDate);
      const site = fields.site ?? current.site;
      const deviceId = fields.attendanceDeviceId !== undefined ? fields.attendanceDeviceId : current.attendanceDeviceId;
      await this.assertDeviceIdFree(trx, site, deviceId, current.id);
      await updateEmployee(trx, current.id, fields, this.now());
      const employee = (await findEmployee(trx, employeeId))!;
      // Any update counts: the fix may be on the target's side (the employee added there), and saving is the operator's signal.
      await this.listener?.employeeChanged(trx, employee);
      return { employee, linked: await this.ingest.settleWaitingPunches(trx, employee) };
    });
  }

  /** Creates or updates by employee id (CSV import); rows without an id are created. */
  async upsert(input: EmployeeInput): Promise<{ employee: Employee; created: boolean; linked: number }> {
    const id = typeof input.employee === 'string' || typeof input.employee === 'number' ? String(input.employee).trim() : '';
    if (id && (await findEmployee(this.knex, id))) {
      const { employee: _ignored, ...rest } = input;
      return { ...(await this.update(id, rest)), created: false };
    }
    return { ...(await this.create(input)), created: true };
  }

  /**
   * Gives an unmatched biometric id (and the site its punches came from) to an existing
   * employee, or to a new one by name: the punches that waited for it become check-ins.
   */
  async assignDeviceId(a: { attendanceDeviceId?: string; site?: string; employee?: string; name?: string }): Promise<{ employee: Employee; created: boolean; linked: number }> {
    const bad = [...(a.attendanceDeviceId ? [] : ['attendance_device_id']), ...(a.employee || a.name ? [] : ['employee'])];
    if (bad.length) throw new AppError('validation_error', 'Give the attendance_device_id and either an existing employee or the name of a new one', { fields: bad });
    if (a.employee && a.name) throw new AppError('validation_error', 'Give either employee or name, not both', { fields: ['employee', 'name'] });
    const change = { attendance_device_id: a.attendanceDeviceId, ...(a.site ? { site: a.site } : {}) };
    if (a.employee) return { ...(await this.update(a.employee, change)), created: false };
    return { ...(await this.create({ ...change, name: a.name })), created: true };
  }

  async get(employeeId: string): Promise<Employee> {
    const employee = await findEmployee(this.knex, employeeId);
    if (!employee) throw new AppError('not_found', `No employee ${employeeId}`);
    return employee;
  }

  find(employeeId: string): Promise<Employee | null> {
    return findEmployee(this.knex, employeeId);
  }

  list(filter: EmployeeFilter, window: Window): Promise<Listed<Employee>> {
    return listEmployees(this.knex, filter, window);
  }

  /**
   * A write that settles waiting punches, then, once committed, settles them again: a punch
   * stored while this transaction ran was invisible to it (its own transaction had not
   * committed), and its ingest may have looked for this employee before this one committed.
   */
  private async writeAndSettle(work: (trx: Knex.Transaction) => Promise<{ employee: Employee; linked: number }>): Promise<{ employee: Employee; linked: number }> {
    const done = await this.write(work);
    // Committed: a failure now must not fail the save (the ingest's sweep links what is left).
    const late = await this.ingest.settleWaitingPunchesNow(done.employee).catch(() => 0);
    return { ...done, linked: done.linked + late };
  }

  private async write<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    try {
      return await transactionWithRetry(this.knex, work, 2);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', 'Another change to the same employee or biometric id happened at the same time; try again');
      throw err;
    }
  }

  private async assertDeviceIdFree(trx: Knex.Transaction, site: string, deviceId: string | null, selfId: number | null): Promise<void> {
    if (deviceId === null) return;
    const holder = await findEmployeeByDeviceId(trx, site, deviceId);
    if (holder && holder.id !== selfId) {
      throw new AppError('conflict', `attendance_device_id ${deviceId} already belongs to ${holder.employee} on site ${site}`, {
        fields: ['attendance_device_id'],
      });
    }
  }

  private async nextEmployeeId(trx: Knex.Transaction): Promise<string> {
    // Skip numbers already taken by ids that were given explicitly.
    for (;;) {
      const id = seriesName('EMP-', await takeSeriesNumbers(trx, 'EMP-', 1));
      if (!(await employeeIdExists(trx, id))) return id;
    }
  }
}
