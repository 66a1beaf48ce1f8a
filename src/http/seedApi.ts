// The seed's JSON attendance API, byte-compatible: its ERPNext method paths and their short
// aliases (/api/v1/punches, /api/v1/punches/bulk, /api/v1/ping, /api/v1/stats).
import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import type { ApiKeyService } from '../auth/apiKeys.js';
import { AppError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { IngestService } from '../pipeline/ingest.js';
import { type InvalidPunch, type IntakeResult, type JsonPunchInput, PunchLog, type PunchIntake } from '../pipeline/intake.js';
import type { IngestResult, RejectedResult, StoredResult } from '../pipeline/outcome.js';
import { NO_COUNTS, type SyncCounts, type SyncLogService } from '../pipeline/syncLog.js';
import { dayRange, instantToWall } from '../pipeline/time.js';
import { VERSION } from '../version.js';
import { bodyLimit, readJsonBody } from './body.js';
import { ErrorBodySchema, operations, successBody } from './operation.js';
import { type SyncState, syncLogged } from './syncLog.js';

export const MAX_BULK_LOGS = 1000;

const SEED = '/api/method/phr.phr.api.biometric_realtime_sync';

export interface SeedDeps {
  apiKeys: ApiKeyService;
  intake: PunchIntake;
  ingest: IngestService;
  syncLog: SyncLogService;
  logger: Logger;
  clock: Clock;
  timeZone: string;
  maxBodyBytes: number;
  /** ICLOCKD_FUTURE_WINDOW_HOURS, for the message of a punch held for review. */
  futureWindowHours: number;
}

/** The sync log's counts of a request about one punch that was refused. */
export const ONE_FAILED: SyncCounts = { ...NO_COUNTS, total: 1, failed: 1 };

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
export function rejectedAsInvalid(result: RejectedResult, item: JsonPunchInput): InvalidPunch {
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

/** The single endpoint's reply to a stored punch: 200 (a check-in, or a discarded resend), 202 held for review, 404 or 409 refused. */
function singleReply(result: StoredResult, item: Record<string, unknown>, timestamp: string): { status: number; body: Record<string, unknown> } {
  const { employee_id: _employeeId, ...rest } = item;
  switch (result.punchStatus) {
    case 'checked_in':
      return {
        status: 200,
        body: {
          success: true,
          checkin_id: item.checkin_id,
          message: result.outcome === 'duplicate' ? 'Duplicate punch: already recorded' : 'Attendance logged successfully',
          employee: item.employee,
          attendance_created: result.attendanceCreated,
          timestamp,
          ...(result.outcome === 'duplicate' ? { duplicate: true } : {}),
          ...(item.attendance_note ? { attendance_note: item.attendance_note } : {}),
        },
      };
    case 'suspect_time':
      return { status: 202, body: { ...rest, attendance_created: false, timestamp } };
    case 'discarded':
      return { status: 200, body: { ...rest, timestamp } }; // stored once, nothing to retry
    case 'unmatched':
      return { status: 404, body: rest };
    case 'inactive':
      return { status: 409, body: rest };
  }
}

async function receiveOne(deps: SeedDeps, ctx: Context): Promise<void> {
  const item = (await readJsonBody(ctx, bodyLimit('single', deps.maxBodyBytes))) as JsonPunchInput;
  const state = ctx.state as SyncState;
  state.syncDevice = typeof item.device_id === 'string' ? item.device_id : null;
  const intake = (await deps.intake.fromJson([item], 'json'))[0]!;
  if ('invalid' in intake) {
    state.syncCounts = ONE_FAILED;
    deps.ingest.countInvalid('json', 1);
    throw new AppError(intake.invalid.type ?? 'validation_error', intake.invalid.error, { fields: intake.invalid.fields });
  }
  const [result] = await deps.ingest.ingest([intake.punch]);
  if (result!.outcome === 'rejected') {
    state.syncCounts = ONE_FAILED;
    const invalid = rejectedAsInvalid(result!, item);
    throw new AppError('validation_error', invalid.error, { fields: invalid.fields });
  }
  const stored: StoredResult = result!;
  const reply = itemReply(stored, item, deps.futureWindowHours);
  state.syncCounts = countsOf([reply], [stored]);
  const { status, body } = singleReply(stored, reply, intake.punch.localTime);
  ctx.status = status;
  ctx.body = body;
}

/** The bulk body's logs: an array of at most MAX_BULK_LOGS; an item that is no object is an item without fields. */
function bulkItemsOf(body: Record<string, unknown>, state: SyncState): JsonPunchInput[] {
  if (!Array.isArray(body.logs)) {
    throw new AppError('validation_error', 'Missing required fields: logs (an array of attendance logs)', { fields: ['logs'] });
  }
  const items = body.logs as unknown[];
  if (items.length > MAX_BULK_LOGS) {
    state.syncCounts = { ...NO_COUNTS, total: items.length, failed: items.length };
    throw new AppError('validation_error', `Too many logs: ${items.length}; at most ${MAX_BULK_LOGS} per request`, { fields: ['logs'] });
  }
  return items.map((it) => (typeof it === 'object' && it !== null && !Array.isArray(it) ? (it as JsonPunchInput) : {}));
}

/** One bulk item's reply: its own validation error, or what became of its punch. */
function bulkItemReply(intake: IntakeResult, result: IngestResult | null, item: JsonPunchInput, futureWindowHours: number): Record<string, unknown> {
  if ('invalid' in intake) return invalidItem(item, intake.invalid);
  const ingested = result!;
  return ingested.outcome === 'rejected' ? invalidItem(item, rejectedAsInvalid(ingested, item)) : itemReply(ingested, item, futureWindowHours);
}

async function receiveBulk(deps: SeedDeps, ctx: Context): Promise<void> {
  const state = ctx.state as SyncState;
  const inputs = bulkItemsOf(await readJsonBody(ctx, bodyLimit('upload', deps.maxBodyBytes)), state);
  const devices = new Set(inputs.flatMap((it) => (typeof it.device_id === 'string' ? [it.device_id] : [])));
  state.syncDevice = devices.size === 1 ? [...devices][0]! : null;
  const intakes = await deps.intake.fromJson(inputs, 'json');
  const punches = intakes.flatMap((r) => ('punch' in r ? [r.punch] : []));
  deps.ingest.countInvalid('json', intakes.length - punches.length);
  const ingested = await deps.ingest.ingest(punches);
  let next = 0;
  const results: (IngestResult | null)[] = intakes.map((r) => ('punch' in r ? ingested[next++]! : null));
  const replies = intakes.map((r, i) => bulkItemReply(r, results[i] ?? null, inputs[i]!, deps.futureWindowHours));
  state.syncCounts = countsOf(replies, results);
  const failed = replies.filter((r) => r.success === false).length;
  ctx.body = { success: true, processed: replies.length - failed, failed, total: replies.length, results: replies };
}

function testConnection(deps: SeedDeps, ctx: Context): void {
  ctx.body = {
    success: true,
    message: 'Connection successful',
    server_time: instantToWall(deps.clock(), deps.timeZone),
    version: VERSION,
  };
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

async function statistics(deps: SeedDeps, ctx: Context, q: z.output<typeof StatisticsQuery>): Promise<void> {
  const range = dayRange(q.from_date ?? q.from, q.to_date ?? q.to, deps.timeZone);
  const stats = await deps.syncLog.statistics({ from: range.start, to: range.end });
  ctx.body = { success: true, ...stats, from_date: q.from_date ?? q.from ?? null, to_date: q.to_date ?? q.to ?? null };
}

/** The seed's refusal of a punch it stored all the same. */
const StoredRefusal = (errorType: string) => ErrorBodySchema.extend({ error_type: z.literal(errorType), punch_id: z.number().int(), duplicate: z.literal(true).optional() });

const RECEIVE_ONE = {
  summary: 'Receive one punch',
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
};
const RECEIVE_BULK = {
  summary: 'Receive punches in bulk',
  description: `At most ${MAX_BULK_LOGS}; each item is judged and answered on its own (with the single punch's schema), a bad item never blocks the others.`,
  query: WrapQuery,
  body: BulkLogs,
  checkedByHandler: true,
  response: {
    description: 'processed + failed = total; results: one per item, in order',
    schema: z.looseObject({ success: z.literal(true), processed: z.number().int(), failed: z.number().int(), total: z.number().int(), results: z.array(z.looseObject({ success: z.boolean() })) }),
  },
};
const TEST_CONNECTION = {
  summary: 'Test the connection',
  query: WrapQuery,
  checkedByHandler: true,
  response: { description: 'server_time: wall time in ICLOCKD_TZ', schema: z.object({ success: z.literal(true), message: z.string(), server_time: z.string(), version: z.string() }) },
};
const STATISTICS = {
  summary: 'Statistics of the sync log',
  use: [frappeWrap],
  description: 'Requests to these endpoints between the dates (whole days in ICLOCKD_TZ).',
  tag: 'Sync log',
  query: StatisticsQuery,
  response: { description: 'Counts by device and channel', schema: successBody('total_requests, successful, errors, success_rate, by_device, by_channel, from_date, to_date') },
};

/** The seed's endpoints on `router`, at the seed's paths and their aliases. */
export function mountSeedEndpoints(router: Router, deps: SeedDeps): void {
  const ingest = operations({ tag: 'Punches (seed API)', access: 'ingest', apiKeys: deps.apiKeys });
  const admin = operations({ tag: 'Punches (seed API)', access: 'admin', apiKeys: deps.apiKeys });
  // The sync log records what a caller with a key sent (never a refused key), as the seed's does.
  const use = [syncLogged(deps.syncLog, 'json', deps.logger), frappeWrap];
  const receiveOneOp = ingest({ ...RECEIVE_ONE, use }, (ctx) => receiveOne(deps, ctx));
  const receiveBulkOp = ingest({ ...RECEIVE_BULK, use }, (ctx) => receiveBulk(deps, ctx));
  const testConnectionOp = ingest({ ...TEST_CONNECTION, use }, (ctx) => testConnection(deps, ctx));
  const statisticsOp = admin(STATISTICS, (ctx, { query }) => statistics(deps, ctx, query));

  for (const path of [`${SEED}.receive_attendance_log`, '/api/v1/punches']) router.post(path, receiveOneOp);
  for (const path of [`${SEED}.receive_bulk_attendance_logs`, '/api/v1/punches/bulk']) router.post(path, receiveBulkOp);
  router.get(`${SEED}.test_connection`, testConnectionOp);
  router.post(`${SEED}.test_connection`, testConnectionOp);
  router.get('/api/v1/ping', testConnectionOp);
  for (const path of [`${SEED}.get_realtime_sync_statistics`, '/api/v1/stats']) router.get(path, statisticsOp);
}
