// The one Punch type every channel produces, and the mapping of device log types.
import { charsOf, identifierProblem, isInt32, isStorableInstant } from '../store/columns.js';
import type { LogType, PunchData } from '../store/punches.js';
import { parseTimestamp } from './time.js';

export type { LogType };

/** The site of a device with none set: with one site, iclockd matches ids exactly as ERPNext does. */
export const DEFAULT_SITE = 'main';

/** Where a punch came from. */
export type PunchSource = 'adms' | 'json' | 'hrms' | 'replay' | (string & {});

/** The one type every channel produces and the pipeline ingests. */
export interface Punch extends PunchData {
  source: PunchSource;
  skipAutoAttendance?: boolean;
  /**
   * Held as suspect_time whatever its time says: its terminal's clock was measured wrong when
   * it arrived. An admin's accept overrules it like the other time checks.
   */
  timeUntrusted?: boolean;
}

/** A punch of `user` at wall time `local` ('YYYY-MM-DD HH:MM:SS'), no optional fields, unless `extra` sets them (the statement profile, tests). */
export function punchAt(user: string, local: string, extra: Partial<Punch> = {}): Punch {
  const t = parseTimestamp(local, extra.timeZone ?? 'UTC');
  return {
    deviceSerial: 'SN-1',
    deviceId: null,
    site: DEFAULT_SITE,
    deviceUserId: user,
    localTime: t.localTime,
    instant: t.instant,
    timeZone: t.timeZone,
    logType: 'AUTO',
    punchState: null,
    verifyMode: null,
    workCode: null,
    latitude: null,
    longitude: null,
    source: 'replay',
    ...extra,
  };
}

/**
 * ZKTeco punch states to log types. 0 check-in, 3 break-in, 4 overtime-in → IN;
 * 1 check-out, 2 break-out, 5 overtime-out → OUT; anything else (255 "undefined") → AUTO.
 */
export function logTypeOfPunchState(state: number): LogType {
  if (state === 0 || state === 3 || state === 4) return 'IN';
  if (state === 1 || state === 2 || state === 5) return 'OUT';
  return 'AUTO';
}

/**
 * A log type as clients send it: IN / OUT / AUTO (any case), empty for AUTO, or a device
 * punch state as a number or digit string. Returns null for anything else.
 */
export function parseLogType(raw: unknown): { logType: LogType; punchState: number | null } | null {
  if (raw === undefined || raw === null || raw === '') return { logType: 'AUTO', punchState: null };
  if (typeof raw === 'number' || (typeof raw === 'string' && /^\s*\d{1,3}\s*$/.test(raw))) {
    const state = Number(raw);
    if (!Number.isInteger(state) || state < 0 || state > 255) return null;
    return { logType: logTypeOfPunchState(state), punchState: state };
  }
  if (typeof raw !== 'string') return null;
  const upper = raw.trim().toUpperCase();
  if (upper === 'IN' || upper === 'OUT' || upper === 'AUTO') return { logType: upper, punchState: null };
  return null;
}

/** A punch field that cannot be stored as it is: named as the API shows it, with why. */
export interface PunchProblem {
  field: string;
  reason: string;
}

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const LOG_TYPES = new Set(['IN', 'OUT', 'AUTO']);

/**
 * Why a punch cannot be stored as it is, or null: every field against what its column holds
 * (punches, and the check-in it makes), on both databases alike. Every channel's punches pass
 * here at the ingest door, so one that cannot be stored is rejected alone.
 */
export function punchProblem(p: PunchData): PunchProblem | null {
  const id = (field: string, value: string, max: number): PunchProblem | null => {
    const reason = identifierProblem(value, max);
    return reason ? { field, reason: `${field} ${reason}` } : null;
  };
  const int = (field: string, n: number | null): PunchProblem | null =>
    n === null || isInt32(n) ? null : { field, reason: `${field} ${n} is outside -2147483648 to 2147483647` };
  const degrees = (field: string, n: number | null, limit: number): PunchProblem | null =>
    n === null || (Number.isFinite(n) && Math.abs(n) <= limit) ? null : { field, reason: `${field} must be between -${limit} and ${limit}` };
  return (
    id('device_serial', p.deviceSerial, charsOf('punches', 'device_serial')) ??
    (p.deviceId === null ? null : id('device_id', p.deviceId, charsOf('punches', 'device_id'))) ??
    id('site', p.site, charsOf('punches', 'site')) ??
    id('employee_id', p.deviceUserId, charsOf('punches', 'device_user_id')) ??
    (LOCAL_TIME.test(p.localTime) ? null : { field: 'local_time', reason: `local_time "${p.localTime.slice(0, 40)}" is not YYYY-MM-DD HH:MM:SS` }) ??
    (isStorableInstant(p.instant) ? null : { field: 'time', reason: `${p.localTime} in ${p.timeZone} is outside the years 0001 to 9999 in UTC` }) ??
    id('time_zone', p.timeZone, charsOf('punches', 'time_zone')) ??
    (LOG_TYPES.has(p.logType) ? null : { field: 'log_type', reason: 'log_type must be IN, OUT or AUTO' }) ??
    int('punch_state', p.punchState) ??
    int('verify_mode', p.verifyMode) ??
    (p.workCode === null ? null : id('work_code', p.workCode, charsOf('punches', 'work_code'))) ??
    degrees('latitude', p.latitude, 90) ??
    degrees('longitude', p.longitude, 180) ??
    id('source', p.source, charsOf('punches', 'source'))
  );
}
