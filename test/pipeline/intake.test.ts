// The seed's field checks, now done by the PunchLog schema (the same schema /openapi.json
// describes), must answer exactly what the hand-written checks before it answered: the
// messages are the seed's contract. `reference` below is that earlier code, verbatim but for
// the device lookup and the id rules issue 18 added (an id is text without control characters,
// or a whole number JSON carries exactly; the message says why), and is compared with the
// intake on generated items.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PunchIntake } from '../../src/pipeline/intake.js';
import { parseLogType } from '../../src/pipeline/punch.js';
import { TimestampError, parseTimestamp } from '../../src/pipeline/time.js';

function idText(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v === 'string' && v.trim() !== '' && v.isWellFormed() && !/[\u0000-\u001f\u007f-\u009f]/.test(v.trim()) && [...v.trim()].length <= 64) return v.trim();
  return undefined;
}

/** Why an id is refused, in the message (when it says more than a wrong type). */
function idReason(field: string, v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? `${field} is a number above 2^53, whose digits JSON loses: send it as text` : `${field} is not a whole number (send it as text)`;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  if (!v.trim().isWellFormed()) return `${field} is not valid Unicode text`;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(v.trim())) return `${field} holds a control character`;
  return `${field} is longer than 64 characters`;
}

function coordinate(v: unknown, limit: number): number | null | undefined {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) && Math.abs(n) <= limit ? Math.round(n * 1e7) / 1e7 : undefined;
}

/** The checks as they were written by hand (the error, or the fields of the punch). */
function reference(item: Record<string, unknown>, zone: string, requireDeviceId: boolean): unknown {
  const missing: string[] = [];
  const invalid: string[] = [];
  const reasons: string[] = [];
  const has = (v: unknown) => v !== undefined && v !== null && v !== '';
  const refuseId = (field: string, v: unknown) => {
    invalid.push(field);
    const why = idReason(field, v);
    if (why) reasons.push(why);
  };
  const employeeId = idText(item.employee_id);
  if (!has(item.employee_id)) missing.push('employee_id');
  else if (employeeId === undefined) refuseId('employee_id', item.employee_id);
  const deviceId = idText(item.device_id);
  if (!has(item.device_id)) {
    if (requireDeviceId) missing.push('device_id');
  } else if (deviceId === undefined) refuseId('device_id', item.device_id);
  const deviceSerial = idText(item.device_serial);
  if (has(item.device_serial) && deviceSerial === undefined) refuseId('device_serial', item.device_serial);
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
  return { employee: employeeId, deviceId: deviceId ?? null, local: time!.localTime, logType, latitude, longitude };
}

const noDevices = { freshMany: async () => new Map() };
const intake = new PunchIntake(noDevices, 'Asia/Riyadh');

async function actual(item: Record<string, unknown>, requireDeviceId: boolean): Promise<unknown> {
  const [r] = await intake.fromJson([item], 'json', requireDeviceId);
  if ('invalid' in r!) return r;
  const p = r!.punch;
  return { employee: p.deviceUserId, deviceId: p.deviceId, local: p.localTime, logType: { logType: p.logType, punchState: p.punchState }, latitude: p.latitude, longitude: p.longitude };
}

const blank = fc.constantFrom(undefined, null, '');
const anyValue = fc.oneof(blank, fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 3 }), fc.constant('   '), fc.constant('x'.repeat(65)), fc.constant({}), fc.constant([]));
const id = fc.oneof(anyValue, fc.constantFrom('12345', ' 77 ', 'GATE-1', 'B\u0000C', 'x\ud800', '\u00e9\u{1F600}', 2 ** 53, -(2 ** 53) + 1), fc.integer({ min: 0, max: 99999 }));
const timestamp = fc.oneof(anyValue, fc.constantFrom('2025-01-27 14:30:00', '2025-02-30 09:00:00', '2025-01-27T14:30+03:00', '2025-03-09 02:30:00', 'yesterday', '0000-01-01 00:00:00'));
const logType = fc.oneof(anyValue, fc.constantFrom('IN', 'out', 'Auto', '0', '5', '255', '256', ' 3 ', 'BREAK'), fc.integer({ min: -2, max: 300 }));
const coordinateValue = fc.oneof(anyValue, fc.constantFrom('24.7136', '-90', '90.0001', '181', ' 12 ', 'north'), fc.double({ min: -200, max: 200, noNaN: true }));
const item = fc.record(
  { employee_id: id, device_id: id, device_serial: id, timestamp, log_type: logType, latitude: coordinateValue, longitude: coordinateValue, skip_auto_attendance: anyValue },
  { requiredKeys: [] },
);

test('the schema-based intake answers every item exactly as the hand-written checks did', async () => {
  await fc.assert(
    fc.asyncProperty(item, fc.boolean(), async (it, requireDeviceId) => {
      assert.deepEqual(await actual(it, requireDeviceId), reference(it, 'Asia/Riyadh', requireDeviceId));
    }),
    { numRuns: 3000 },
  );
});

test('the seed messages, by example', async () => {
  assert.deepEqual(await actual({ timestamp: '2025-02-30 09:00:00', log_type: 'BREAK', latitude: 'north' }, true), {
    invalid: {
      error: 'Missing required fields: employee_id, device_id. Invalid fields: timestamp, log_type, latitude ("2025-02-30 09:00:00" is not a real date and time; log_type must be IN, OUT, AUTO or a device punch state 0-255)',
      fields: ['employee_id', 'device_id', 'timestamp', 'log_type', 'latitude'],
    },
  });
});
