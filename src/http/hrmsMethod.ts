// The HRMS add_log_based_on_employee_field method, as ERPNext's biometric-attendance-sync-tool
// calls it, and the tool's update of a Shift Type's last_sync_of_checkin: Frappe's request and
// reply shapes, ERPNext's texts, and Frappe's error bodies for everything they answer.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { DateTime } from 'luxon';
import type { Clock } from '../clock.js';
import { z } from 'zod';
import type { ShiftService } from '../attendance/service.js';
import { AppError } from '../errors.js';
import type { InvalidPunch, JsonPunchInput } from '../pipeline/intake.js';
import type { StoredResult } from '../pipeline/outcome.js';
import type { Punch } from '../pipeline/punch.js';
import type { SyncCounts } from '../pipeline/syncLog.js';
import { instantToWall } from '../pipeline/time.js';
import type { ShiftType } from '../store/shiftTypes.js';
import { classifyIssues, given } from '../validation.js';
import type { AuthState } from './auth.js';
import { bodyLimit, parseJsonObject, readJsonBody, readRawBody } from './body.js';
import { answerErrorsIn, frappeDialect, frappeErrorBody } from './errorReplies.js';
import { operations } from './operation.js';
import { ONE_FAILED, type SeedDeps, rejectedAsInvalid } from './seedApi.js';
import { type SyncState, syncLogged } from './syncLog.js';

const HRMS_METHODS = [
  '/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field',
  '/api/method/erpnext.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field',
];

export type HrmsDeps = Omit<SeedDeps, 'futureWindowHours'> & { shifts: ShiftService };

/** Now as Frappe writes `creation` and `modified`: site wall time with microseconds. */
function frappeNow(clock: Clock, zone: string): string {
  return DateTime.fromJSDate(clock()).setZone(zone).toFormat('yyyy-MM-dd HH:mm:ss.SSS000');
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

/** ERPNext's refusal of a call, as Frappe answers the exception it raises. */
interface Refusal {
  status: number;
  excType: string;
  message: string;
}

/** frappe.throw: a 417 ValidationError. */
const thrown = (message: string): Refusal => ({ status: 417, excType: 'ValidationError', message });

function refuse(ctx: Context, r: Refusal): void {
  ctx.status = r.status;
  ctx.body = frappeErrorBody(r.excType, r.message);
}

/** The method's own checks of its arguments (a value and a time, matched on attendance_device_id); null when they pass. */
function argumentsRefusal(args: Record<string, unknown>): Refusal | null {
  // The shape of the punch is the intake's check (the same schema as the seed API's); only a missing value or time is HRMS's own answer.
  const checked = HrmsArgs.safeParse(args);
  const { missing } = checked.success ? { missing: [] as string[] } : classifyIssues(checked.error.issues, args);
  if (missing.includes('employee_field_value') || missing.includes('timestamp')) return thrown("'employee_field_value' and 'timestamp' are required.");
  const fieldname = typeof args.employee_fieldname === 'string' && args.employee_fieldname ? args.employee_fieldname : 'attendance_device_id';
  if (fieldname !== 'attendance_device_id') return thrown(`employee_fieldname '${fieldname}' is not supported: iclockd matches on attendance_device_id.`);
  return null;
}

/** The method's arguments as the seed API's punch fields, for the intake. */
function punchInputOf(args: Record<string, unknown>): JsonPunchInput {
  const skip = args.skip_auto_attendance;
  return {
    employee_id: args.employee_field_value,
    timestamp: args.timestamp,
    device_id: args.device_id,
    log_type: args.log_type,
    latitude: args.latitude,
    longitude: args.longitude,
    skip_auto_attendance: skip === 1 || skip === '1' || skip === true,
  };
}

/** A punch the intake refused: a blocked device is a PermissionError, anything else a ValidationError. */
function intakeRefusal(invalid: InvalidPunch): Refusal {
  return invalid.type ? { status: 403, excType: 'PermissionError', message: invalid.error } : thrown(invalid.error);
}

/** The sync log's counts of a stored punch: held for review or discarded is no failure. */
function storedCounts(r: StoredResult): SyncCounts {
  return {
    total: 1,
    created: r.outcome === 'created' ? 1 : 0,
    duplicate: r.outcome === 'duplicate' ? 1 : 0,
    failed: r.outcome === 'created' || r.punchStatus === 'suspect_time' || r.punchStatus === 'discarded' ? 0 : 1,
  };
}

/** ERPNext's refusal of a punch iclockd stored all the same (a resend, an unknown or inactive employee); null when HRMS would have created it. */
function storedRefusal(r: StoredResult, value: unknown): Refusal | null {
  if (r.outcome === 'duplicate' && r.checkin) {
    const link = `<a href="/app/employee-checkin/${r.checkin.name}">${r.checkin.name}</a>`;
    return thrown(`This employee already has a log with the same timestamp.<Br>${link}`);
  }
  if (r.punchStatus === 'unmatched') return thrown(`No Employee found for the given employee field value. 'attendance_device_id': ${String(value)}`);
  if (r.punchStatus === 'inactive') {
    const link = `<a href="/app/employee/${r.employee!.employee}">${r.employee!.employee}</a>`;
    return { status: 417, excType: 'InactiveEmployeeStatusError', message: `Transactions cannot be created for an Inactive Employee ${link}.` };
  }
  return null;
}

/** The Employee Checkin document HRMS answers with. */
function checkinDocument(r: StoredResult, punch: Punch, owner: string, zone: string, clock: Clock): Record<string, unknown> {
  const now = frappeNow(clock, zone);
  const checkin = r.checkin;
  return {
    // A punch held for review has no check-in yet: it answers by the name of the punch, so a
    // client that logs every name it is given (the sync tool) goes on to the next one.
    name: checkin?.name ?? `PUNCH-${r.punchId}`,
    owner,
    creation: now,
    modified: now,
    modified_by: 'Administrator',
    docstatus: 0,
    idx: 0,
    employee: r.employee?.employee ?? null,
    employee_name: r.employee?.name ?? null,
    log_type: punch.logType === 'AUTO' ? null : punch.logType,
    time: checkin ? instantToWall(checkin.time, zone) : punch.localTime,
    device_id: punch.deviceId,
    skip_auto_attendance: punch.skipAutoAttendance ? 1 : 0,
    shift: null,
    attendance: null,
    latitude: punch.latitude,
    longitude: punch.longitude,
    doctype: 'Employee Checkin',
    // Held for review, or discarded by an admin (a resend of it): no check-in, named by the punch.
    ...(r.punchStatus === 'suspect_time' || r.punchStatus === 'discarded' ? { iclockd_status: r.punchStatus, iclockd_punch_id: r.punchId } : {}),
  };
}

/** add_log_based_on_employee_field: 200 with the Employee Checkin, or ERPNext's refusal. */
async function addLog(deps: HrmsDeps, ctx: Context): Promise<void> {
  const state = ctx.state as SyncState;
  const args = await frappeArgs(ctx, bodyLimit('single', deps.maxBodyBytes));
  state.syncDevice = typeof args.device_id === 'string' ? args.device_id : null;
  const refusedBeforeStoring = (r: Refusal): void => {
    state.syncCounts = ONE_FAILED;
    refuse(ctx, r);
  };
  const wrongArguments = argumentsRefusal(args);
  if (wrongArguments) return refusedBeforeStoring(wrongArguments);
  const intake = (await deps.intake.fromJson([punchInputOf(args)], 'hrms', false))[0]!;
  if ('invalid' in intake) return refusedBeforeStoring(intakeRefusal(intake.invalid));
  // HRMS refuses a log without a type in a shift strictly based on log type, and stores
  // nothing: the sync tool keeps the punch and sends it again once a direction is set.
  const strictShift = await deps.ingest.logTypeRequiredBy(intake.punch);
  if (strictShift) return refusedBeforeStoring(thrown(`Log Type is required for check-ins falling in the shift: ${strictShift}.`));
  const [result] = await deps.ingest.ingest([intake.punch]);
  if (result!.outcome === 'rejected') return refusedBeforeStoring(thrown(rejectedAsInvalid(result!, { device_serial: args.device_serial }).error));
  const stored: StoredResult = result!;
  state.syncCounts = storedCounts(stored);
  const refusal = storedRefusal(stored, args.employee_field_value);
  if (refusal) return refuse(ctx, refusal);
  const owner = (ctx.state as AuthState).principal?.label ?? 'Administrator';
  ctx.body = { message: checkinDocument(stored, intake.punch, owner, deps.timeZone, deps.clock) };
}

/** A Shift Type as Frappe answers a resource. */
function shiftTypeResource(shift: ShiftType, zone: string, clock: Clock): Record<string, unknown> {
  return {
    name: shift.name,
    doctype: 'Shift Type',
    start_time: shift.startTime,
    end_time: shift.endTime,
    enable_auto_attendance: shift.enableAutoAttendance ? 1 : 0,
    last_sync_of_checkin: shift.lastSyncOfCheckin ? instantToWall(shift.lastSyncOfCheckin, zone) : null,
    modified: frappeNow(clock, zone),
  };
}

/** The sync tool's PUT of a Shift Type: only last_sync_of_checkin, the body JSON whatever its Content-Type (as Frappe reads it). */
async function shiftTypeLastSync(deps: HrmsDeps, ctx: Context): Promise<void> {
  const raw = await readRawBody(ctx, bodyLimit('single', deps.maxBodyBytes));
  const form = /application\/x-www-form-urlencoded/i.test(ctx.get('content-type'));
  const args = form ? Object.fromEntries(new URLSearchParams(raw.toString('utf8'))) : raw.length ? parseJsonObject(raw) : {};
  const others = Object.keys(args).filter((k) => !['last_sync_of_checkin', 'name', 'doctype'].includes(k));
  if (others.length) throw new AppError('validation_error', `iclockd takes only last_sync_of_checkin here; change ${others.join(', ')} with PATCH /api/v1/shift-types/${ctx.params.name}`);
  const shift = await deps.shifts.setLastSyncOfCheckin(ctx.params.name!, args.last_sync_of_checkin);
  ctx.body = { data: shiftTypeResource(shift, deps.timeZone, deps.clock) };
}

const FrappeError = z.object({ exc_type: z.string(), exception: z.string(), _server_messages: z.string().describe('JSON list of JSON messages') }).meta({ title: 'Frappe error' });

const ADD_LOG = {
  summary: 'add_log_based_on_employee_field, as HRMS answers it',
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
const SHIFT_TYPE_LAST_SYNC = {
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
};

/** The HRMS method at its two paths (hrms and the older erpnext module) and the Shift Type update on `router`, their errors in Frappe's body. */
export function mountHrmsMethod(router: Router, deps: HrmsDeps): void {
  const hrms = operations({ tag: 'HRMS method', access: 'ingest', apiKeys: deps.apiKeys });
  const use = [syncLogged(deps.syncLog, 'json', deps.logger)];
  const addLogPost = hrms({ ...ADD_LOG, use, body: HrmsArgs, bodyMediaTypes: ['application/json', 'application/x-www-form-urlencoded'] }, (ctx) => addLog(deps, ctx));
  const addLogGet = hrms({ ...ADD_LOG, use, query: HrmsArgs }, (ctx) => addLog(deps, ctx));
  const shiftTypeLastSyncOp = hrms(SHIFT_TYPE_LAST_SYNC, (ctx) => shiftTypeLastSync(deps, ctx));
  // In front of the guard: its refusals too are Frappe's.
  const frappeErrors = answerErrorsIn(frappeDialect, deps.logger);
  for (const path of HRMS_METHODS) {
    router.post(path, frappeErrors, addLogPost);
    router.get(path, frappeErrors, addLogGet);
  }
  router.put('/api/resource/Shift%20Type/:name', frappeErrors, shiftTypeLastSyncOp);
}
