// The seed's JSON attendance API (byte-compatible bodies) at its ERPNext paths and short
// aliases, and the HRMS add_log_based_on_employee_field method in Frappe's shape.
import type Router from '@koa/router';
import { newRouter } from './routing.js';
import type { Context, Next } from 'koa';
import { DateTime } from 'luxon';
import { randomBytes } from 'node:crypto';
import type { ShiftService } from '../attendance/service.js';
import type { ApiKeyService } from '../auth/apiKeys.js';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { classifyIssues, given } from '../validation.js';
import type { IngestService } from '../pipeline/ingest.js';
import type { IngestResult, RejectedResult, StoredResult } from '../pipeline/outcome.js';
import { type InvalidPunch, type JsonPunchInput, PunchLog, type PunchIntake } from '../pipeline/intake.js';
import { NO_COUNTS, type SyncCounts, type SyncLogService } from '../pipeline/syncLog.js';
import { dayRange, instantToWall } from '../pipeline/time.js';
import type { Logger } from '../log.js';
import { VERSION } from '../version.js';
import { type SyncState, syncLogged } from './syncLog.js';
import { bodyLimit, parseJsonObject, readJsonBody, readRawBody } from './body.js';
import { ErrorBodySchema, operations, successBody } from './operation.js';

export const MAX_BULK_LOGS = 1000;

const SEED = '/api/method/phr.phr.api.biometric_realtime_sync';
const HRMS_METHODS = [
  '/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field',
  '/api/method/erpnext.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field',
];

export interface ApiDeps {
  apiKeys: ApiKeyService;
  shifts: ShiftService;
  intake: PunchIntake;
  ingest: IngestService;
  syncLog: SyncLogService;
  logger: Logger;
  timeZone: string;
  maxBodyBytes: number;
}

/**
 * `?wrap=frappe` or `X-Frappe-Compat: 1`: a successful body under `message`, as Frappe clients
 * read results. Errors keep their own body, as Frappe's do.
 */
async function frappeWrap(ctx: Context, next: Next): Promise<void> {
  await next();
  const wanted = ctx.query.wrap === 'frappe' || ctx.get('x-frappe-compat') === '1';
  if (wanted && ctx.body !== undefined && ctx.status < 400) ctx.body = { message: ctx.body };
}

function employeeIdOf(item: JsonPunchInput): string | null {
  const v = item.employee_id;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

/** The seed's name of the field a punch that could not be stored is refused for. */
function rejectedAsInvalid(result: RejectedResult, item: JsonPunchInput): InvalidPunch {
  const { field, reason } = result.problem;
  const named =
    field === 'local_time' || field === 'time' ? 'timestamp' : field === 'device_serial' && item.device_serial === undefined ? 'device_id' : field === 'punch_state' ? 'log_type' : field;
  return { error: `Invalid fields: ${named} (${reason})`, fields: [named] };
}

/** A bulk item that was not stored: its own validation error. */
function invalidItem(item: JsonPunchInput, invalid: InvalidPunch): Record<string, unknown> {
  return { success: false, employee_id: employeeIdOf(item), error: invalid.error, error_type: invalid.type ?? 'validation_error', fields: invalid.fields };
}

/** Why a check-in makes no attendance, where the reason is worth telling the sender; else null. */
function attendanceNote(result: StoredResult): string | null {
  if (result.logTypeRequiredBy) {
    return `Shift ${result.logTypeRequiredBy} determines check-in and check-out strictly by log type and this punch has none: the check-in is kept but not counted in its attendance (send log_type IN or OUT)`;
  }
  return result.outsideShifts ? 'No shift covers this time: the check-in is kept but makes no attendance' : null;
}

/** A bulk item's (or the single reply's) view of an ingest result. */
function itemReply(result: StoredResult, item: JsonPunchInput, futureWindowHours: number): Record<string, unknown> {
  const employeeId = employeeIdOf(item);
  switch (result.punchStatus) {
    case 'checked_in': {
      const note = attendanceNote(result);
      return {
        success: true,
        employee_id: employeeId,
        checkin_id: result.checkin!.name,
        employee: result.employee!.employee,
        ...(result.outcome === 'duplicate' ? { duplicate: true } : {}),
        ...(note ? { attendance_note: note } : {}),
      };
    }
    case 'unmatched':
      return {
        success: false,
        employee_id: employeeId,
        error: `No active employee has attendance_device_id ${employeeId}; the punch is stored and becomes a check-in when that employee is added`,
        error_type: 'employee_not_found',
        punch_id: result.punchId,
        ...(result.outcome === 'duplicate' ? { duplicate: true } : {}),
      };
    case 'inactive':
      return {
        success: false,
        employee_id: employeeId,
        error: `Employee ${result.employee!.employee} is ${result.employee!.status}; the punch is stored but no check-in was created`,
        error_type: 'inactive_employee',
        employee: result.employee!.employee,
        punch_id: result.punchId,
        ...(result.outcome === 'duplicate' ? { duplicate: true } : {}),
      };
    case 'suspect_time':
      return {
        success: true,
        employee_id: employeeId,
        checkin_id: null,
        suspect_time: true,
        message: `Punch stored for review: its time is more than ${futureWindowHours} hours ahead or before the configured floor, so no check-in was created`,
        punch_id: result.punchId,
        ...(result.outcome === 'duplicate' ? { duplicate: true } : {}),
      };
    case 'discarded':
      // Only a resend can find one: it was stored once, and an admin discarded it since.
      return { success: true, employee_id: employeeId, checkin_id: null, discarded: true, message: 'Punch already stored and discarded by an admin: no check-in', punch_id: result.punchId, duplicate: true };
  }
}

function countsOf(replies: Record<string, unknown>[], results: (IngestResult | null)[]): SyncCounts {
  return {
    total: replies.length,
    created: results.filter((r) => r?.outcome === 'created').length,
    duplicate: results.filter((r) => r?.outcome === 'duplicate').length,
    failed: replies.filter((r) => r.success === false).length,
  };
}

/** Frappe's error body: the text in `_server_messages`, which clients substring-match. */
function frappeError(ctx: Context, status: number, excType: string, message: string): void {
  ctx.status = status;
  ctx.body = {
    exc_type: excType,
    exception: `frappe.exceptions.${excType}: ${message}`,
    _server_messages: JSON.stringify([
      JSON.stringify({ message, title: 'Message', indicator: 'red', raise_exception: 1, __frappe_exc_id: randomBytes(8).toString('hex') }),
    ]),
  };
}

const FRAPPE_EXC: Record<string, [number, string]> = {
  authentication_error: [401, 'AuthenticationError'],
  permission_error: [403, 'PermissionError'],
  not_found: [404, 'DoesNotExistError'],
  payload_too_large: [413, 'ValidationError'],
  unsupported_media_type: [415, 'ValidationError'],
};

/** Now as Frappe writes `creation` and `modified`: site wall time with microseconds. */
function frappeNow(zone: string): string {
  return DateTime.now().setZone(zone).toFormat('yyyy-MM-dd HH:mm:ss.SSS000');
}

/** AppErrors below (the guard's, the body's, the intake's) in Frappe's error body; storage trouble stays the API's 503. */
async function frappeErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    if (!(err instanceof AppError) || err.type === 'service_unavailable' || err.type === 'internal_error') throw err;
    const [status, excType] = FRAPPE_EXC[err.type] ?? [417, 'ValidationError'];
    frappeError(ctx, status, excType, err.message);
  }
}

/** Arguments of a Frappe method call: JSON body, else form body, plus the query string. */
async function frappeArgs(ctx: Context, maxBodyBytes: number): Promise<Record<string, unknown>> {
  const type = ctx.get('content-type');
  if (ctx.method === 'GET' || !type) return { ...ctx.query };
  if (/json/i.test(type)) return { ...ctx.query, ...(await readJsonBody(ctx, maxBodyBytes)) };
  if (/application\/x-www-form-urlencoded/i.test(type)) {
    const raw = await readRawBody(ctx, maxBodyBytes);
    return { ...ctx.query, ...Object.fromEntries(new URLSearchParams(raw.toString('utf8'))) };
  }
  throw new AppError('unsupported_media_type', `Content-Type must be application/json or form data, not ${type}`);
}

/** `?wrap=frappe`: the success body under `message`, as Frappe clients read it. */
const WrapQuery = z.object({ wrap: z.string().optional().describe('frappe: a success body comes as {"message": …} (or send X-Frappe-Compat: 1)') });
const BulkLogs = z.object({ logs: z.array(PunchLog).max(MAX_BULK_LOGS).describe(`At most ${MAX_BULK_LOGS} punches`) });
const StatisticsQuery = WrapQuery.extend({
  from_date: z.string().optional().describe('First day YYYY-MM-DD (seed name)'),
  to_date: z.string().optional().describe('Last day YYYY-MM-DD (seed name)'),
  from: z.string().optional().describe('First day (alias of from_date)'),
  to: z.string().optional().describe('Last day (alias of to_date)'),
});
const HrmsArgs = z.looseObject({
  employee_field_value: given(z.union([z.string(), z.number()]).describe('The biometric id')),
  timestamp: given(z.string().describe('Wall time YYYY-MM-DD HH:MM:SS (or ISO 8601)')),
  device_id: z.string().optional(),
  log_type: z.string().optional().describe('IN, OUT or absent'),
  skip_auto_attendance: z.union([z.string(), z.number(), z.boolean()]).optional().describe('1: the check-in makes no attendance'),
  latitude: z.union([z.string(), z.number()]).optional(),
  longitude: z.union([z.string(), z.number()]).optional(),
  employee_fieldname: z.literal('attendance_device_id').optional().describe('Only attendance_device_id (the default) is supported'),
});
/** The seed's refusal of a punch it stored all the same. */
const StoredRefusal = (errorType: string) => ErrorBodySchema.extend({ error_type: z.literal(errorType), punch_id: z.number().int(), duplicate: z.literal(true).optional() });
const FrappeError = z.object({ exc_type: z.string(), exception: z.string(), _server_messages: z.string().describe('JSON list of JSON messages') }).meta({ title: 'Frappe error' });

export function apiRoutes(deps: ApiDeps, settings: { futureWindowHours: number }): Router {
  const router = newRouter();
  const logged = syncLogged(deps.syncLog, 'json', deps.logger);

  async function receiveOne(ctx: Context): Promise<void> {
    const item = (await readJsonBody(ctx, bodyLimit('single', deps.maxBodyBytes))) as JsonPunchInput;
    const state = ctx.state as SyncState;
    state.syncDevice = typeof item.device_id === 'string' ? item.device_id : null;
    const intake = (await deps.intake.fromJson([item], 'json'))[0]!;
    if ('invalid' in intake) {
      state.syncCounts = { ...NO_COUNTS, total: 1, failed: 1 };
      deps.ingest.countInvalid('json', 1);
      throw new AppError(intake.invalid.type ?? 'validation_error', intake.invalid.error, { fields: intake.invalid.fields });
    }
    const [stored] = await deps.ingest.ingest([intake.punch]);
    if (stored!.outcome === 'rejected') {
      const invalid = rejectedAsInvalid(stored!, item);
      state.syncCounts = { ...NO_COUNTS, total: 1, failed: 1 };
      throw new AppError('validation_error', invalid.error, { fields: invalid.fields });
    }
    const result: StoredResult = stored!;
    const reply = itemReply(result, item, settings.futureWindowHours);
    state.syncCounts = countsOf([reply], [result]);
    const { employee_id: _employeeId, ...rest } = reply;
    if (result.punchStatus === 'checked_in') {
      ctx.body = {
        success: true,
        checkin_id: reply.checkin_id,
        message: result!.outcome === 'duplicate' ? 'Duplicate punch: already recorded' : 'Attendance logged successfully',
        employee: reply.employee,
        attendance_created: result!.attendanceCreated,
        timestamp: intake.punch.localTime,
        ...(result!.outcome === 'duplicate' ? { duplicate: true } : {}),
        ...(reply.attendance_note ? { attendance_note: reply.attendance_note } : {}),
      };
    } else if (result!.punchStatus === 'suspect_time') {
      ctx.status = 202;
      ctx.body = { ...rest, attendance_created: false, timestamp: intake.punch.localTime };
    } else if (result!.punchStatus === 'discarded') {
      ctx.body = { ...rest, timestamp: intake.punch.localTime }; // 200: stored once, nothing to retry
    } else {
      ctx.status = result!.punchStatus === 'unmatched' ? 404 : 409;
      ctx.body = rest;
    }
  }

  async function receiveBulk(ctx: Context): Promise<void> {
    const body = await readJsonBody(ctx, bodyLimit('upload', deps.maxBodyBytes));
    const state = ctx.state as SyncState;
    if (!Array.isArray(body.logs)) {
      throw new AppError('validation_error', 'Missing required fields: logs (an array of attendance logs)', { fields: ['logs'] });
    }
    const items = body.logs as unknown[];
    if (items.length > MAX_BULK_LOGS) {
      state.syncCounts = { ...NO_COUNTS, total: items.length, failed: items.length };
      throw new AppError('validation_error', `Too many logs: ${items.length}; at most ${MAX_BULK_LOGS} per request`, { fields: ['logs'] });
    }
    const inputs = items.map((it) => (typeof it === 'object' && it !== null && !Array.isArray(it) ? (it as JsonPunchInput) : {}));
    const devices = new Set(inputs.flatMap((it) => (typeof it.device_id === 'string' ? [it.device_id] : [])));
    state.syncDevice = devices.size === 1 ? [...devices][0]! : null;
    const intakes = await deps.intake.fromJson(inputs, 'json');
    const punches = intakes.flatMap((r) => ('punch' in r ? [r.punch] : []));
    deps.ingest.countInvalid('json', intakes.length - punches.length);
    const ingested = await deps.ingest.ingest(punches);
    let next = 0;
    const results: (IngestResult | null)[] = intakes.map((r) => ('punch' in r ? ingested[next++]! : null));
    const replies = intakes.map((r, i) => {
      if ('invalid' in r) return invalidItem(inputs[i]!, r.invalid);
      const result = results[i]!;
      return result.outcome === 'rejected' ? invalidItem(inputs[i]!, rejectedAsInvalid(result, inputs[i]!)) : itemReply(result, inputs[i]!, settings.futureWindowHours);
    });
    state.syncCounts = countsOf(replies, results);
    const failed = replies.filter((r) => r.success === false).length;
    ctx.body = { success: true, processed: replies.length - failed, failed, total: replies.length, results: replies };
  }

  function testConnection(ctx: Context): void {
    ctx.body = {
      success: true,
      message: 'Connection successful',
      server_time: instantToWall(new Date(), deps.timeZone),
      version: VERSION,
    };
  }

  async function statistics(ctx: Context, q: z.output<typeof StatisticsQuery>): Promise<void> {
    const range = dayRange(q.from_date ?? q.from, q.to_date ?? q.to, deps.timeZone);
    const stats = await deps.syncLog.statistics({ from: range.start, to: range.end });
    ctx.body = { success: true, ...stats, from_date: q.from_date ?? q.from ?? null, to_date: q.to_date ?? q.to ?? null };
  }

  async function hrmsAddLog(ctx: Context): Promise<void> {
    const state = ctx.state as SyncState;
    const args = await frappeArgs(ctx, bodyLimit('single', deps.maxBodyBytes));
    const value = args.employee_field_value;
    const timestamp = args.timestamp;
    state.syncDevice = typeof args.device_id === 'string' ? args.device_id : null;
    // The shape of the punch is the intake's check (the same schema as the seed API's); only a missing value or time is HRMS's own answer.
    const checked = HrmsArgs.safeParse(args);
    const { missing } = checked.success ? { missing: [] as string[] } : classifyIssues(checked.error.issues, args);
    if (missing.includes('employee_field_value') || missing.includes('timestamp')) {
      state.syncCounts = { ...NO_COUNTS, total: 1, failed: 1 };
      return frappeError(ctx, 417, 'ValidationError', "'employee_field_value' and 'timestamp' are required.");
    }
    const fieldname = typeof args.employee_fieldname === 'string' && args.employee_fieldname ? args.employee_fieldname : 'attendance_device_id';
    if (fieldname !== 'attendance_device_id') {
      state.syncCounts = { ...NO_COUNTS, total: 1, failed: 1 };
      return frappeError(ctx, 417, 'ValidationError', `employee_fieldname '${fieldname}' is not supported: iclockd matches on attendance_device_id.`);
    }
    const skip = args.skip_auto_attendance;
    const intake = (
      await deps.intake.fromJson(
      [
        {
          employee_id: value,
          timestamp,
          device_id: args.device_id,
          log_type: args.log_type,
          latitude: args.latitude,
          longitude: args.longitude,
          skip_auto_attendance: skip === 1 || skip === '1' || skip === true,
        },
      ],
      'hrms',
      false,
    )
    )[0]!;
    if ('invalid' in intake) {
      state.syncCounts = { ...NO_COUNTS, total: 1, failed: 1 };
      return intake.invalid.type ? frappeError(ctx, 403, 'PermissionError', intake.invalid.error) : frappeError(ctx, 417, 'ValidationError', intake.invalid.error);
    }
    // HRMS refuses a log without a type in a shift strictly based on log type, and stores
    // nothing: the sync tool keeps the punch and sends it again once a direction is set.
    const strictShift = await deps.ingest.logTypeRequiredBy(intake.punch);
    if (strictShift) {
      state.syncCounts = { ...NO_COUNTS, total: 1, failed: 1 };
      return frappeError(ctx, 417, 'ValidationError', `Log Type is required for check-ins falling in the shift: ${strictShift}.`);
    }
    const [result] = await deps.ingest.ingest([intake.punch]);
    if (result!.outcome === 'rejected') {
      state.syncCounts = { ...NO_COUNTS, total: 1, failed: 1 };
      return frappeError(ctx, 417, 'ValidationError', rejectedAsInvalid(result!, { device_serial: args.device_serial }).error);
    }
    const r: StoredResult = result!;
    state.syncCounts = {
      total: 1,
      created: r.outcome === 'created' ? 1 : 0,
      duplicate: r.outcome === 'duplicate' ? 1 : 0,
      failed: r.outcome === 'created' || r.punchStatus === 'suspect_time' || r.punchStatus === 'discarded' ? 0 : 1,
    };
    if (r.outcome === 'duplicate' && r.checkin) {
      const link = `<a href="/app/employee-checkin/${r.checkin.name}">${r.checkin.name}</a>`;
      return frappeError(ctx, 417, 'ValidationError', `This employee already has a log with the same timestamp.<Br>${link}`);
    }
    if (r.punchStatus === 'unmatched') {
      return frappeError(ctx, 417, 'ValidationError', `No Employee found for the given employee field value. '${fieldname}': ${String(value)}`);
    }
    if (r.punchStatus === 'inactive') {
      const link = `<a href="/app/employee/${r.employee!.employee}">${r.employee!.employee}</a>`;
      return frappeError(ctx, 417, 'InactiveEmployeeStatusError', `Transactions cannot be created for an Inactive Employee ${link}.`);
    }
    const now = frappeNow(deps.timeZone);
    const checkin = r.checkin;
    ctx.body = {
      message: {
        // A punch held for review has no check-in yet: it answers by the name of the punch, so a
        // client that logs every name it is given (the sync tool) goes on to the next one.
        name: checkin?.name ?? `PUNCH-${r.punchId}`,
        owner: (ctx.state as { principal?: { label: string } }).principal?.label ?? 'Administrator',
        creation: now,
        modified: now,
        modified_by: 'Administrator',
        docstatus: 0,
        idx: 0,
        employee: r.employee?.employee ?? null,
        employee_name: r.employee?.name ?? null,
        log_type: intake.punch.logType === 'AUTO' ? null : intake.punch.logType,
        time: checkin ? instantToWall(checkin.time, deps.timeZone) : intake.punch.localTime,
        device_id: intake.punch.deviceId,
        skip_auto_attendance: intake.punch.skipAutoAttendance ? 1 : 0,
        shift: null,
        attendance: null,
        latitude: intake.punch.latitude,
        longitude: intake.punch.longitude,
        doctype: 'Employee Checkin',
        // Held for review, or discarded by an admin (a resend of it): no check-in, named by the punch.
        ...(r.punchStatus === 'suspect_time' || r.punchStatus === 'discarded' ? { iclockd_status: r.punchStatus, iclockd_punch_id: r.punchId } : {}),
      },
    };
  }

  const ingest = operations({ tag: 'Punches (seed API)', access: 'ingest', apiKeys: deps.apiKeys });
  const admin = operations({ tag: 'Punches (seed API)', access: 'admin', apiKeys: deps.apiKeys });
  // The sync log records what a caller with a key sent (never a refused key), as the seed's does.
  const seedUse = [logged, frappeWrap];
  const receiveOneOp = ingest(
    {
      summary: 'Receive one punch',
      use: seedUse,
      description: 'The seed API: the punch is stored whatever happens to it, and answered as the seed does. The body is checked by the intake with this schema.',
      query: WrapQuery,
      body: PunchLog,
      checkedByHandler: true,
      response: { description: 'Check-in created, or a resend (duplicate: true)', schema: successBody('checkin_id, message, employee, attendance_created, timestamp; duplicate, attendance_note') },
      responses: {
        202: { description: 'Time suspect: stored and held for review (suspect_time: true, checkin_id: null)', schema: successBody('checkin_id: null, suspect_time, message, punch_id, attendance_created, timestamp') },
        404: { description: 'No employee has the biometric id: stored unmatched, a check-in once that employee exists', schema: StoredRefusal('employee_not_found') },
        409: { description: 'The employee is Inactive or Left: stored, a check-in if the employee is set Active', schema: StoredRefusal('inactive_employee') },
      },
    },
    receiveOne,
  );
  const receiveBulkOp = ingest(
    {
      summary: 'Receive punches in bulk',
      use: seedUse,
      description: `At most ${MAX_BULK_LOGS}; each item is judged and answered on its own (with the single punch's schema), a bad item never blocks the others.`,
      query: WrapQuery,
      body: BulkLogs,
      checkedByHandler: true,
      response: {
        description: 'processed + failed = total; results: one per item, in order',
        schema: z.looseObject({ success: z.literal(true), processed: z.number().int(), failed: z.number().int(), total: z.number().int(), results: z.array(z.looseObject({ success: z.boolean() })) }),
      },
    },
    receiveBulk,
  );
  const testConnectionOp = ingest(
    {
      summary: 'Test the connection',
      use: seedUse,
      query: WrapQuery,
      checkedByHandler: true,
      response: { description: 'server_time: wall time in ICLOCKD_TZ', schema: z.object({ success: z.literal(true), message: z.string(), server_time: z.string(), version: z.string() }) },
    },
    testConnection,
  );
  const statisticsOp = admin(
    {
      summary: 'Statistics of the sync log',
      use: [frappeWrap],
      description: 'Requests to these endpoints between the dates (whole days in ICLOCKD_TZ).',
      tag: 'Sync log',
      query: StatisticsQuery,
      response: { description: 'Counts by device and channel', schema: successBody('total_requests, successful, errors, success_rate, by_device, by_channel, from_date, to_date') },
    },
    (ctx, { query }) => statistics(ctx, query),
  );
  const hrms = operations({ tag: 'HRMS method', access: 'ingest', apiKeys: deps.apiKeys });
  const hrmsSpec = {
    summary: 'add_log_based_on_employee_field, as HRMS answers it',
    use: [logged],
    description:
      "For ERPNext's biometric-attendance-sync-tool: 200 {message: the Employee Checkin}, failures as 417 with exc_type and _server_messages (ERPNext's texts). The arguments are checked by the handler with this schema.",
    checkedByHandler: true,
    response: { description: 'The Employee Checkin document under message', schema: z.object({ message: z.looseObject({ name: z.string().nullable(), doctype: z.literal('Employee Checkin') }) }) },
    ownErrors: true,
    responses: {
      401: { description: 'AuthenticationError', schema: FrappeError },
      403: { description: 'PermissionError', schema: FrappeError },
      413: { description: 'ValidationError: body too large', schema: FrappeError },
      415: { description: 'ValidationError: neither JSON nor form data', schema: FrappeError },
      417: { description: 'ValidationError (a resend, an unknown id, missing arguments, no log type in a shift strictly based on log type: nothing stored) or InactiveEmployeeStatusError, with ERPNext\u2019s texts', schema: FrappeError },
    },
  };
  const hrmsGet = hrms({ ...hrmsSpec, query: HrmsArgs }, hrmsAddLog);

  /** The sync tool's PUT of a Shift Type: only last_sync_of_checkin, the body JSON whatever its Content-Type (as Frappe reads it). */
  async function shiftTypeLastSync(ctx: Context): Promise<void> {
    const raw = await readRawBody(ctx, bodyLimit('single', deps.maxBodyBytes));
    const form = /application\/x-www-form-urlencoded/i.test(ctx.get('content-type'));
    const args = form ? Object.fromEntries(new URLSearchParams(raw.toString('utf8'))) : raw.length ? parseJsonObject(raw) : {};
    const others = Object.keys(args).filter((k) => !['last_sync_of_checkin', 'name', 'doctype'].includes(k));
    if (others.length) throw new AppError('validation_error', `iclockd takes only last_sync_of_checkin here; change ${others.join(', ')} with PATCH /api/v1/shift-types/${ctx.params.name}`);
    const shift = await deps.shifts.setLastSyncOfCheckin(ctx.params.name!, args.last_sync_of_checkin);
    ctx.body = {
      data: {
        name: shift.name,
        doctype: 'Shift Type',
        start_time: shift.startTime,
        end_time: shift.endTime,
        enable_auto_attendance: shift.enableAutoAttendance ? 1 : 0,
        last_sync_of_checkin: shift.lastSyncOfCheckin ? instantToWall(shift.lastSyncOfCheckin, deps.timeZone) : null,
        modified: frappeNow(deps.timeZone),
      },
    };
  }
  const shiftTypeLastSyncOp = hrms(
    {
      summary: "Shift Type last_sync_of_checkin, as ERPNext's sync tool sets it",
      description:
        'PUT /api/resource/Shift Type/<name> with {"last_sync_of_checkin": "YYYY-MM-DD HH:MM:SS"} (wall time in ICLOCKD_TZ): every log before it is in, so days of that shift that ended before it become final. Other fields are refused (the admin API changes them).',
      checkedByHandler: true,
      body: z.object({ last_sync_of_checkin: z.string() }),
      ownErrors: true,
      response: { description: 'The Shift Type under data, as Frappe answers a resource', schema: z.object({ data: z.looseObject({ name: z.string(), doctype: z.literal('Shift Type'), last_sync_of_checkin: z.string().nullable() }) }) },
      responses: {
        401: { description: 'AuthenticationError', schema: FrappeError },
        403: { description: 'PermissionError', schema: FrappeError },
        404: { description: 'DoesNotExistError: no such shift type', schema: FrappeError },
        417: { description: 'ValidationError: a bad timestamp, or another field', schema: FrappeError },
      },
    },
    shiftTypeLastSync,
  );
  const hrmsPost = hrms({ ...hrmsSpec, body: HrmsArgs, bodyMediaTypes: ['application/json', 'application/x-www-form-urlencoded'] }, hrmsAddLog);

  // Seed paths and their aliases: the same handlers.
  for (const path of [`${SEED}.receive_attendance_log`, '/api/v1/punches']) router.post(path, receiveOneOp);
  for (const path of [`${SEED}.receive_bulk_attendance_logs`, '/api/v1/punches/bulk']) router.post(path, receiveBulkOp);
  router.get(`${SEED}.test_connection`, testConnectionOp);
  router.post(`${SEED}.test_connection`, testConnectionOp);
  router.get('/api/v1/ping', testConnectionOp);
  for (const path of [`${SEED}.get_realtime_sync_statistics`, '/api/v1/stats']) router.get(path, statisticsOp);
  // Frappe's error bodies for everything the method answers, its guard's refusals included.
  for (const path of HRMS_METHODS) {
    router.post(path, frappeErrors, hrmsPost);
    router.get(path, frappeErrors, hrmsGet);
  }
  router.put('/api/resource/Shift%20Type/:name', frappeErrors, shiftTypeLastSyncOp);
  return router;
}
