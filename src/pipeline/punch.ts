// The one Punch type every channel produces, and the mapping of device log types.
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
