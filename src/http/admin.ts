// Admin API: employees, punches (with review of suspect times), check-ins, the sync log.
import type Router from '@koa/router';
import { newRouter } from './routing.js';
import type { Context } from 'koa';
import type { ApiKeyService } from '../auth/apiKeys.js';
import type { DeviceService } from '../devices/service.js';
import { z } from 'zod';
import { EMPLOYEE_ID, EMPLOYEE_STATUSES, type Employee, type EmployeeService } from '../employees/service.js';
import { importEmployees, parseEmployeeCsv } from '../employees/csvImport.js';
import { AppError } from '../errors.js';
import type { IngestService } from '../pipeline/ingest.js';
import type { StoredResult } from '../pipeline/outcome.js';
import type { ReceivedRequest, SyncLogEntry, SyncLogService } from '../pipeline/syncLog.js';
import { type ParsedTimestamp, TimestampError, dayRange, instantToWall, parseTimestamp } from '../pipeline/time.js';
import type { PunchRecords } from '../pipeline/records.js';
import type { Checkin, PunchStatus, StoredPunch } from '../store/punches.js';
import { bodyLimit, readRawBody } from './body.js';
import { type AnyOperationSpec, commaListParam, dateParam, dateText, listOf, listQuery, operations, optionalParam, resource, successBody, textParam } from './operation.js';
import { pageOf, pageWindow } from './pagination.js';
import type { Listed, ScanCursor, Window } from '../store/list.js';
import { type CsvColumn, csvDownload } from './csvExport.js';
import type { AuthState } from './auth.js';
import type { Logger } from '../log.js';
import { type SyncState, syncLogged } from './syncLog.js';
import type { PunchReview } from '../store/punchReviews.js';

export interface AdminDeps {
  apiKeys: ApiKeyService;
  employees: EmployeeService;
  ingest: IngestService;
  records: PunchRecords;
  syncLog: SyncLogService;
  devices: DeviceService;
  logger: Logger;
  timeZone: string;
  maxBodyBytes: number;
}

export function employeeView(e: Employee) {
  return {
    employee: e.employee,
    name: e.name,
    attendance_device_id: e.attendanceDeviceId,
    site: e.site,
    status: e.status,
    default_shift: e.defaultShift,
    date_of_joining: e.dateOfJoining,
    relieving_date: e.relievingDate,
    holiday_list: e.holidayList,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

function punchView(p: StoredPunch, employees: Map<number, Employee>, checkins: Map<number, Checkin>, siteZone: string) {
  const checkin = p.checkinId === null ? undefined : checkins.get(p.checkinId);
  const employee = p.employeeId === null ? undefined : employees.get(p.employeeId);
  return {
    id: p.id,
    device_serial: p.deviceSerial,
    device_id: p.deviceId,
    site: p.site,
    employee_id: p.deviceUserId,
    local_time: p.localTime,
    time: p.instant.toISOString(),
    time_zone: p.timeZone,
    log_type: p.logType,
    punch_state: p.punchState,
    verify_mode: p.verifyMode,
    work_code: p.workCode,
    latitude: p.latitude,
    longitude: p.longitude,
    source: p.source,
    status: p.status,
    // The same instant on the server's clock (ICLOCKD_TZ), beside the device's wall time and zone.
    site_time: instantToWall(p.instant, siteZone),
    site_time_zone: siteZone,
    employee: employee?.employee ?? null,
    employee_name: employee?.name ?? null,
    checkin_id: checkin?.name ?? null,
    checkin_time: checkin?.time.toISOString() ?? null,
    received_at: p.receivedAt.toISOString(),
  };
}

function reviewEntryView(r: PunchReview) {
  return { action: r.action, from_status: r.fromStatus, to_status: r.toStatus, detail: r.detail, actor: r.actor, at: r.createdAt.toISOString() };
}

const actorOf = (ctx: Context) => (ctx.state as AuthState).principal?.label ?? null;

function checkinView(c: Checkin, employees: Map<number, Employee>, zone: string, attendance: Map<number, string> = new Map()) {
  const e = employees.get(c.employeeId);
  return {
    checkin_id: c.name,
    employee: e?.employee ?? null,
    employee_name: e?.name ?? null,
    time: c.time.toISOString(),
    local_time: instantToWall(c.time, zone),
    time_zone: zone,
    log_type: c.logType,
    device_id: c.deviceId,
    shift: c.shiftType,
    // HRMS's fields: the window of the shift it was counted in (UTC), margins trimmed against neighbouring shifts.
    shift_start: c.shiftStart?.toISOString() ?? null,
    shift_end: c.shiftEnd?.toISOString() ?? null,
    shift_actual_start: c.shiftActualStart?.toISOString() ?? null,
    shift_actual_end: c.shiftActualEnd?.toISOString() ?? null,
    attendance: c.attendanceId === null ? null : (attendance.get(c.attendanceId) ?? null),
    skip_auto_attendance: c.skipAutoAttendance,
    latitude: c.latitude,
    longitude: c.longitude,
    created_at: c.createdAt.toISOString(),
  };
}

function syncLogView(s: SyncLogEntry) {
  return {
    id: s.id,
    request_id: s.requestId,
    channel: s.channel,
    endpoint: s.endpoint,
    device: s.device,
    status: s.status,
    records_total: s.counts.total,
    records_created: s.counts.created,
    records_duplicate: s.counts.duplicate,
    records_failed: s.counts.failed,
    error: s.error,
    remote_address: s.remoteAddress,
    duration_ms: s.durationMs,
    received_at: s.receivedAt.toISOString(),
    processed_at: s.processedAt?.toISOString() ?? null,
  };
}

function receivedView(r: ReceivedRequest) {
  return {
    archive_id: r.archiveId,
    method: r.method,
    path: r.path,
    query: r.query,
    body: r.body,
    body_bytes: r.bodyBytes,
    body_truncated: r.bodyTruncated,
    outcome: r.outcome,
    records: r.records,
    rejected_lines: r.rejectedLines,
    error: r.error,
    received_at: r.receivedAt.toISOString(),
  };
}

function reviewView(r: StoredResult) {
  return {
    success: true,
    outcome: r.outcome,
    punch_id: r.punchId,
    status: r.punchStatus,
    checkin_id: r.checkin?.name ?? null,
    employee: r.employee?.employee ?? null,
  };
}

const PUNCH_STATUSES: PunchStatus[] = ['checked_in', 'unmatched', 'inactive', 'suspect_time', 'discarded'];
const formatParam = optionalParam(z.enum(['json', 'csv']).describe('csv: every row matching the filters as a spreadsheet download (page and page_size ignored)'));

const idText = (max: number) => z.union([z.string().trim().min(1).max(max), z.number()]);
/** The employee fields of a create (name required) or a change (all optional). */
function employeeBody(partial: boolean) {
  const name = z.string().trim().min(1).max(200).describe('Full name');
  return z.object({
    employee: optionalParam(z.union([z.string().trim().regex(EMPLOYEE_ID, 'letters, digits, . _ - / and spaces, at most 32'), z.number()]).nullable()).describe(
      'The employee id; EMP-00001 style when absent (cannot be changed)',
    ),
    name: partial ? name.optional() : name,
    attendance_device_id: z.union([idText(64), z.literal(''), z.null()]).optional().describe('The user id / PIN on the terminals; null or "" clears it'),
    status: z
      .preprocess((v) => (typeof v === 'string' ? (EMPLOYEE_STATUSES.find((s) => s.toLowerCase() === v.trim().toLowerCase()) ?? v) : v), z.enum(EMPLOYEE_STATUSES).optional())
      .describe('Any case; default Active'),
    site: idText(64).optional().describe('The site whose terminals the biometric id is matched on (default main)'),
    default_shift: z.union([z.string().trim().min(1).max(140), z.literal(''), z.null()]).optional().describe('A shift type name; null or "" clears it'),
    date_of_joining: z.union([dateText, z.literal(''), z.null()]).optional().describe('No Absent is marked before it, and check-ins before it make no attendance; null or "" clears it (Absent then counts from the day the employee was created here)'),
    relieving_date: z.union([dateText, z.literal(''), z.null()]).optional().describe('The last day: no Absent is marked after it; not before date_of_joining; null or "" clears it'),
    holiday_list: z.union([z.string().trim().min(1).max(140), z.literal(''), z.null()]).optional().describe('Holidays where the shift names no list (else ICLOCKD_DEFAULT_HOLIDAY_LIST); null or "" clears it'),
  });
}

const EmployeeCreate = employeeBody(false);
const EmployeeChange = employeeBody(true);
const EmployeeQuery = listQuery({
  status: optionalParam(z.enum(EMPLOYEE_STATUSES)),
  site: textParam('Site'),
  attendance_device_id: textParam('Biometric id'),
  q: textParam('Search: part of the employee id, the name or the biometric id (attendance_device_id)'),
});
const PunchQuery = listQuery({
  device: textParam('Device serial'),
  site: textParam('Site'),
  format: formatParam,
  unmatched: optionalParam(z.enum(['1', 'true', 'yes', '0', 'false', 'no']).describe('1: only punches no employee matched (same as status=unmatched)')),
  status: commaListParam(PUNCH_STATUSES),
  employee: textParam('Employee id'),
  from: dateParam('First day, in ICLOCKD_TZ'),
  to: dateParam('Last day, in ICLOCKD_TZ'),
});
const CheckinQuery = listQuery({
  employee: textParam('Employee id'),
  device: textParam('Device id'),
  site: textParam("The employee's site"),
  log_type: optionalParam(z.enum(['IN', 'OUT', 'AUTO']).describe('IN, OUT or AUTO (no log type)')),
  from: dateParam('First day'),
  to: dateParam('Last day'),
  format: formatParam,
});
const SyncLogQuery = listQuery({
  request_id: textParam('The request with this id (its X-Iclockd-Request reply header)'),
  device: textParam('Device'),
  status: optionalParam(z.enum(['received', 'processed', 'error'])),
  channel: textParam('json, adms, zk4370 or admin'),
  from: dateParam('First day'),
  to: dateParam('Last day'),
});
const SyncLogSummaryQuery = z.object({ device: textParam('Device serial'), channel: textParam('json, adms, zk4370 or admin'), from: dateParam('First day'), to: dateParam('Last day') });
const HourlyQuery = z.object({ date: dateParam('The day (default today, in ICLOCKD_TZ)') });
/** Why an admin acted on a punch, kept in its history (each action may say). */
const reviewNote = z.string().trim().max(400).optional().describe('Why (kept in the punch\'s history)');
const DiscardBody = z.object({ note: reviewNote });
const RelinkBody = z.object({ employee: z.union([z.string().trim().min(1).max(140), z.number()]).describe('The employee id to link the punch to'), note: reviewNote });
const AcceptBody = z.object({ timestamp: z.string().optional().describe('The corrected time (as punches take it); absent: accept the time as it is'), note: reviewNote });

const EMPLOYEE_FIELDS = 'employee, name, attendance_device_id, site, status, default_shift, date_of_joining, relieving_date, holiday_list, created_at, updated_at';
const EmployeeItem = resource('Employee', EMPLOYEE_FIELDS);
const EmployeeSaved = successBody(`${EMPLOYEE_FIELDS}, linked_punches (waiting punches that became check-ins)`);
const PunchItem = resource(
  'Punch',
  'id, device_serial, device_id, site, employee_id, local_time, time, time_zone, site_time, site_time_zone, log_type, punch_state, verify_mode, work_code, latitude, longitude, source, status, employee, employee_name, checkin_id, checkin_time, received_at',
);
const CheckinItem = resource('Check-in', 'checkin_id, employee, employee_name, time, local_time, time_zone, log_type, device_id, shift, shift_start, shift_end, shift_actual_start, shift_actual_end, attendance, skip_auto_attendance, latitude, longitude, created_at');
const SyncLogRow = resource(
  'Sync log row',
  'id, request_id, channel, endpoint, device, status, records_total, records_created, records_duplicate, records_failed, error, remote_address, duration_ms, received_at, processed_at',
);

function punchIdOf(ctx: Context): number {
  const id = Number(ctx.params.id);
  if (!Number.isInteger(id) || id < 1) throw new AppError('not_found', `No punch ${ctx.params.id}`);
  return id;
}

type PunchRow = ReturnType<typeof punchView>;
type CheckinRow = ReturnType<typeof checkinView>;
const PUNCH_CSV: CsvColumn<PunchRow>[] = (
  ['id', 'status', 'employee', 'employee_name', 'employee_id', 'device_serial', 'device_id', 'site', 'local_time', 'time_zone', 'site_time', 'site_time_zone', 'time', 'log_type', 'punch_state', 'verify_mode', 'work_code', 'source', 'checkin_id', 'checkin_time', 'received_at'] as const
).map((k) => [k, (r: PunchRow) => r[k]]);
const CHECKIN_CSV: CsvColumn<CheckinRow>[] = (
  ['checkin_id', 'employee', 'employee_name', 'time', 'local_time', 'time_zone', 'log_type', 'device_id', 'shift', 'shift_start', 'shift_end', 'shift_actual_start', 'shift_actual_end', 'attendance', 'skip_auto_attendance', 'created_at'] as const
).map((k) => [k, (r: CheckinRow) => r[k]]);

// The routes' handlers.

const dates = (deps: AdminDeps, q: { from?: string | undefined; to?: string | undefined }) => dayRange(q.from, q.to, deps.timeZone);

/** `?employee=` as the employee's row id: -1 (nothing matches) for an unknown one, undefined without the filter. */
async function employeeIdFilter(deps: AdminDeps, employee: string | undefined): Promise<number | undefined> {
  if (!employee) return undefined;
  return (await deps.employees.find(employee))?.id ?? -1;
}

/** A list that is read a page at a time for JSON, and scanned whole (by cursor) for CSV. */
interface ListSource<Row, View> {
  page(window: Window): Promise<Listed<Row>>;
  scan(after: ScanCursor | null, limit: number): Promise<Row[]>;
  cursorOf(row: Row): ScanCursor;
  views(rows: Row[]): Promise<View[]>;
}

/** A list answered as a page of JSON, or with format=csv as every row matching its filters. */
async function pageOrCsv<Row, View>(ctx: Context, query: { page?: number | undefined; page_size?: number | undefined; format?: string | undefined }, csv: { file: string; columns: CsvColumn<View>[] }, source: ListSource<Row, View>): Promise<void> {
  if (query.format === 'csv') {
    csvDownload(ctx, csv.file, csv.columns, async (after, limit) => {
      const rows = await source.scan(after, limit);
      const last = rows.at(-1);
      return { rows: await source.views(rows), last: last ? source.cursorOf(last) : null };
    });
    return;
  }
  const { page, window } = pageWindow(query);
  const listed = await source.page(window);
  ctx.body = pageOf(page, await source.views(listed.rows), listed.total);
}

async function listEmployees(deps: AdminDeps, ctx: Context, query: z.output<typeof EmployeeQuery>): Promise<void> {
  const { page, window } = pageWindow(query);
  const listed = await deps.employees.list({ status: query.status, site: query.site, attendanceDeviceId: query.attendance_device_id, search: query.q }, window);
  ctx.body = pageOf(page, listed.rows.map(employeeView), listed.total);
}

async function createEmployee(deps: AdminDeps, ctx: Context, body: z.output<typeof EmployeeCreate>): Promise<void> {
  const { employee, linked } = await deps.employees.create(body);
  ctx.status = 201;
  ctx.body = { success: true, ...employeeView(employee), linked_punches: linked };
}

/** A CSV file as the body (the columns of `iclockd employees import`): upserted row by row. */
async function importEmployeesCsv(deps: AdminDeps, ctx: Context): Promise<void> {
  const type = ctx.get('content-type');
  if (type && !/^(text\/csv|text\/plain|application\/octet-stream|application\/vnd\.ms-excel)\b/i.test(type)) {
    throw new AppError('unsupported_media_type', `Content-Type must be text/csv, not ${type}`);
  }
  const csv = parseEmployeeCsv(await readRawBody(ctx, bodyLimit('upload', deps.maxBodyBytes)), 'the CSV file');
  const report = await importEmployees(csv, deps.employees);
  ctx.body = { success: report.rejected.length === 0, rows: report.rows, created: report.created, updated: report.updated, linked_punches: report.linked, rejected: report.rejected };
}

async function readEmployee(deps: AdminDeps, ctx: Context): Promise<void> {
  ctx.body = employeeView(await deps.employees.get(ctx.params.id!));
}

async function changeEmployee(deps: AdminDeps, ctx: Context, body: z.output<typeof EmployeeChange>): Promise<void> {
  const { employee, linked } = await deps.employees.update(ctx.params.id!, body);
  ctx.body = { success: true, ...employeeView(employee), linked_punches: linked };
}

async function listPunches(deps: AdminDeps, ctx: Context, query: z.output<typeof PunchQuery>): Promise<void> {
  const { start, end } = dates(deps, query);
  const statuses = query.status?.split(',') as PunchStatus[] | undefined;
  const unmatched = ['1', 'true', 'yes'].includes(query.unmatched ?? '');
  const filter = { device: query.device, site: query.site, status: unmatched ? ['unmatched' as const] : statuses, employeeId: await employeeIdFilter(deps, query.employee), from: start, to: end };
  await pageOrCsv(ctx, query, { file: 'punches.csv', columns: PUNCH_CSV }, {
    page: (w) => deps.records.listPunches(filter, w),
    scan: (after, limit) => deps.records.scanPunches(filter, after, limit),
    cursorOf: (p) => ({ at: p.instant, id: p.id }),
    async views(rows) {
      const { employees: related, checkins } = await deps.records.relatedTo(rows);
      return rows.map((p) => punchView(p, related, checkins, deps.timeZone));
    },
  });
}

async function readPunch(deps: AdminDeps, ctx: Context): Promise<void> {
  const id = punchIdOf(ctx);
  const punch = await deps.records.getPunch(id);
  const { employees: related, checkins } = await deps.records.relatedTo([punch]);
  const reviews = (await deps.records.reviewsOf([id])).get(id) ?? [];
  ctx.body = { ...punchView(punch, related, checkins, deps.timeZone), reviews: reviews.map(reviewEntryView) };
}

/** The punch an admin acts on, by the id in the path; its terminal names the sync-log row. */
async function reviewedPunch(deps: AdminDeps, ctx: Context): Promise<StoredPunch> {
  const punch = await deps.records.getPunch(punchIdOf(ctx));
  (ctx.state as SyncState).syncDevice = punch.deviceSerial;
  return punch;
}

async function discardPunch(deps: AdminDeps, ctx: Context, body: z.output<typeof DiscardBody>): Promise<void> {
  const { id } = await reviewedPunch(deps, ctx);
  const punch = await deps.ingest.discard(id, body.note || null, actorOf(ctx));
  ctx.body = { success: true, punch_id: punch.id, status: punch.status };
}

async function relinkPunch(deps: AdminDeps, ctx: Context, body: z.output<typeof RelinkBody>): Promise<void> {
  const { id } = await reviewedPunch(deps, ctx);
  const employee = await deps.employees.find(String(body.employee));
  if (!employee) throw new AppError('not_found', `No employee ${body.employee}`);
  ctx.body = reviewView(await deps.ingest.relink(id, employee, actorOf(ctx), body.note || null));
}

/** The corrected time of a punch, read in its terminal's zone; a time that is none is refused as the body's `timestamp`. */
async function correctedTime(deps: AdminDeps, punch: StoredPunch, timestamp: string): Promise<ParsedTimestamp> {
  const zone = await deps.devices.timeZoneOf(punch.deviceSerial);
  try {
    return parseTimestamp(timestamp, zone);
  } catch (err) {
    if (err instanceof TimestampError) throw new AppError('validation_error', `Invalid fields: timestamp (${err.message})`, { fields: ['timestamp'] });
    throw err;
  }
}

/** Accept a punch held as suspect_time, optionally with a corrected timestamp. */
async function acceptPunch(deps: AdminDeps, ctx: Context, body: z.output<typeof AcceptBody>): Promise<void> {
  const punch = await reviewedPunch(deps, ctx);
  const correction = body.timestamp === undefined ? undefined : await correctedTime(deps, punch, body.timestamp);
  ctx.body = reviewView(await deps.ingest.review(punch.id, correction, actorOf(ctx), body.note || null));
}

async function listCheckins(deps: AdminDeps, ctx: Context, query: z.output<typeof CheckinQuery>): Promise<void> {
  const { start, end } = dates(deps, query);
  const filter = { employeeId: await employeeIdFilter(deps, query.employee), device: query.device, site: query.site, logType: query.log_type, from: start, to: end };
  await pageOrCsv(ctx, query, { file: 'checkins.csv', columns: CHECKIN_CSV }, {
    page: (w) => deps.records.listCheckins(filter, w),
    scan: (after, limit) => deps.records.scanCheckins(filter, after, limit),
    cursorOf: (c) => ({ at: c.time, id: c.id }),
    async views(rows) {
      const { employees: related } = await deps.records.relatedTo([], rows);
      const attendance = await deps.records.attendanceNames(rows);
      return rows.map((c) => checkinView(c, related, deps.timeZone, attendance));
    },
  });
}

async function listSyncLog(deps: AdminDeps, ctx: Context, query: z.output<typeof SyncLogQuery>): Promise<void> {
  const { page, window } = pageWindow(query);
  const { start, end } = dates(deps, query);
  const listed = await deps.syncLog.list({ requestId: query.request_id, device: query.device, status: query.status, channel: query.channel, from: start, to: end }, window);
  ctx.body = pageOf(page, listed.rows.map(syncLogView), listed.total);
}

// The success rate over a filter (without status: it would make the rate 0 or 100). Unlike
// /api/v1/stats (the seed's statistics call), reading it writes no sync-log row itself.
async function syncLogSummary(deps: AdminDeps, ctx: Context, query: z.output<typeof SyncLogSummaryQuery>): Promise<void> {
  const { start, end } = dates(deps, query);
  const stats = await deps.syncLog.statistics({ device: query.device, channel: query.channel, from: start, to: end });
  ctx.body = { success: true, ...stats, from: query.from ?? null, to: query.to ?? null };
}

async function readSyncLogRow(deps: AdminDeps, ctx: Context): Promise<void> {
  const { entry, received } = await deps.syncLog.get(Number(ctx.params.id));
  ctx.body = { ...syncLogView(entry), received: received ? receivedView(received) : null };
}

/** Punches per hour of a day against the same weekday a week before (the live page's chart). */
async function punchesPerHour(deps: AdminDeps, ctx: Context, query: z.output<typeof HourlyQuery>): Promise<void> {
  const c = await deps.records.punchesPerHour(query.date, deps.timeZone);
  ctx.body = { date: c.date, compare_date: c.compareDate, time_zone: c.timeZone, hours: c.hours };
}

// The routes' specs.

const LIST_EMPLOYEES = { summary: 'List employees', query: EmployeeQuery, response: { description: 'Employees', schema: listOf(EmployeeItem) } } satisfies AnyOperationSpec;
const CREATE_EMPLOYEE = {
  summary: 'Create an employee',
  description: 'Punches that waited for its biometric id become check-ins.',
  body: EmployeeCreate,
  status: 201,
  errors: ['conflict'],
  response: { description: 'The employee', schema: EmployeeSaved },
} satisfies AnyOperationSpec;
const IMPORT_EMPLOYEES = {
  summary: 'Import employees from CSV',
  description: 'The columns of `iclockd employees import`; each row is created or updated on its own, and a bad row is reported, never blocks the others.',
  body: z.string().describe('CSV text with a header row'),
  bodyMediaTypes: ['text/csv'],
  checkedByHandler: true,
  errors: ['unsupported_media_type'],
  response: { description: 'What the file did; success is false when any row was rejected', schema: z.looseObject({ success: z.boolean() }).describe('rows, created, updated, linked_punches, rejected[{line, reason}]') },
} satisfies AnyOperationSpec;
const READ_EMPLOYEE = { summary: 'Read an employee', errors: ['not_found'], response: { description: 'The employee', schema: EmployeeItem } } satisfies AnyOperationSpec;
const CHANGE_EMPLOYEE = {
  summary: 'Change an employee',
  description: 'A new biometric id, site or status links waiting punches.',
  body: EmployeeChange,
  errors: ['not_found', 'conflict'],
  response: { description: 'The employee', schema: EmployeeSaved },
} satisfies AnyOperationSpec;
const LIST_PUNCHES = {
  summary: 'List punches',
  description: 'Every punch received, matched or not; format=csv answers every punch matching the filters as CSV.',
  query: PunchQuery,
  response: { description: 'Punches (with format=csv: the same rows as CSV)', schema: listOf(PunchItem), alsoAs: ['text/csv'] },
} satisfies AnyOperationSpec;
const READ_PUNCH = {
  summary: 'Read a punch, with what admins did to it',
  errors: ['not_found'],
  response: { description: 'The punch and reviews [{action, from_status, to_status, detail, actor, at}]', schema: PunchItem },
} satisfies AnyOperationSpec;
/** What an accepted or re-linked punch became (reviewView). */
const REVIEW_OUTCOME = { description: 'What became of the punch', schema: successBody('outcome, punch_id, status, checkin_id, employee') };
const DISCARD_PUNCH = {
  summary: 'Discard a punch that made no check-in',
  description: 'suspect_time, unmatched or inactive: it stays stored with status discarded and never becomes a check-in (a resend of it stays a duplicate). Recorded in the punch\'s reviews.',
  body: DiscardBody,
  errors: ['not_found', 'conflict'],
  response: { description: 'The punch', schema: successBody('punch_id, status') },
} satisfies AnyOperationSpec;
const RELINK_PUNCH = {
  summary: 'Link an unmatched or inactive punch to an employee',
  description: 'Whatever its user id: it becomes exactly one check-in of that (Active) employee, or joins the one already there at that second. Recorded in the punch\'s reviews.',
  body: RelinkBody,
  errors: ['not_found', 'conflict'],
  response: REVIEW_OUTCOME,
} satisfies AnyOperationSpec;
const ACCEPT_PUNCH = {
  summary: 'Accept a suspect-time punch',
  description: 'As it is, or with a corrected timestamp; it is then matched like any punch.',
  body: AcceptBody,
  errors: ['not_found', 'conflict'],
  response: REVIEW_OUTCOME,
} satisfies AnyOperationSpec;
const LIST_CHECKINS = {
  summary: 'List check-ins',
  description: 'format=csv answers every check-in matching the filters as CSV.',
  query: CheckinQuery,
  response: { description: 'Check-ins (with format=csv: the same rows as CSV)', schema: listOf(CheckinItem), alsoAs: ['text/csv'] },
} satisfies AnyOperationSpec;
const LIST_SYNC_LOG = { summary: 'List the sync log', description: 'One row per upload and per JSON API request.', tag: 'Sync log', query: SyncLogQuery, response: { description: 'Rows', schema: listOf(SyncLogRow) } } satisfies AnyOperationSpec;
const SYNC_LOG_SUMMARY = {
  summary: 'Success rate of the sync log over a filter',
  tag: 'Sync log',
  query: SyncLogSummaryQuery,
  response: { description: 'Counts by device and channel', schema: successBody('total_requests, successful, errors, success_rate, by_device, by_channel, from, to') },
} satisfies AnyOperationSpec;
const READ_SYNC_LOG_ROW = {
  summary: 'Read a sync-log row, with what was received',
  description: 'received: the archived request it came from (bodies of attendance and option uploads only; never user or biometric data), or null.',
  tag: 'Sync log',
  errors: ['not_found'],
  response: { description: 'The row and received', schema: resource('Sync-log row', 'the row\'s fields and received {archive_id, method, path, query, body, body_bytes, body_truncated, outcome, records, rejected_lines, error, received_at}') },
} satisfies AnyOperationSpec;
const PUNCHES_PER_HOUR = {
  summary: 'Punches per hour of a day, and of the same weekday a week before',
  query: HourlyQuery,
  response: { description: 'Hours 0–23 in ICLOCKD_TZ', schema: z.looseObject({ hours: z.array(z.object({ hour: z.number().int(), punches: z.number().int(), compare: z.number().int() })) }).describe('date, compare_date, time_zone, hours') },
} satisfies AnyOperationSpec;

export function adminRoutes(deps: AdminDeps): Router {
  const router = newRouter('/api/v1');
  const employees = operations({ tag: 'Employees', access: 'admin', apiKeys: deps.apiKeys, maxBodyBytes: deps.maxBodyBytes });
  const records = operations({ tag: 'Punches and check-ins', access: 'admin', apiKeys: deps.apiKeys, maxBodyBytes: deps.maxBodyBytes });
  // What an admin does to a punch by hand is also a row of the sync log (channel admin), named by its terminal.
  const reviewed = [syncLogged(deps.syncLog, 'admin', deps.logger)];

  router.get('/employees', employees(LIST_EMPLOYEES, (ctx, { query }) => listEmployees(deps, ctx, query)));
  router.post('/employees', employees(CREATE_EMPLOYEE, (ctx, { body }) => createEmployee(deps, ctx, body)));
  router.post('/employees/import', employees(IMPORT_EMPLOYEES, (ctx) => importEmployeesCsv(deps, ctx)));
  router.get('/employees/:id', employees(READ_EMPLOYEE, (ctx) => readEmployee(deps, ctx)));
  router.patch('/employees/:id', employees(CHANGE_EMPLOYEE, (ctx, { body }) => changeEmployee(deps, ctx, body)));

  router.get('/punches', records(LIST_PUNCHES, (ctx, { query }) => listPunches(deps, ctx, query)));
  router.get('/punches/:id', records(READ_PUNCH, (ctx) => readPunch(deps, ctx)));
  router.post('/punches/:id/discard', records({ ...DISCARD_PUNCH, use: reviewed }, (ctx, { body }) => discardPunch(deps, ctx, body)));
  router.post('/punches/:id/relink', records({ ...RELINK_PUNCH, use: reviewed }, (ctx, { body }) => relinkPunch(deps, ctx, body)));
  router.post('/punches/:id/accept', records({ ...ACCEPT_PUNCH, use: reviewed }, (ctx, { body }) => acceptPunch(deps, ctx, body)));
  router.get('/checkins', records(LIST_CHECKINS, (ctx, { query }) => listCheckins(deps, ctx, query)));

  router.get('/sync-log', records(LIST_SYNC_LOG, (ctx, { query }) => listSyncLog(deps, ctx, query)));
  router.get('/sync-log/summary', records(SYNC_LOG_SUMMARY, (ctx, { query }) => syncLogSummary(deps, ctx, query)));
  router.get('/sync-log/:id', records(READ_SYNC_LOG_ROW, (ctx) => readSyncLogRow(deps, ctx)));
  router.get('/stats/punches-per-hour', records(PUNCHES_PER_HOUR, (ctx, { query }) => punchesPerHour(deps, ctx, query)));

  return router;
}
