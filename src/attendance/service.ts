// Shift types, assignments, holiday lists and attendance for operators (API and CLI), with
// HRMS field names on the wire.
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { DateTime } from 'luxon';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { type Employee, findEmployee, findEmployeesByIds, listEmployees } from '../store/employees.js';
import type { Listed, Window } from '../store/list.js';
import {
  type ShiftType,
  type ShiftTypeFields,
  deleteShiftType,
  findShiftType,
  findShiftTypesByIds,
  insertShiftType,
  listShiftTypes,
  setLastSyncOfCheckin,
  updateShiftType,
} from '../store/shiftTypes.js';
import {
  type ShiftAssignment,
  assignmentsCoveringMany,
  deleteAssignment,
  findAssignment,
  insertAssignment,
  listAssignments,
  updateAssignment,
} from '../store/shiftAssignments.js';
import { holidaysBetween, holidaysOf, setHolidays } from '../store/holidays.js';
import { type AttendanceFilter, type AttendanceRecord, attendanceDatesOf, listAttendance, summarizeAttendance } from '../store/attendance.js';
import { charLength, charsOf, identifierProblem, isStorableInstant } from '../store/columns.js';
import { TimestampError, parseTimestamp } from '../pipeline/time.js';
import { isUniqueViolation } from '../store/transaction.js';
import { type AttendanceRunner, type RecomputeReport, recomputeRange } from './runner.js';
import { holidayListFor } from './holidays.js';

/** A holiday of an employee's: the date, and the list it comes from. */
export interface EmployeeHoliday {
  date: string;
  description: string | null;
  holidayList: string;
}
import type { FinalRecordChange } from './plan.js';

const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const isDate = (v: unknown): v is string => typeof v === 'string' && DATE.test(v) && DateTime.fromISO(v).isValid;

/** Shift type input in HRMS names → fields; `partial` for updates. Throws naming every bad field. */
export function validateShiftType(input: Record<string, unknown>, partial: boolean): Partial<ShiftTypeFields> {
  const bad: string[] = [];
  const out: Partial<ShiftTypeFields> = {};
  const has = (k: string) => input[k] !== undefined;
  const bool = (k: string, f: keyof ShiftTypeFields) => {
    if (!has(k)) return;
    const v = input[k];
    if (typeof v === 'boolean' || v === 0 || v === 1) (out as Record<string, unknown>)[f] = Boolean(v);
    else bad.push(k);
  };
  const minutes = (k: string, f: keyof ShiftTypeFields) => {
    if (!has(k)) return;
    const v = Number(input[k]);
    if (Number.isInteger(v) && v >= 0 && v <= 24 * 60) (out as Record<string, unknown>)[f] = v;
    else bad.push(k);
  };
  const hours = (k: string, f: keyof ShiftTypeFields) => {
    if (!has(k)) return;
    const v = Number(input[k]);
    if (Number.isFinite(v) && v >= 0 && v <= 24) (out as Record<string, unknown>)[f] = v;
    else bad.push(k);
  };
  if (has('name') || !partial) {
    if (typeof input.name === 'string' && input.name.trim() && input.name.length <= 140) out.name = input.name.trim();
    else bad.push('name');
  }
  for (const [k, f] of [['start_time', 'startTime'], ['end_time', 'endTime']] as const) {
    if (has(k) || !partial) {
      const v = input[k];
      if (typeof v === 'string' && TIME.test(v)) out[f] = v.length === 5 ? `${v}:00` : v;
      else bad.push(k);
    }
  }
  if (has('determine_check_in_and_check_out')) {
    const v = input.determine_check_in_and_check_out;
    if (v === 'alternating' || v === 'strict') out.determineCheckInAndCheckOut = v;
    else bad.push('determine_check_in_and_check_out');
  }
  if (has('working_hours_calculation_based_on')) {
    const v = input.working_hours_calculation_based_on;
    if (v === 'first_last' || v === 'every_valid') out.workingHoursCalculationBasedOn = v;
    else bad.push('working_hours_calculation_based_on');
  }
  bool('enable_auto_attendance', 'enableAutoAttendance');
  minutes('begin_check_in_before_shift_start_time', 'beginCheckInBeforeShiftStartTime');
  minutes('allow_check_out_after_shift_end_time', 'allowCheckOutAfterShiftEndTime');
  hours('working_hours_threshold_for_half_day', 'workingHoursThresholdForHalfDay');
  hours('working_hours_threshold_for_absent', 'workingHoursThresholdForAbsent');
  bool('enable_late_entry_marking', 'enableLateEntryMarking');
  minutes('late_entry_grace_period', 'lateEntryGracePeriod');
  bool('enable_early_exit_marking', 'enableEarlyExitMarking');
  minutes('early_exit_grace_period', 'earlyExitGracePeriod');
  bool('mark_auto_attendance_on_holidays', 'markAutoAttendanceOnHolidays');
  if (has('holiday_list')) {
    const v = input.holiday_list;
    if (v === null || v === '') out.holidayList = null;
    else if (typeof v === 'string' && v.length <= 140) out.holidayList = v.trim();
    else bad.push('holiday_list');
  }
  if (out.startTime && out.endTime && out.startTime === out.endTime) bad.push('end_time');
  if (bad.length) throw new AppError('validation_error', `Invalid fields: ${[...new Set(bad)].join(', ')}`, { fields: [...new Set(bad)] });
  return out;
}

const SHIFT_DEFAULTS: Omit<ShiftTypeFields, 'name' | 'startTime' | 'endTime'> = {
  enableAutoAttendance: false,
  determineCheckInAndCheckOut: 'alternating',
  workingHoursCalculationBasedOn: 'first_last',
  beginCheckInBeforeShiftStartTime: 60,
  allowCheckOutAfterShiftEndTime: 60,
  workingHoursThresholdForHalfDay: 0,
  workingHoursThresholdForAbsent: 0,
  enableLateEntryMarking: false,
  lateEntryGracePeriod: 0,
  enableEarlyExitMarking: false,
  earlyExitGracePeriod: 0,
  markAutoAttendanceOnHolidays: false,
  holidayList: null,
};

export interface SummaryLine {
  employee: string;
  employee_name: string;
  present: number;
  half_day: number;
  absent: number;
  on_holiday: number;
  late_entries: number;
  early_exits: number;
  working_hours: number;
}

export const SUMMARY_COLUMNS: (keyof SummaryLine)[] = ['employee', 'employee_name', 'present', 'half_day', 'absent', 'on_holiday', 'late_entries', 'early_exits', 'working_hours'];

/** CSV with a header row; fields quoted where they need it. */
export function summaryCsv(lines: SummaryLine[]): string {
  const cell = (v: unknown) => {
    const text = String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [SUMMARY_COLUMNS.join(','), ...lines.map((l) => SUMMARY_COLUMNS.map((c) => cell(l[c])).join(','))].join('\r\n') + '\r\n';
}

export interface ShiftServiceDeps {
  knex: Knex;
  attendance: AttendanceRunner;
  settings: Pick<Config, 'timeZone' | 'allowMultipleShiftAssignments' | 'defaultHolidayList'>;
  clock: Clock;
}

export class ShiftService {
  private readonly knex: Knex;
  private readonly runner: AttendanceRunner;
  private readonly settings: ShiftServiceDeps['settings'];
  private readonly now: Clock;
  private readonly timeZone: string;

  constructor({ knex, attendance, settings, clock }: ShiftServiceDeps) {
    this.knex = knex;
    this.runner = attendance;
    this.settings = settings;
    this.now = clock;
    this.timeZone = settings.timeZone;
  }

  /**
   * As HRMS's ShiftAssignment.validate_overlapping_shifts: an active assignment may not share a
   * date with another of the employee's, unless several a day are allowed, and then never with
   * shift timings that overlap (so every log belongs to one shift).
   */
  private async checkOverlaps(employee: Employee, shift: ShiftType, startDate: string, endDate: string | null, self: number | null): Promise<void> {
    const others = ((await assignmentsCoveringMany(this.knex, [employee.id], startDate, endDate ?? '9999-12-31')).get(employee.id) ?? []).filter((a) => a.id !== self);
    if (others.length === 0) return;
    const types = await findShiftTypesByIds(this.knex, others.map((a) => a.shiftTypeId));
    if (!this.settings.allowMultipleShiftAssignments) {
      throw new AppError(
        'conflict',
        `${employee.employee} already has an active shift assignment ${others[0]!.id} (${types.get(others[0]!.shiftTypeId)?.name ?? '?'}) for some or all of these dates; to allow several shifts a day, set ICLOCKD_ALLOW_MULTIPLE_SHIFT_ASSIGNMENTS=1`,
        { reason: 'multiple_shifts', assignment: others[0]!.id },
      );
    }
    for (const other of others) {
      const otherShift = types.get(other.shiftTypeId);
      // Sharing two days or more, a shift can also run into the other's next day.
      const sharedFrom = other.startDate > startDate ? other.startDate : startDate;
      const ends = [other.endDate, endDate].filter((d): d is string => d !== null).sort();
      const acrossDays = ends.length === 0 || ends[0]! > sharedFrom;
      if (otherShift && timingsOverlap(shift, otherShift, acrossDays)) {
        throw new AppError('conflict', `${employee.employee} already has an active shift ${otherShift.name} (assignment ${other.id}) that overlaps ${shift.name} within this period`, {
          reason: 'overlapping_shift',
          assignment: other.id,
        });
      }
    }
  }

  private checkRange(from: unknown, to: unknown): { from: string; to: string } {
    const bad = [['from', from], ['to', to]].filter(([, v]) => !isDate(v)).map(([k]) => k as string);
    if (bad.length) throw new AppError('validation_error', `${bad.join(' and ')} must be date${bad.length > 1 ? 's' : ''} YYYY-MM-DD`, { fields: bad });
    if ((to as string) < (from as string)) throw new AppError('validation_error', 'to must not be before from', { fields: ['to'] });
    return { from: from as string, to: to as string };
  }

  /** Attendance per employee over a period: days by status, late entries, early exits, hours. */
  async summary(input: { from?: unknown; to?: unknown; employee?: string }): Promise<SummaryLine[]> {
    const { from, to } = this.checkRange(input.from, input.to);
    const employee = input.employee ? await findEmployee(this.knex, input.employee) : null;
    if (input.employee && !employee) return [];
    const rows = await summarizeAttendance(this.knex, from, to, employee?.id);
    const names = await findEmployeesByIds(this.knex, rows.map((r) => r.employeeId));
    // Holidays make no record (as in HRMS), so they are counted from the lists: as HRMS's
    // monthly attendance sheet counts them, the days without a record that are holidays.
    const holidays = await this.employeeHolidays([...names.values()], from, to);
    const recorded = await attendanceDatesOf(this.knex, rows.map((r) => r.employeeId), from, to);
    return rows.map((r) => ({
      employee: names.get(r.employeeId)?.employee ?? String(r.employeeId),
      employee_name: names.get(r.employeeId)?.name ?? '',
      present: r.present,
      half_day: r.halfDay,
      absent: r.absent,
      on_holiday: (holidays.get(r.employeeId) ?? []).filter((h) => !recorded.get(r.employeeId)?.has(h.date)).length,
      late_entries: r.lateEntries,
      early_exits: r.earlyExits,
      working_hours: r.workingHours,
    }));
  }

  /**
   * Each employee's holidays in [from, to]: the dates of the holiday list that applies on each
   * (the shift type's, else the employee's, else ICLOCKD_DEFAULT_HOLIDAY_LIST), from joining to
   * relieving. With several shifts on a day, a holiday of any of their lists.
   */
  async employeeHolidays(employees: Employee[], from: string, to: string): Promise<Map<number, EmployeeHoliday[]>> {
    const found = new Map<number, EmployeeHoliday[]>();
    if (employees.length === 0) return found;
    const book = await this.runner.shiftsOf(this.knex, employees, from, to);
    const fallback = this.settings.defaultHolidayList;
    const lists = [...book.byId.values(), ...book.byName.values(), ...employees].flatMap((x) => (x.holidayList ? [x.holidayList] : []));
    const holidays = await holidaysBetween(this.knex, fallback ? [...lists, fallback] : lists, from, to);
    const dates = [...new Set([...holidays.values()].flatMap((days) => [...days.keys()]))].sort();
    for (const e of employees) {
      const own: EmployeeHoliday[] = [];
      for (const date of dates) {
        if ((e.dateOfJoining !== null && date < e.dateOfJoining) || (e.relievingDate !== null && date > e.relievingDate)) continue;
        const planned = this.runner.plannedOn(book, e, date);
        const applying = planned.length ? planned.map((p) => holidayListFor(p.shift, e, fallback)) : [holidayListFor(null, e, fallback)];
        const list = applying.find((l): l is string => l !== null && (holidays.get(l)?.has(date) ?? false));
        if (list) own.push({ date, description: holidays.get(list)!.get(date) ?? null, holidayList: list });
      }
      if (own.length) found.set(e.id, own);
    }
    return found;
  }

  /** Holidays per employee over at most a year (`employee`: one of them), for the console's grid. */
  async holidaysOfEmployees(input: { from?: unknown; to?: unknown; employee?: string }): Promise<{ employee: Employee; holidays: EmployeeHoliday[] }[]> {
    const { from, to } = this.checkRange(input.from, input.to);
    if (DateTime.fromISO(to).diff(DateTime.fromISO(from), 'days').days > 366) throw new AppError('validation_error', 'from and to may be at most 366 days apart', { fields: ['to'] });
    let employees: Employee[];
    if (input.employee) {
      const one = await findEmployee(this.knex, input.employee);
      employees = one ? [one] : [];
    } else employees = (await listEmployees(this.knex, {}, { offset: 0, limit: 10_000_000 })).rows;
    const holidays = await this.employeeHolidays(employees, from, to);
    return employees.flatMap((employee) => (holidays.has(employee.id) ? [{ employee, holidays: holidays.get(employee.id)! }] : []));
  }

  /**
   * The explicit recompute: every employee-shift in the range. Final records change only with
   * `force`; without it the report says what would change in them.
   */
  async recompute(input: { from?: unknown; to?: unknown; employee?: string; force?: boolean }, onProgress?: (done: number, total: number) => void): Promise<RecomputeReport> {
    const { from, to } = this.checkRange(input.from, input.to);
    let employees: Employee[];
    if (input.employee) employees = [await this.employee(input.employee)];
    else employees = (await listEmployees(this.knex, {}, { offset: 0, limit: 10_000_000 })).rows;
    return recomputeRange(this.knex, this.runner, this.timeZone, { from, to, employees, force: input.force === true }, onProgress);
  }

  async createShiftType(input: Record<string, unknown>): Promise<ShiftType> {
    const fields = { ...SHIFT_DEFAULTS, ...validateShiftType(input, false) } as ShiftTypeFields;
    if (await findShiftType(this.knex, fields.name)) throw new AppError('conflict', `Shift type ${fields.name} already exists`);
    try {
      return await insertShiftType(this.knex, fields, this.now());
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `Shift type ${fields.name} already exists`);
      throw err;
    }
  }

  /**
   * ERPNext's sync tool, once every terminal of a shift has been pulled: logs up to this wall
   * time (in ICLOCKD_TZ, as the site's) are all in. Days of that shift that ended before it are
   * final at the next finalizing pass.
   */
  async setLastSyncOfCheckin(name: string, value: unknown): Promise<ShiftType> {
    const shift = await findShiftType(this.knex, name);
    if (!shift) throw new AppError('not_found', `Shift Type ${name} not found`);
    let at: Date;
    try {
      if (typeof value !== 'string') throw new TimestampError('a timestamp YYYY-MM-DD HH:MM:SS is required');
      at = parseTimestamp(value, this.timeZone).instant;
    } catch (err) {
      if (!(err instanceof TimestampError)) throw err;
      throw new AppError('validation_error', `Invalid fields: last_sync_of_checkin (${err.message})`, { fields: ['last_sync_of_checkin'] });
    }
    if (!isStorableInstant(at)) throw new AppError('validation_error', 'Invalid fields: last_sync_of_checkin (outside the years 0001 to 9999)', { fields: ['last_sync_of_checkin'] });
    await setLastSyncOfCheckin(this.knex, name, at, this.now());
    return (await findShiftType(this.knex, name))!;
  }

  async updateShiftType(name: string, input: Record<string, unknown>): Promise<ShiftType> {
    const current = await this.getShiftType(name);
    const fields = validateShiftType(input, true);
    if (fields.name && fields.name !== name) throw new AppError('validation_error', 'A shift type cannot be renamed', { fields: ['name'] });
    const start = fields.startTime ?? current.startTime;
    const end = fields.endTime ?? current.endTime;
    if (start === end) throw new AppError('validation_error', 'Invalid fields: end_time', { fields: ['end_time'] });
    await updateShiftType(this.knex, name, fields, this.now());
    return this.getShiftType(name);
  }

  async getShiftType(name: string): Promise<ShiftType> {
    const s = await findShiftType(this.knex, name);
    if (!s) throw new AppError('not_found', `No shift type ${name}`);
    return s;
  }

  async deleteShiftType(name: string): Promise<void> {
    await this.getShiftType(name);
    try {
      await deleteShiftType(this.knex, name);
    } catch {
      throw new AppError('conflict', `Shift type ${name} is assigned; end or delete its assignments first`);
    }
  }

  listShiftTypes(window: Window): Promise<Listed<ShiftType>> {
    return listShiftTypes(this.knex, window);
  }

  private async employee(id: unknown): Promise<Employee> {
    const e = typeof id === 'string' ? await findEmployee(this.knex, id) : null;
    if (!e) throw new AppError('validation_error', `No employee ${String(id)}`, { fields: ['employee'] });
    return e;
  }

  async createAssignment(input: Record<string, unknown>): Promise<ShiftAssignment> {
    const bad: string[] = [];
    if (!isDate(input.start_date)) bad.push('start_date');
    if (input.end_date !== undefined && input.end_date !== null && (!isDate(input.end_date) || (isDate(input.start_date) && input.end_date < input.start_date))) bad.push('end_date');
    if (typeof input.shift_type !== 'string') bad.push('shift_type');
    if (typeof input.employee !== 'string') bad.push('employee');
    if (bad.length) throw new AppError('validation_error', `Invalid fields: ${bad.join(', ')}`, { fields: bad });
    const employee = await this.employee(input.employee);
    const shift = await findShiftType(this.knex, input.shift_type as string);
    if (!shift) throw new AppError('validation_error', `No shift type ${String(input.shift_type)}`, { fields: ['shift_type'] });
    await this.checkOverlaps(employee, shift, input.start_date as string, (input.end_date as string | undefined) ?? null, null);
    return insertAssignment(
      this.knex,
      { employeeId: employee.id, shiftTypeId: shift.id, startDate: input.start_date as string, endDate: (input.end_date as string | undefined) ?? null, status: 'Active' },
      this.now(),
    );
  }

  async updateAssignment(id: number, input: Record<string, unknown>): Promise<ShiftAssignment> {
    const current = await findAssignment(this.knex, id);
    if (!current) throw new AppError('not_found', `No shift assignment ${id}`);
    const bad: string[] = [];
    if (input.end_date !== undefined && input.end_date !== null && (!isDate(input.end_date) || input.end_date < current.startDate)) bad.push('end_date');
    if (input.status !== undefined && input.status !== 'Active' && input.status !== 'Inactive') bad.push('status');
    if (bad.length) throw new AppError('validation_error', `Invalid fields: ${bad.join(', ')}`, { fields: bad });
    const endDate = input.end_date === undefined ? current.endDate : (input.end_date as string | null);
    const status = (input.status as 'Active' | 'Inactive' | undefined) ?? current.status;
    if (status === 'Active') {
      const [employee] = (await findEmployeesByIds(this.knex, [current.employeeId])).values();
      const shift = (await findShiftTypesByIds(this.knex, [current.shiftTypeId])).get(current.shiftTypeId);
      if (employee && shift) await this.checkOverlaps(employee, shift, current.startDate, endDate, current.id);
    }
    await updateAssignment(this.knex, id, { endDate: input.end_date as string | null | undefined, status: input.status as 'Active' | 'Inactive' | undefined }, this.now());
    return (await findAssignment(this.knex, id))!;
  }

  async deleteAssignment(id: number): Promise<void> {
    if (!(await deleteAssignment(this.knex, id))) throw new AppError('not_found', `No shift assignment ${id}`);
  }

  async listAssignments(filter: { employee?: string; shiftType?: string }, window: Window): Promise<Listed<ShiftAssignment>> {
    const employee = filter.employee ? await findEmployee(this.knex, filter.employee) : null;
    const shift = filter.shiftType ? await findShiftType(this.knex, filter.shiftType) : null;
    if ((filter.employee && !employee) || (filter.shiftType && !shift)) return { rows: [], total: 0 };
    return listAssignments(this.knex, { employeeId: employee?.id, shiftTypeId: shift?.id }, window);
  }

  /** Names for assignment and attendance views. */
  async namesFor(rows: { employeeId: number; shiftTypeId?: number }[]): Promise<{ employees: Map<number, Employee>; shifts: Map<number, ShiftType> }> {
    return {
      employees: await findEmployeesByIds(this.knex, rows.map((r) => r.employeeId)),
      shifts: await findShiftTypesByIds(this.knex, rows.flatMap((r) => (r.shiftTypeId === undefined ? [] : [r.shiftTypeId]))),
    };
  }

  async setHolidayList(name: string, input: unknown): Promise<{ date: string; description: string | null }[]> {
    const nameProblem = identifierProblem(name, charsOf('holidays', 'holiday_list'));
    if (nameProblem) throw new AppError('validation_error', `The holiday list's name ${nameProblem}`, { fields: ['holiday_list'] });
    const days = Array.isArray(input) ? input : null;
    const parsed = days?.map((d) => (typeof d === 'string' ? { date: d, description: null } : (d as { date?: unknown; description?: unknown })));
    const describes = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.isWellFormed() && charLength(v) <= charsOf('holidays', 'description'));
    if (!parsed || parsed.some((d) => !isDate(d.date) || !describes(d.description))) {
      throw new AppError('validation_error', `holidays must be a list of dates YYYY-MM-DD or {date, description} (a description of at most ${charsOf('holidays', 'description')} characters)`, { fields: ['holidays'] });
    }
    const unique = new Map(parsed.map((d) => [d.date as string, { date: d.date as string, description: (d.description as string | undefined) ?? null }]));
    await setHolidays(this.knex, name, [...unique.values()]);
    return holidaysOf(this.knex, name);
  }

  holidayList(name: string): Promise<{ date: string; description: string | null }[]> {
    return holidaysOf(this.knex, name);
  }

  async listAttendance(filter: { employee?: string } & Omit<AttendanceFilter, 'employeeId'>, window: Window): Promise<Listed<AttendanceRecord>> {
    for (const k of ['from', 'to'] as const) {
      if (filter[k] !== undefined && !isDate(filter[k])) throw new AppError('validation_error', `${k} must be a date YYYY-MM-DD`, { fields: [k] });
    }
    const employee = filter.employee ? await findEmployee(this.knex, filter.employee) : null;
    if (filter.employee && !employee) return { rows: [], total: 0 };
    return listAttendance(this.knex, { employeeId: employee?.id, from: filter.from, to: filter.to, status: filter.status }, window);
  }
}

/** A change to a final record, in HRMS field names: only what differs, each as {from, to}. */
export interface FinalChangeView {
  name: string;
  employee: string;
  attendance_date: string;
  shift: string | null;
  /** Done (force), or what a forced recompute would do. */
  applied: boolean;
  /** The record goes (its check-ins count in none, on a holiday). */
  removed: boolean;
  changes: Record<string, { from: unknown; to: unknown }>;
}

export function finalChangeView(c: FinalRecordChange): FinalChangeView {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  const field = (name: string, from: unknown, to: unknown) => {
    if (from !== to) changes[name] = { from, to };
  };
  field('status', c.record.status, c.after?.status ?? null);
  if (c.after) {
    field('working_hours', c.record.workingHours, c.after.workingHours);
    field('in_time', iso(c.record.inTime), iso(c.after.inTime));
    field('out_time', iso(c.record.outTime), iso(c.after.outTime));
    field('late_entry', c.record.lateEntry, c.after.lateEntry);
    field('early_exit', c.record.earlyExit, c.after.earlyExit);
  }
  if (c.checkinsBefore.join() !== c.checkinsAfter.join()) changes.checkins = { from: c.checkinsBefore, to: c.checkinsAfter };
  return { name: c.record.name, employee: c.employee.employee, attendance_date: c.record.date, shift: c.record.shiftType, applied: c.applied, removed: c.after === null, changes };
}

/** One line for a person: "HR-ATT-… EMP 2025-05-05 Day: status Present → Half Day; check-ins A, B → A" (times as wall times in `zone`). */
export function finalChangeLine(v: FinalChangeView, zone: string): string {
  const shown = (value: unknown): string => {
    if (value === null) return '-';
    if (Array.isArray(value)) return value.length ? value.join(', ') : 'none';
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) return DateTime.fromISO(value, { zone }).toFormat('yyyy-MM-dd HH:mm:ss');
    return String(value);
  };
  const parts = Object.entries(v.changes).map(([k, { from, to }]) => `${k === 'checkins' ? 'check-ins' : k} ${shown(from)} → ${shown(to)}`);
  return `${v.name} ${v.employee} ${v.attendance_date} ${v.shift ?? '-'}: ${v.removed ? 'removed; ' : ''}${parts.join('; ')}`;
}

/** Whether two shift types' hours overlap, a night shift's end taken on the next day (HRMS's has_overlapping_timings). */
export function timingsOverlap(a: Pick<ShiftType, 'startTime' | 'endTime'>, b: Pick<ShiftType, 'startTime' | 'endTime'>, acrossDays: boolean): boolean {
  const span = (s: Pick<ShiftType, 'startTime' | 'endTime'>) => {
    const seconds = (t: string) => t.split(':').reduce((acc, part, i) => acc + Number(part) * [3600, 60, 1][i]!, 0);
    const start = seconds(s.startTime);
    let end = seconds(s.endTime);
    if (end <= start) end += 86_400;
    return [start, end] as const;
  };
  const [s1, e1] = span(a);
  const [s2, e2] = span(b);
  // Across days also a day apart: a night shift 22–06 runs into an early shift 05–13 of the
  // next day (HRMS compares the two on one day only and lets that pass).
  const day = 86_400;
  return (acrossDays ? [-day, 0, day] : [0]).some((shift) => e1 > s2 + shift && s1 < e2 + shift);
}
