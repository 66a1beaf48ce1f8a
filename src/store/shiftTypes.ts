// shift_types: HRMS's Shift Type, the rules of a shift; the only place with their SQL.
import type { Knex } from 'knex';
import { type Listed, type Window, listPaged } from './list.js';
import { fromDbInstant, toDbInstant } from './time.js';

export type InOutMode = 'alternating' | 'strict';
export type HoursBasis = 'first_last' | 'every_valid';

export interface ShiftRules {
  name: string;
  /** 'HH:MM[:SS]' wall time; an end before the start means the shift ends the next day. */
  startTime: string;
  endTime: string;
  determineCheckInAndCheckOut: InOutMode;
  workingHoursCalculationBasedOn: HoursBasis;
  /** Minutes before the start from which check-ins count for the shift. */
  beginCheckInBeforeShiftStartTime: number;
  /** Minutes after the end until which check-outs count. */
  allowCheckOutAfterShiftEndTime: number;
  /** Hours; 0 = off. */
  workingHoursThresholdForHalfDay: number;
  workingHoursThresholdForAbsent: number;
  enableLateEntryMarking: boolean;
  lateEntryGracePeriod: number;
  enableEarlyExitMarking: boolean;
  earlyExitGracePeriod: number;
  markAutoAttendanceOnHolidays: boolean;
}

export interface ShiftType extends ShiftRules {
  id: number;
  enableAutoAttendance: boolean;
  holidayList: string | null;
  /** HRMS's last_sync_of_checkin: every log before this instant is in (the sync tool says so). */
  lastSyncOfCheckin: Date | null;
}

interface ShiftRow {
  id: number;
  name: string;
  start_time: string;
  end_time: string;
  enable_auto_attendance: number | boolean;
  determine_check_in_and_check_out: InOutMode;
  working_hours_calculation_based_on: HoursBasis;
  begin_check_in_before_shift_start_time: number;
  allow_check_out_after_shift_end_time: number;
  working_hours_threshold_for_half_day: number;
  working_hours_threshold_for_absent: number;
  enable_late_entry_marking: number | boolean;
  late_entry_grace_period: number;
  enable_early_exit_marking: number | boolean;
  early_exit_grace_period: number;
  mark_auto_attendance_on_holidays: number | boolean;
  holiday_list: string | null;
  last_sync_of_checkin: string | null;
}

function shiftFromRow(r: ShiftRow): ShiftType {
  return {
    id: Number(r.id),
    name: r.name,
    startTime: r.start_time,
    endTime: r.end_time,
    enableAutoAttendance: Boolean(r.enable_auto_attendance),
    determineCheckInAndCheckOut: r.determine_check_in_and_check_out,
    workingHoursCalculationBasedOn: r.working_hours_calculation_based_on,
    beginCheckInBeforeShiftStartTime: Number(r.begin_check_in_before_shift_start_time),
    allowCheckOutAfterShiftEndTime: Number(r.allow_check_out_after_shift_end_time),
    workingHoursThresholdForHalfDay: Number(r.working_hours_threshold_for_half_day),
    workingHoursThresholdForAbsent: Number(r.working_hours_threshold_for_absent),
    enableLateEntryMarking: Boolean(r.enable_late_entry_marking),
    lateEntryGracePeriod: Number(r.late_entry_grace_period),
    enableEarlyExitMarking: Boolean(r.enable_early_exit_marking),
    earlyExitGracePeriod: Number(r.early_exit_grace_period),
    markAutoAttendanceOnHolidays: Boolean(r.mark_auto_attendance_on_holidays),
    holidayList: r.holiday_list,
    lastSyncOfCheckin: fromDbInstant(r.last_sync_of_checkin ?? null),
  };
}

export type ShiftTypeFields = Omit<ShiftType, 'id' | 'lastSyncOfCheckin'>;

/** The HRMS field names are the column names. */
export function shiftToRow(f: Partial<ShiftTypeFields>): Record<string, unknown> {
  const map: Record<keyof ShiftTypeFields, string> = {
    name: 'name',
    startTime: 'start_time',
    endTime: 'end_time',
    enableAutoAttendance: 'enable_auto_attendance',
    determineCheckInAndCheckOut: 'determine_check_in_and_check_out',
    workingHoursCalculationBasedOn: 'working_hours_calculation_based_on',
    beginCheckInBeforeShiftStartTime: 'begin_check_in_before_shift_start_time',
    allowCheckOutAfterShiftEndTime: 'allow_check_out_after_shift_end_time',
    workingHoursThresholdForHalfDay: 'working_hours_threshold_for_half_day',
    workingHoursThresholdForAbsent: 'working_hours_threshold_for_absent',
    enableLateEntryMarking: 'enable_late_entry_marking',
    lateEntryGracePeriod: 'late_entry_grace_period',
    enableEarlyExitMarking: 'enable_early_exit_marking',
    earlyExitGracePeriod: 'early_exit_grace_period',
    markAutoAttendanceOnHolidays: 'mark_auto_attendance_on_holidays',
    holidayList: 'holiday_list',
  };
  const row: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) if (v !== undefined) row[map[k as keyof ShiftTypeFields]] = v;
  return row;
}

export async function insertShiftType(knex: Knex, fields: ShiftTypeFields, at: Date): Promise<ShiftType> {
  await knex('shift_types').insert({ ...shiftToRow(fields), created_at: toDbInstant(at), updated_at: toDbInstant(at) });
  return (await findShiftType(knex, fields.name))!;
}

export async function updateShiftType(knex: Knex, name: string, fields: Partial<ShiftTypeFields>, at: Date): Promise<void> {
  await knex('shift_types').where({ name }).update({ ...shiftToRow(fields), updated_at: toDbInstant(at) });
}

export async function setLastSyncOfCheckin(knex: Knex, name: string, at: Date, now: Date): Promise<void> {
  await knex('shift_types').where({ name }).update({ last_sync_of_checkin: toDbInstant(at), updated_at: toDbInstant(now) });
}

export async function deleteShiftType(knex: Knex, name: string): Promise<boolean> {
  return (await knex('shift_types').where({ name }).del()) > 0;
}

export async function findShiftType(knex: Knex, name: string): Promise<ShiftType | null> {
  const row = (await knex('shift_types').where({ name }).first()) as ShiftRow | undefined;
  return row ? shiftFromRow(row) : null;
}

export async function findShiftTypesByIds(knex: Knex, ids: number[]): Promise<Map<number, ShiftType>> {
  const found = new Map<number, ShiftType>();
  if (ids.length === 0) return found;
  for (const r of (await knex('shift_types').whereIn('id', [...new Set(ids)])) as ShiftRow[]) found.set(Number(r.id), shiftFromRow(r));
  return found;
}

export async function findShiftTypesByNames(knex: Knex, names: string[]): Promise<Map<string, ShiftType>> {
  const found = new Map<string, ShiftType>();
  if (names.length === 0) return found;
  for (const r of (await knex('shift_types').whereIn('name', [...new Set(names)])) as ShiftRow[]) found.set(r.name, shiftFromRow(r));
  return found;
}

export function listShiftTypes(knex: Knex, window: Window): Promise<Listed<ShiftType>> {
  return listPaged(knex('shift_types').select('*'), window, [{ column: 'name', order: 'asc' }], shiftFromRow);
}
