// JSON punch input (the seed API's fields) to Punches: field checks, the device's zone and
// site, timestamp conversion. Each item is judged alone, so one bad item never blocks others.
import { z } from 'zod';
import { charsOf, identifierProblem } from '../store/columns.js';
import { classifyIssues, fieldOrder, given } from '../validation.js';
import type { DeviceCache } from '../devices/cache.js';
import { DEFAULT_SITE, type Punch, type PunchSource, parseLogType } from './punch.js';
import { TimestampError, parseTimestamp } from './time.js';

export interface JsonPunchInput {
  employee_id?: unknown;
  timestamp?: unknown;
  device_id?: unknown;
  log_type?: unknown;
  device_serial?: unknown;
  latitude?: unknown;
  longitude?: unknown;
  skip_auto_attendance?: unknown;
}

export interface InvalidPunch {
  error: string;
  fields: string[];
  /** permission_error: the device it names is blocked (the client keeps it); else a validation error. */
  type?: 'permission_error';
}

export type IntakeResult = { punch: Punch } | { invalid: InvalidPunch };

const LOG_TYPE_REASON = 'log_type must be IN, OUT, AUTO or a device punch state 0-255';

const ID_CHARS = charsOf('punches', 'device_user_id');
const ID_FIELDS = ['employee_id', 'device_id', 'device_serial'] as const;

/**
 * Why an id value is refused, or null: text must be 1-64 characters (trimmed) of valid Unicode
 * with no control character; a number must be whole and one JSON carries exactly (up to 2^53),
 * else its digits are already lost. A value of another type is refused by the schema alone.
 */
export function idProblem(value: unknown): string | null {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'is not a whole number (send it as text)';
    return Number.isSafeInteger(value) ? null : 'is a number above 2^53, whose digits JSON loses: send it as text';
  }
  if (typeof value !== 'string' || value.trim() === '') return null;
  return identifierProblem(value.trim(), ID_CHARS);
}

/** An id: text or a whole number (see idProblem). */
const idValue = z
  .union([z.number(), z.string().trim().min(1)])
  .refine((v) => idProblem(v) === null)
  .transform(String);
const coordinate = (limit: number) =>
  z
    .union([z.number(), z.string()])
    .transform(Number)
    .refine((n) => Number.isFinite(n) && Math.abs(n) <= limit)
    .transform((n) => Math.round(n * 1e7) / 1e7)
    .describe(`Degrees, -${limit} to ${limit}`);

function punchLogSchema(requireDeviceId: boolean) {
  const deviceId = idValue.describe('The device as the client names it');
  return z.object({
    employee_id: given(idValue.describe('The biometric id (user id / PIN on the terminal)')),
    device_id: given(requireDeviceId ? deviceId : deviceId.optional()),
    device_serial: given(idValue.optional().describe('The terminal serial; identifies the device when given')),
    timestamp: given(z.string().describe('YYYY-MM-DD HH:MM:SS or ISO 8601; without an offset: wall time of the device (else ICLOCKD_TZ)')),
    log_type: given(
      z
        .union([z.string(), z.number()], { error: LOG_TYPE_REASON })
        .optional()
        .refine((v) => parseLogType(v) !== null, LOG_TYPE_REASON)
        .describe('IN, OUT, AUTO (any case; absent: AUTO) or a ZKTeco punch state 0-255'),
    ),
    latitude: given(coordinate(90).optional()),
    longitude: given(coordinate(180).optional()),
    skip_auto_attendance: z.unknown().optional().describe('true, 1 or "1": the check-in makes no attendance'),
  });
}

/** One punch of the seed's JSON API (`receive_attendance_log`, each item of the bulk call). */
export const PunchLog = punchLogSchema(true);
/** The same from the HRMS method, whose device_id is optional. */
const HrmsPunchLog = punchLogSchema(false);
const FIELD_ORDER = fieldOrder(PunchLog);

function idOf(v: unknown): string | undefined {
  const id = idValue.safeParse(v);
  return id.success ? id.data : undefined;
}

export class PunchIntake {
  constructor(
    /** The process's device cache: a punch's site, zone and state, read as stored now. */
    private readonly devices: Pick<DeviceCache, 'freshMany'>,
    private readonly defaultZone: string,
  ) {}

  /**
   * Turns items into Punches. `requireDeviceId`: the seed API requires `device_id`; the HRMS
   * method does not.
   */
  async fromJson(items: JsonPunchInput[], source: PunchSource, requireDeviceId = true): Promise<IntakeResult[]> {
    const serials = items.flatMap((it) => [idOf(it.device_serial), idOf(it.device_id)].filter((s): s is string => s !== undefined));
    const devices = await this.devices.freshMany(serials);
    const schema = requireDeviceId ? PunchLog : HrmsPunchLog;
    return items.map((item) => {
      const parsed = schema.safeParse(item);
      const { missing, invalid } = parsed.success ? { missing: [] as string[], invalid: [] as string[] } : classifyIssues(parsed.error.issues, item, FIELD_ORDER);
      // Why an id was refused ("employee_id holds a control character"), where it says more than its type.
      const idReasons = ID_FIELDS.flatMap((f) => {
        const problem = invalid.includes(f) ? idProblem(item[f]) : null;
        return problem ? [`${f} ${problem}`] : [];
      });
      const deviceId = idOf(item.device_id);
      const serial = idOf(item.device_serial) ?? deviceId ?? 'unknown';
      const device = devices.get(serial) ?? (deviceId ? devices.get(deviceId) : undefined);
      const zone = device?.timeZone ?? this.defaultZone;
      // A blocked terminal's punches are refused on every channel, as its own uploads are.
      if (device?.state === 'blocked') {
        const field = device.serial === idOf(item.device_serial) ? 'device_serial' : 'device_id';
        return { invalid: { error: `Device ${device.serial} is blocked: its punches are refused until it is approved`, fields: [field], type: 'permission_error' } };
      }

      // The shape is the schema's; whether the time is real (in the device's zone) is a check of its own.
      let time: ReturnType<typeof parseTimestamp> | undefined;
      let timeReason: string | undefined;
      if (typeof item.timestamp === 'string' && !missing.includes('timestamp') && !invalid.includes('timestamp')) {
        try {
          time = parseTimestamp(item.timestamp, zone);
        } catch (err) {
          if (!(err instanceof TimestampError)) throw err;
          invalid.push('timestamp');
          timeReason = err.message;
        }
      }

      if (!parsed.success || !time) {
        invalid.sort((a, b) => FIELD_ORDER.indexOf(a) - FIELD_ORDER.indexOf(b));
        const reasons = [...idReasons, invalid.includes('timestamp') ? timeReason : undefined, invalid.includes('log_type') ? LOG_TYPE_REASON : undefined].filter((r) => r !== undefined);
        const parts: string[] = [];
        if (missing.length) parts.push(`Missing required fields: ${missing.join(', ')}`);
        if (invalid.length) parts.push(`Invalid fields: ${invalid.join(', ')}${reasons.length ? ` (${reasons.join('; ')})` : ''}`);
        return { invalid: { error: parts.join('. '), fields: [...missing, ...invalid] } };
      }
      const punch = parsed.data;
      const logType = parseLogType(punch.log_type)!;
      const skip = punch.skip_auto_attendance;
      return {
        punch: {
          deviceSerial: serial,
          deviceId: deviceId ?? null,
          site: device?.site ?? DEFAULT_SITE,
          deviceUserId: punch.employee_id,
          localTime: time.localTime,
          instant: time.instant,
          timeZone: time.timeZone,
          logType: logType.logType,
          punchState: logType.punchState,
          verifyMode: null,
          workCode: null,
          latitude: punch.latitude ?? null,
          longitude: punch.longitude ?? null,
          source,
          skipAutoAttendance: skip === true || skip === 1 || skip === '1',
        },
      };
    });
  }
}
