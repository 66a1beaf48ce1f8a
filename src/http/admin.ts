// Admin API: employees, punches (with review of suspect times), check-ins, the sync log.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { ApiKeyService } from '../auth/apiKeys.js';
import { EMPLOYEE_STATUSES, type Employee, type EmployeeService, type EmployeeStatus } from '../employees/service.js';
import { importEmployees, parseEmployeeCsv } from '../employees/csvImport.js';
import { AppError } from '../errors.js';
import type { IngestResult, IngestService } from '../pipeline/ingest.js';
import type { ReceivedRequest, SyncLogEntry, SyncLogService } from '../pipeline/syncLog.js';
import { TimestampError, dayRange, instantToWall, parseTimestamp } from '../pipeline/time.js';
import type { DeviceLookup } from '../pipeline/deviceLookup.js';
import type { PunchRecords } from '../pipeline/records.js';
import type { Checkin, PunchStatus, StoredPunch } from '../store/punches.js';
import { requireRole } from './auth.js';
import { readJsonBody, readRawBody } from './body.js';
import { pageOf, parsePageWindow } from './pagination.js';

export interface AdminDeps {
  apiKeys: ApiKeyService;
  employees: EmployeeService;
  ingest: IngestService;
  records: PunchRecords;
  syncLog: SyncLogService;
  devices: DeviceLookup;
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
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

function punchView(p: StoredPunch, employees: Map<number, Employee>, checkins: Map<number, Checkin>) {
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
    employee: p.employeeId === null ? null : (employees.get(p.employeeId)?.employee ?? null),
    checkin_id: p.checkinId === null ? null : (checkins.get(p.checkinId)?.name ?? null),
    received_at: p.receivedAt.toISOString(),
  };
}

function checkinView(c: Checkin, employees: Map<number, Employee>, zone: string) {
  const e = employees.get(c.employeeId);
  return {
    checkin_id: c.name,
    employee: e?.employee ?? null,
    employee_name: e?.name ?? null,
    time: c.time.toISOString(),
    local_time: instantToWall(c.time, zone),
    log_type: c.logType,
    device_id: c.deviceId,
    shift: c.shiftType,
    skip_auto_attendance: c.skipAutoAttendance,
    latitude: c.latitude,
    longitude: c.longitude,
    created_at: c.createdAt.toISOString(),
  };
}

function syncLogView(s: SyncLogEntry) {
  return {
    id: s.id,
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

function reviewView(r: IngestResult) {
  return {
    success: true,
    outcome: r.outcome,
    punch_id: r.punchId,
    status: r.punchStatus,
    checkin_id: r.checkin?.name ?? null,
    employee: r.employee?.employee ?? null,
  };
}

function text(q: Record<string, unknown>, name: string): string | undefined {
  const v = q[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function dates(q: Record<string, unknown>, zone: string): { start?: Date; end?: Date } {
  return dayRange(text(q, 'from'), text(q, 'to'), zone);
}

const PUNCH_STATUSES: PunchStatus[] = ['checked_in', 'unmatched', 'inactive', 'suspect_time'];

export function adminRoutes(deps: AdminDeps): Router {
  const router = new Router({ prefix: '/api/v1' });
  const adminOnly = requireRole(deps.apiKeys, 'admin');

  router.get('/employees', adminOnly, async (ctx) => {
    const { page, window } = parsePageWindow(ctx.query);
    const status = text(ctx.query, 'status');
    if (status && !EMPLOYEE_STATUSES.includes(status as EmployeeStatus)) {
      throw new AppError('validation_error', `status must be one of ${EMPLOYEE_STATUSES.join(', ')}`, { fields: ['status'] });
    }
    const listed = await deps.employees.list(
      { status: status as EmployeeStatus | undefined, site: text(ctx.query, 'site'), attendanceDeviceId: text(ctx.query, 'attendance_device_id'), search: text(ctx.query, 'q') },
      window,
    );
    ctx.body = pageOf(page, listed.rows.map(employeeView), listed.total);
  });

  router.post('/employees', adminOnly, async (ctx) => {
    const { employee, linked } = await deps.employees.create(await readJsonBody(ctx, deps.maxBodyBytes));
    ctx.status = 201;
    ctx.body = { success: true, ...employeeView(employee), linked_punches: linked };
  });

  // A CSV file as the body (the columns of `iclockd employees import`): upserted row by row.
  router.post('/employees/import', adminOnly, async (ctx) => {
    const type = ctx.get('content-type');
    if (type && !/^(text\/csv|text\/plain|application\/octet-stream|application\/vnd\.ms-excel)\b/i.test(type)) {
      throw new AppError('unsupported_media_type', `Content-Type must be text/csv, not ${type}`);
    }
    const csv = parseEmployeeCsv(await readRawBody(ctx, deps.maxBodyBytes), 'the CSV file');
    const report = await importEmployees(csv, deps.employees);
    ctx.body = { success: report.rejected.length === 0, rows: report.rows, created: report.created, updated: report.updated, linked_punches: report.linked, rejected: report.rejected };
  });

  router.get('/employees/:id', adminOnly, async (ctx) => {
    ctx.body = employeeView(await deps.employees.get(ctx.params.id!));
  });

  router.patch('/employees/:id', adminOnly, async (ctx) => {
    const { employee, linked } = await deps.employees.update(ctx.params.id!, await readJsonBody(ctx, deps.maxBodyBytes));
    ctx.body = { success: true, ...employeeView(employee), linked_punches: linked };
  });

  router.get('/punches', adminOnly, async (ctx) => {
    const { page, window } = parsePageWindow(ctx.query);
    const { start, end } = dates(ctx.query, deps.timeZone);
    const statusText = text(ctx.query, 'status');
    const statuses = statusText?.split(',') as PunchStatus[] | undefined;
    if (statuses?.some((s) => !PUNCH_STATUSES.includes(s))) {
      throw new AppError('validation_error', `status must be among ${PUNCH_STATUSES.join(', ')}`, { fields: ['status'] });
    }
    const unmatched = ['1', 'true', 'yes'].includes(text(ctx.query, 'unmatched') ?? '');
    const employeeId = text(ctx.query, 'employee');
    const employee = employeeId ? await deps.employees.find(employeeId) : null;
    if (employeeId && !employee) {
      ctx.body = pageOf(page, [], 0);
      return;
    }
    const listed = await deps.records.listPunches(
      { device: text(ctx.query, 'device'), status: unmatched ? ['unmatched'] : statuses, employeeId: employee?.id, from: start, to: end },
      window,
    );
    const { employees, checkins } = await deps.records.relatedTo(listed.rows);
    ctx.body = pageOf(page, listed.rows.map((p) => punchView(p, employees, checkins)), listed.total);
  });

  // Accept a punch held as suspect_time, optionally with a corrected timestamp.
  router.post('/punches/:id/accept', adminOnly, async (ctx) => {
    const id = Number(ctx.params.id);
    if (!Number.isInteger(id) || id < 1) throw new AppError('not_found', `No punch ${ctx.params.id}`);
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    let correction: { localTime: string; instant: Date; timeZone: string } | undefined;
    if (body.timestamp !== undefined) {
      if (typeof body.timestamp !== 'string') throw new AppError('validation_error', 'timestamp must be text', { fields: ['timestamp'] });
      const punch = await deps.records.getPunch(id);
      const zone = (await deps.devices.zoneOf(punch.deviceSerial)) ?? deps.timeZone;
      try {
        correction = parseTimestamp(body.timestamp, zone);
      } catch (err) {
        if (err instanceof TimestampError) throw new AppError('validation_error', `Invalid fields: timestamp (${err.message})`, { fields: ['timestamp'] });
        throw err;
      }
    }
    ctx.body = reviewView(await deps.ingest.review(id, correction));
  });

  router.get('/checkins', adminOnly, async (ctx) => {
    const { page, window } = parsePageWindow(ctx.query);
    const { start, end } = dates(ctx.query, deps.timeZone);
    const employeeId = text(ctx.query, 'employee');
    const employee = employeeId ? await deps.employees.find(employeeId) : null;
    if (employeeId && !employee) {
      ctx.body = pageOf(page, [], 0);
      return;
    }
    const listed = await deps.records.listCheckins({ employeeId: employee?.id, device: text(ctx.query, 'device'), from: start, to: end }, window);
    const { employees } = await deps.records.relatedTo([], listed.rows);
    ctx.body = pageOf(page, listed.rows.map((c) => checkinView(c, employees, deps.timeZone)), listed.total);
  });

  router.get('/sync-log', adminOnly, async (ctx) => {
    const { page, window } = parsePageWindow(ctx.query);
    const { start, end } = dates(ctx.query, deps.timeZone);
    const status = text(ctx.query, 'status');
    if (status && !['received', 'processed', 'error'].includes(status)) {
      throw new AppError('validation_error', 'status must be received, processed or error', { fields: ['status'] });
    }
    const listed = await deps.syncLog.list(
      { device: text(ctx.query, 'device'), status: status as SyncLogEntry['status'] | undefined, channel: text(ctx.query, 'channel'), from: start, to: end },
      window,
    );
    ctx.body = pageOf(page, listed.rows.map(syncLogView), listed.total);
  });

  // The success rate over a filter (without status: it would make the rate 0 or 100). Unlike
  // /api/v1/stats (the seed's statistics call), reading it writes no sync-log row itself.
  router.get('/sync-log/summary', adminOnly, async (ctx) => {
    const { start, end } = dates(ctx.query, deps.timeZone);
    const stats = await deps.syncLog.statistics({ device: text(ctx.query, 'device'), channel: text(ctx.query, 'channel'), from: start, to: end });
    ctx.body = { success: true, ...stats, from: text(ctx.query, 'from') ?? null, to: text(ctx.query, 'to') ?? null };
  });

  router.get('/sync-log/:id', adminOnly, async (ctx) => {
    const { entry, received } = await deps.syncLog.get(Number(ctx.params.id));
    ctx.body = { ...syncLogView(entry), received: received ? receivedView(received) : null };
  });

  // Punches per hour of a day against the same weekday a week before (the live page's chart).
  router.get('/stats/punches-per-hour', adminOnly, async (ctx) => {
    const c = await deps.records.punchesPerHour(text(ctx.query, 'date'), deps.timeZone);
    ctx.body = { date: c.date, compare_date: c.compareDate, time_zone: c.timeZone, hours: c.hours };
  });

  return router;
}
