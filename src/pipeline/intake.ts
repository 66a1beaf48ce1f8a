// JSON punch input (the seed API's fields) to Punches: field checks, the device's zone and
// site, timestamp conversion. Each item is judged alone, so one bad item never blocks others.
import type { DeviceLookup } from './deviceLookup.js';
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
}

export type IntakeResult = { punch: Punch } | { invalid: InvalidPunch };

function idText(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  return undefined;
}

function coordinate(v: unknown, limit: number): number | null | undefined {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) && Math.abs(n) <= limit ? Math.round(n * 1e7) / 1e7 : undefined;
}

export class PunchIntake {
  constructor(
    private readonly devices: DeviceLookup,
    private readonly defaultZone: string,
  ) {}

  /**
   * Turns items into Punches. `requireDeviceId`: the seed API requires `device_id`; the HRMS
   * method does not.
   */
  async fromJson(items: JsonPunchInput[], source: PunchSource, requireDeviceId = true): Promise<IntakeResult[]> {
    const serials = items.flatMap((it) => [idText(it.device_serial), idText(it.device_id)].filter((s): s is string => s !== undefined));
    const devices = await this.devices.settings(serials);
    return items.map((item) => {
      const missing: string[] = [];
      const invalid: string[] = [];
      const reasons: string[] = [];
      const has = (v: unknown) => v !== undefined && v !== null && v !== '';

      const employeeId = idText(item.employee_id);
      if (!has(item.employee_id)) missing.push('employee_id');
      else if (employeeId === undefined || employeeId.length > 64) invalid.push('employee_id');

      const deviceId = idText(item.device_id);
      if (!has(item.device_id)) {
        if (requireDeviceId) missing.push('device_id');
      } else if (deviceId === undefined || deviceId.length > 64) invalid.push('device_id');

      const deviceSerial = idText(item.device_serial);
      if (has(item.device_serial) && (deviceSerial === undefined || deviceSerial.length > 64)) invalid.push('device_serial');

      const serial = deviceSerial ?? deviceId ?? 'unknown';
      const device = devices.get(serial) ?? (deviceId ? devices.get(deviceId) : undefined);
      const zone = device?.timeZone ?? this.defaultZone;

      let time: ReturnType<typeof parseTimestamp> | undefined;
      if (!has(item.timestamp)) missing.push('timestamp');
      else if (typeof item.timestamp !== 'string') invalid.push('timestamp');
      else {
        try {
          time = parseTimestamp(item.timestamp, zone);
        } catch (err) {
          if (!(err instanceof TimestampError)) throw err;
          invalid.push('timestamp');
          reasons.push(err.message);
        }
      }

      const logType = parseLogType(item.log_type);
      if (!logType) {
        invalid.push('log_type');
        reasons.push('log_type must be IN, OUT, AUTO or a device punch state 0-255');
      }
      const latitude = coordinate(item.latitude, 90);
      if (latitude === undefined) invalid.push('latitude');
      const longitude = coordinate(item.longitude, 180);
      if (longitude === undefined) invalid.push('longitude');

      if (missing.length || invalid.length) {
        const parts: string[] = [];
        if (missing.length) parts.push(`Missing required fields: ${missing.join(', ')}`);
        if (invalid.length) parts.push(`Invalid fields: ${invalid.join(', ')}${reasons.length ? ` (${reasons.join('; ')})` : ''}`);
        return { invalid: { error: parts.join('. '), fields: [...missing, ...invalid] } };
      }
      const skip = item.skip_auto_attendance;
      return {
        punch: {
          deviceSerial: serial,
          deviceId: deviceId ?? null,
          site: device?.site ?? DEFAULT_SITE,
          deviceUserId: employeeId!,
          localTime: time!.localTime,
          instant: time!.instant,
          timeZone: time!.timeZone,
          logType: logType!.logType,
          punchState: logType!.punchState,
          verifyMode: null,
          workCode: null,
          latitude: latitude!,
          longitude: longitude!,
          source,
          skipAutoAttendance: skip === true || skip === 1 || skip === '1',
        },
      };
    });
  }
}
