// The identity rules: what makes two punches the same punch and two check-ins the same
// check-in. The unique indexes of the migrations hold these same columns (test/store/identity.test.ts
// checks it), so a lookup by these keys and an insert that clashes on them agree.
import { compositeKey } from './keys.js';
import { fromDbInstant, toDbInstant } from './time.js';

export type LogType = 'IN' | 'OUT' | 'AUTO';

/**
 * What makes a punch the same punch when a device sends it again: a resend repeats all four
 * (a terminal's line, its state included). An IN and an OUT at one second are two punches.
 */
export interface PunchKey {
  /** The terminal's serial number, or the JSON client's device id. */
  deviceSerial: string;
  /** The user id on the device (PIN; `employee_id` in the JSON API). */
  deviceUserId: string;
  /** Wall time as the device sent it, 'YYYY-MM-DD HH:MM:SS'. */
  localTime: string;
  logType: LogType;
}

/** The punches table's unique key, in the order of `punchKeyValues`. */
export const PUNCH_KEY_COLUMNS = ['device_serial', 'device_user_id', 'local_time', 'log_type'] as const;

/** A punch key's values as stored, one per column of PUNCH_KEY_COLUMNS. */
export function punchKeyValues(k: PunchKey): [string, string, string, LogType] {
  return [k.deviceSerial, k.deviceUserId, k.localTime, k.logType];
}

/** Equal for two punches exactly when they are the same punch. */
export function punchKey(k: PunchKey): string {
  return compositeKey(...punchKeyValues(k));
}

/** The key of a stored punches row (the same string as `punchKey` of what was inserted). */
export function punchRowKey(r: { device_serial: string; device_user_id: string; local_time: string; log_type: LogType }): string {
  return compositeKey(r.device_serial, r.device_user_id, r.local_time, r.log_type);
}

/** What makes a check-in the same check-in: one employee, one second, one log type (HRMS's own duplicate check). */
export interface CheckinKey {
  employeeId: number;
  time: Date;
  logType: LogType;
}

/** The checkins table's unique key, in the order of `checkinKeyValues`. */
export const CHECKIN_KEY_COLUMNS = ['employee_id', 'time', 'log_type'] as const;

/** A check-in key's values as stored, one per column of CHECKIN_KEY_COLUMNS. */
export function checkinKeyValues(k: CheckinKey): [number, string, LogType] {
  return [k.employeeId, toDbInstant(k.time), k.logType];
}

/** Equal for two check-ins exactly when they are the same check-in. */
export function checkinKey(k: CheckinKey): string {
  return compositeKey(...checkinKeyValues(k));
}

/** The key of a stored checkins row (drivers return the id and the time in their own forms). */
export function checkinRowKey(r: { employee_id: number | string; time: string; log_type: LogType }): string {
  return checkinKey({ employeeId: Number(r.employee_id), time: fromDbInstant(r.time), logType: r.log_type });
}

/** The check-in a punch of this employee makes: its instant to the whole second, its log type. */
export function checkinKeyOfPunch(p: { instant: Date; logType: LogType }, employeeId: number): CheckinKey {
  return { employeeId, time: new Date(Math.floor(p.instant.getTime() / 1000) * 1000), logType: p.logType };
}
