// punches and checkins: the only place that reads or writes them.
import type { Knex } from 'knex';
import { type Listed, type ScanCursor, type Window, listPaged, scanAfter, whereContains } from './list.js';
import { chunks } from './chunks.js';
import { fromDbInstant, toDbInstant } from './time.js';
import { type CheckinKey, type LogType, type PunchKey, CHECKIN_KEY_COLUMNS, PUNCH_KEY_COLUMNS, checkinKeyValues, checkinRowKey, punchKeyValues, punchRowKey } from './identity.js';
import { compositeKey } from './keys.js';
import { isMysql } from './db.js';
import { insertReturning, selectByTuples } from './direct.js';
import { type CheckinShift, checkinShiftRow } from './attendance.js';

export type { CheckinKey, LogType, PunchKey };

/**
 * checked_in: has a check-in · unmatched: no employee has its user id · inactive: the employee is not Active ·
 * suspect_time: held for review · discarded: an admin refused it (kept, never a check-in)
 */
export type PunchStatus = 'checked_in' | 'unmatched' | 'inactive' | 'suspect_time' | 'discarded';

/** What a punch says, from whichever channel (the pipeline's Punch is this). */
export interface PunchData extends PunchKey {
  /** The JSON API's device_id / location label, when sent. */
  deviceId: string | null;
  /** The device's site: the user id is matched to an employee within it. */
  site: string;
  /** The UTC instant, whole seconds. */
  instant: Date;
  /** The zone used to get `instant` from `localTime`. */
  timeZone: string;
  logType: LogType;
  /** The raw ZKTeco punch state (0 check-in … 5 overtime-out, 255 undefined), where known. */
  punchState: number | null;
  verifyMode: number | null;
  workCode: string | null;
  latitude: number | null;
  longitude: number | null;
  /** Where it came from: adms, json, hrms, replay, … */
  source: string;
}

export interface NewPunch extends PunchData {
  status: PunchStatus;
  employeeId: number | null;
  checkinId: number | null;
  receivedAt: Date;
}

export interface StoredPunch extends NewPunch {
  id: number;
}

interface PunchRow {
  id: number;
  device_serial: string;
  device_id: string | null;
  site: string;
  device_user_id: string;
  local_time: string;
  punched_at: string;
  time_zone: string;
  log_type: LogType;
  punch_state: number | null;
  verify_mode: number | null;
  work_code: string | null;
  latitude: number | null;
  longitude: number | null;
  source: string;
  status: PunchStatus;
  employee_id: number | null;
  checkin_id: number | null;
  received_at: string;
}

function punchFromRow(r: PunchRow): StoredPunch {
  return {
    id: Number(r.id),
    deviceSerial: r.device_serial,
    deviceId: r.device_id,
    site: r.site,
    deviceUserId: r.device_user_id,
    localTime: r.local_time,
    instant: fromDbInstant(r.punched_at),
    timeZone: r.time_zone,
    logType: r.log_type,
    punchState: r.punch_state,
    verifyMode: r.verify_mode,
    workCode: r.work_code,
    latitude: r.latitude === null ? null : Number(r.latitude),
    longitude: r.longitude === null ? null : Number(r.longitude),
    source: r.source,
    status: r.status,
    employeeId: r.employee_id === null ? null : Number(r.employee_id),
    checkinId: r.checkin_id === null ? null : Number(r.checkin_id),
    receivedAt: fromDbInstant(r.received_at),
  };
}

function punchToRow(p: NewPunch): Omit<PunchRow, 'id'> {
  return {
    device_serial: p.deviceSerial,
    device_id: p.deviceId,
    site: p.site,
    device_user_id: p.deviceUserId,
    local_time: p.localTime,
    punched_at: toDbInstant(p.instant),
    time_zone: p.timeZone,
    log_type: p.logType,
    punch_state: p.punchState,
    verify_mode: p.verifyMode,
    work_code: p.workCode,
    latitude: p.latitude,
    longitude: p.longitude,
    source: p.source,
    status: p.status,
    employee_id: p.employeeId,
    checkin_id: p.checkinId,
    received_at: toDbInstant(p.receivedAt),
  };
}

const CHUNK = 300;


export async function findPunchesByKeys(knex: Knex, keys: PunchKey[]): Promise<Map<string, StoredPunch>> {
  const found = new Map<string, StoredPunch>();
  for (const part of chunks(keys, CHUNK)) {
    const rows = await selectByTuples<PunchRow>(knex, 'punches', PUNCH_KEY_COLUMNS, part.map(punchKeyValues));
    for (const r of rows) found.set(punchRowKey(r), punchFromRow(r));
  }
  return found;
}

/** What an insert says of each new punch: its id and status (the rest is what was inserted). */
export interface InsertedPunch {
  id: number;
  status: PunchStatus;
}

/** The columns an insert hands back: the key, to find each row's punch, and what InsertedPunch holds. */
const INSERTED_COLUMNS = ['id', ...PUNCH_KEY_COLUMNS, 'status'];

/**
 * Plain inserts: a unique violation means another writer got there first, and the caller
 * retries. Returns each punch's id and status, by key (read back where the server cannot
 * return them); only those columns come back, not whole rows.
 */
export async function insertPunches(trx: Knex.Transaction, punches: NewPunch[]): Promise<Map<string, InsertedPunch>> {
  const stored = new Map<string, InsertedPunch>();
  for (const part of chunks(punches, CHUNK)) {
    const returned = await insertReturning<PunchRow>(trx, 'punches', part.map(punchToRow), INSERTED_COLUMNS);
    if (returned) for (const r of returned) stored.set(punchRowKey(r), { id: Number(r.id), status: r.status });
    else for (const [key, punch] of await findPunchesByKeys(trx, part)) stored.set(key, { id: punch.id, status: punch.status });
  }
  return stored;
}

export async function findPunch(knex: Knex, id: number): Promise<StoredPunch | null> {
  const row = (await knex('punches').where({ id }).first()) as PunchRow | undefined;
  return row ? punchFromRow(row) : null;
}

/**
 * A punch with its row lock taken first (MySQL; SQLite has one writer): what another
 * transaction did to it (an admin's discard, accept or re-link) is committed and seen before
 * the caller decides anything.
 */
export async function lockPunch(trx: Knex.Transaction, id: number): Promise<StoredPunch | null> {
  if (isMysql(trx)) await trx('punches').where({ id }).update({ status: trx.ref('status') });
  return findPunch(trx, id);
}

/** Punches waiting for an employee with this user id on this site. */
export async function findPendingPunches(knex: Knex, site: string, deviceUserId: string): Promise<StoredPunch[]> {
  const rows = (await knex('punches')
    .where({ site, device_user_id: deviceUserId })
    .whereIn('status', ['unmatched', 'inactive'])
    .orderBy('punched_at')) as PunchRow[];
  return rows.map(punchFromRow);
}

/**
 * Takes the row locks of these waiting punches (MySQL; SQLite has one writer) and answers those
 * still waiting: an admin's discard or re-link of one, committed meanwhile, is waited for and
 * then seen, so a settle never overwrites it with a check-in of its own. (An UPDATE, not a
 * locking read: that would also wait for punches another transaction is still inserting.)
 */
export async function lockPendingPunches(trx: Knex.Transaction, punches: StoredPunch[]): Promise<StoredPunch[]> {
  if (punches.length === 0 || !isMysql(trx)) return punches;
  const ids = punches.map((p) => p.id);
  const still = new Set<number>();
  for (const part of chunks(ids, CHUNK)) {
    await trx('punches').whereIn('id', part).whereIn('status', ['unmatched', 'inactive']).update({ status: trx.ref('status') });
    for (const r of (await trx('punches').whereIn('id', part).whereIn('status', ['unmatched', 'inactive']).select('id')) as { id: number }[]) still.add(Number(r.id));
  }
  return punches.filter((p) => still.has(p.id));
}

/** Employees whose biometric id has punches still waiting as unmatched, at most `limit`. */
export async function employeesWithUnmatchedPunches(knex: Knex, limit: number): Promise<number[]> {
  const rows = (await knex('punches as p')
    .join('employees as e', (j) => j.on('e.site', 'p.site').andOn('e.attendance_device_id', 'p.device_user_id'))
    .where('p.status', 'unmatched')
    .distinct('e.id')
    .limit(limit)) as { id: number }[];
  return rows.map((r) => Number(r.id));
}

export async function updatePunch(
  trx: Knex.Transaction,
  id: number,
  fields: Partial<Pick<NewPunch, 'status' | 'employeeId' | 'checkinId' | 'localTime' | 'instant' | 'timeZone'>>,
): Promise<void> {
  const row: Record<string, unknown> = {};
  if (fields.status !== undefined) row.status = fields.status;
  if (fields.employeeId !== undefined) row.employee_id = fields.employeeId;
  if (fields.checkinId !== undefined) row.checkin_id = fields.checkinId;
  if (fields.localTime !== undefined) row.local_time = fields.localTime;
  if (fields.instant !== undefined) row.punched_at = toDbInstant(fields.instant);
  if (fields.timeZone !== undefined) row.time_zone = fields.timeZone;
  await trx('punches').where({ id }).update(row);
}

/**
 * Moves a punch from one of `from` to `to` in one statement, true when it was in one of them:
 * two admins acting on one punch at once cannot both act (the row is locked until commit).
 */
export async function claimPunch(trx: Knex.Transaction, id: number, from: PunchStatus[], to: PunchStatus): Promise<boolean> {
  return (await trx('punches').where({ id }).whereIn('status', from).update({ status: to })) === 1;
}

export interface PunchFilter {
  device?: string;
  site?: string;
  status?: PunchStatus[];
  employeeId?: number;
  from?: Date;
  to?: Date;
}

function punchQuery(knex: Knex, filter: PunchFilter): Knex.QueryBuilder {
  const q = knex('punches').select('*');
  if (filter.device) q.where((w) => w.where('device_serial', filter.device!).orWhere('device_id', filter.device!));
  if (filter.site) q.where('site', filter.site);
  if (filter.status?.length) q.whereIn('status', filter.status);
  if (filter.employeeId !== undefined) q.where('employee_id', filter.employeeId);
  if (filter.from) q.where('punched_at', '>=', toDbInstant(filter.from));
  if (filter.to) q.where('punched_at', '<', toDbInstant(filter.to));
  return q;
}

/** A page of the punches matching `filter`, newest first, with their total. */
export function listPunches(knex: Knex, filter: PunchFilter, window: Window): Promise<Listed<StoredPunch>> {
  return listPaged(punchQuery(knex, filter), window, [{ column: 'punched_at', order: 'desc' }, { column: 'id', order: 'desc' }], punchFromRow);
}

/** The next punches matching `filter` after `after`, newest first (an export's read: see scanAfter). */
export function scanPunches(knex: Knex, filter: PunchFilter, after: ScanCursor | null, limit: number): Promise<StoredPunch[]> {
  return scanAfter(punchQuery(knex, filter), 'punched_at', after, limit, punchFromRow);
}

// --- checkins ---

export interface NewCheckin extends CheckinKey {
  name: string;
  deviceId: string | null;
  skipAutoAttendance: boolean;
  latitude: number | null;
  longitude: number | null;
  createdAt: Date;
  /** Where it is counted (its attendance record and shift), when known at insert. */
  counted?: CheckinShift | null;
}

export interface Checkin extends Omit<NewCheckin, 'counted'> {
  id: number;
  shiftType: string | null;
  attendanceId: number | null;
  /** The window of its shift, as HRMS's shift_start, shift_end, shift_actual_start, shift_actual_end. */
  shiftStart: Date | null;
  shiftEnd: Date | null;
  shiftActualStart: Date | null;
  shiftActualEnd: Date | null;
}

interface CheckinRow {
  id: number;
  name: string;
  employee_id: number;
  time: string;
  log_type: LogType;
  device_id: string | null;
  shift_type: string | null;
  attendance_id: number | null;
  shift_start: string | null;
  shift_end: string | null;
  shift_actual_start: string | null;
  shift_actual_end: string | null;
  skip_auto_attendance: number | boolean;
  latitude: number | null;
  longitude: number | null;
  created_at: string;
}

function checkinFromRow(r: CheckinRow): Checkin {
  return {
    id: Number(r.id),
    name: r.name,
    employeeId: Number(r.employee_id),
    time: fromDbInstant(r.time),
    logType: r.log_type,
    deviceId: r.device_id,
    shiftType: r.shift_type,
    attendanceId: r.attendance_id === null ? null : Number(r.attendance_id),
    shiftStart: fromDbInstant(r.shift_start),
    shiftEnd: fromDbInstant(r.shift_end),
    shiftActualStart: fromDbInstant(r.shift_actual_start),
    shiftActualEnd: fromDbInstant(r.shift_actual_end),
    skipAutoAttendance: Boolean(r.skip_auto_attendance),
    latitude: r.latitude === null ? null : Number(r.latitude),
    longitude: r.longitude === null ? null : Number(r.longitude),
    createdAt: fromDbInstant(r.created_at),
  };
}

export async function findCheckinsByKeys(knex: Knex, keys: CheckinKey[]): Promise<Map<string, Checkin>> {
  const found = new Map<string, Checkin>();
  for (const part of chunks(keys, CHUNK)) {
    const rows = await selectByTuples<CheckinRow>(knex, 'checkins', CHECKIN_KEY_COLUMNS, part.map(checkinKeyValues));
    for (const r of rows) found.set(checkinRowKey(r), checkinFromRow(r));
  }
  return found;
}

/** Inserts check-ins and returns them with their ids, by name. */
export async function insertCheckins(trx: Knex.Transaction, checkins: NewCheckin[]): Promise<Map<string, Checkin>> {
  const byName = new Map<string, Checkin>();
  for (const part of chunks(checkins, CHUNK)) {
    const returned = await insertReturning<CheckinRow>(
      trx,
      'checkins',
      part.map((c) => ({
        name: c.name,
        employee_id: c.employeeId,
        time: toDbInstant(c.time),
        log_type: c.logType,
        device_id: c.deviceId,
        skip_auto_attendance: c.skipAutoAttendance,
        latitude: c.latitude,
        longitude: c.longitude,
        ...checkinShiftRow(c.counted),
        created_at: toDbInstant(c.createdAt),
      })),
    );
    const rows = returned ?? ((await trx('checkins').whereIn('name', part.map((c) => c.name))) as CheckinRow[]);
    for (const r of rows) byName.set(r.name, checkinFromRow(r));
  }
  return byName;
}

export async function findCheckinsByIds(knex: Knex, ids: number[]): Promise<Map<number, Checkin>> {
  const found = new Map<number, Checkin>();
  for (const part of chunks([...new Set(ids)], CHUNK)) {
    for (const r of (await knex('checkins').whereIn('id', part)) as CheckinRow[]) found.set(Number(r.id), checkinFromRow(r));
  }
  return found;
}

export interface CheckinFilter {
  employeeId?: number;
  device?: string;
  /** The employee's site (a check-in has none of its own). */
  site?: string;
  logType?: LogType;
  from?: Date;
  to?: Date;
}

function checkinQuery(knex: Knex, filter: CheckinFilter): Knex.QueryBuilder {
  const q = knex('checkins').select('*');
  if (filter.employeeId !== undefined) q.where('employee_id', filter.employeeId);
  if (filter.device) q.where('device_id', filter.device);
  if (filter.site) q.whereIn('employee_id', knex('employees').select('id').where('site', filter.site));
  if (filter.logType) q.where('log_type', filter.logType);
  if (filter.from) q.where('time', '>=', toDbInstant(filter.from));
  if (filter.to) q.where('time', '<', toDbInstant(filter.to));
  return q;
}

/** A page of the check-ins matching `filter`, newest first, with their total. */
export function listCheckins(knex: Knex, filter: CheckinFilter, window: Window): Promise<Listed<Checkin>> {
  return listPaged(checkinQuery(knex, filter), window, [{ column: 'time', order: 'desc' }, { column: 'id', order: 'desc' }], checkinFromRow);
}

/** The next check-ins matching `filter` after `after`, newest first (an export's read: see scanAfter). */
export function scanCheckins(knex: Knex, filter: CheckinFilter, after: ScanCursor | null, limit: number): Promise<Checkin[]> {
  return scanAfter(checkinQuery(knex, filter), 'time', after, limit, checkinFromRow);
}

/** Punches a device recorded between two of its wall times (inclusive). */
export async function countDevicePunches(knex: Knex, deviceSerial: string, fromLocal: string, toLocal: string): Promise<number> {
  const row = (await knex('punches').where({ device_serial: deviceSerial }).whereBetween('local_time', [fromLocal, toLocal]).count({ n: '*' }).first()) as {
    n: number | string;
  };
  return Number(row.n);
}

/** The terminal each check-in's first punch came from, with what the registry knows of it. */
export interface CheckinDevice {
  serial: string;
  alias: string | null;
  site: string | null;
  timeZone: string | null;
}

export async function findCheckinDevices(knex: Knex, checkinIds: number[]): Promise<Map<number, CheckinDevice>> {
  const found = new Map<number, CheckinDevice>();
  for (const part of chunks(checkinIds, CHUNK)) {
    const rows = (await knex('punches as p')
      .leftJoin('devices as d', 'd.serial', 'p.device_serial')
      .whereIn('p.checkin_id', part)
      .orderBy('p.id')
      .select('p.checkin_id', 'p.device_serial', 'd.alias', 'd.site', 'd.time_zone')) as {
      checkin_id: number;
      device_serial: string;
      alias: string | null;
      site: string | null;
      time_zone: string | null;
    }[];
    for (const r of rows) {
      const id = Number(r.checkin_id);
      if (!found.has(id)) found.set(id, { serial: r.device_serial, alias: r.alias, site: r.site, timeZone: r.time_zone });
    }
  }
  return found;
}

// --- what the console summarizes ---

/** Punches per device and wall-clock day (YYYY-MM-DD), for days from `fromDay` on. */
export async function countPunchesPerDay(knex: Knex, serials: string[], fromDay: string): Promise<Map<string, Map<string, number>>> {
  const found = new Map<string, Map<string, number>>();
  for (const part of chunks([...new Set(serials)], CHUNK)) {
    const rows = (await knex('punches')
      .whereIn('device_serial', part)
      .where('local_time', '>=', `${fromDay} 00:00:00`)
      .select('device_serial', knex.raw('SUBSTR(local_time, 1, 10) AS day'))
      .count({ n: '*' })
      .groupBy('device_serial', knex.raw('SUBSTR(local_time, 1, 10)'))) as { device_serial: string; day: string; n: number | string }[];
    for (const r of rows) {
      const days = found.get(r.device_serial) ?? new Map<string, number>();
      days.set(r.day, Number(r.n));
      found.set(r.device_serial, days);
    }
  }
  return found;
}

/** Punches per UTC minute ('YYYY-MM-DD HH:MM') received for instants in [from, to). */
export async function countPunchesPerMinute(knex: Knex, from: Date, to: Date): Promise<{ minute: string; n: number }[]> {
  const minute = knex.raw('SUBSTR(punched_at, 1, 16)');
  const rows = (await knex('punches')
    .where('punched_at', '>=', toDbInstant(from))
    .where('punched_at', '<', toDbInstant(to))
    .select({ minute })
    .count({ n: '*' })
    .groupBy(minute)) as { minute: string; n: number | string }[];
  return rows.map((r) => ({ minute: String(r.minute), n: Number(r.n) }));
}

export interface UnmatchedGroup {
  site: string;
  deviceUserId: string;
  punches: number;
  firstAt: Date;
  lastAt: Date;
}

/** Unmatched punches grouped by site and device user id, the most recent first. */
export interface UnmatchedFilter {
  site?: string;
  deviceUserId?: string;
  /** Part of the device user id. */
  search?: string;
}

export async function listUnmatchedGroups(knex: Knex, filter: UnmatchedFilter, window: Window): Promise<Listed<UnmatchedGroup>> {
  const q = knex('punches').where('status', 'unmatched');
  if (filter.site) q.where('site', filter.site);
  if (filter.deviceUserId) q.where('device_user_id', filter.deviceUserId);
  whereContains(q, ['device_user_id'], filter.search);
  q.groupBy('site', 'device_user_id');
  const count = (await knex.count({ n: '*' }).from(q.clone().select('site', 'device_user_id').as('g')).first()) as { n: number | string } | undefined;
  const rows = (await q
    .clone()
    .select('site', 'device_user_id')
    .count({ n: '*' })
    .min({ first_at: 'punched_at' })
    .max({ last_at: 'punched_at' })
    .orderBy([{ column: 'last_at', order: 'desc' }, { column: 'site' }, { column: 'device_user_id' }])
    .offset(window.offset)
    .limit(window.limit)) as { site: string; device_user_id: string; n: number | string; first_at: string; last_at: string }[];
  return {
    total: Number(count?.n ?? 0),
    rows: rows.map((r) => ({ site: r.site, deviceUserId: r.device_user_id, punches: Number(r.n), firstAt: fromDbInstant(r.first_at), lastAt: fromDbInstant(r.last_at) })),
  };
}

/** For each (site, user id) group: the terminals its unmatched punches came from and the names those terminals have for it. */
export async function findUnmatchedSources(
  knex: Knex,
  groups: Pick<UnmatchedGroup, 'site' | 'deviceUserId'>[],
): Promise<Map<string, { devices: string[]; names: string[] }>> {
  const found = new Map<string, { devices: string[]; names: string[] }>();
  if (groups.length === 0) return found;
  const key = (site: string, id: string) => compositeKey(site, id);
  const wanted = new Set(groups.map((g) => key(g.site, g.deviceUserId)));
  for (const part of chunks([...new Set(groups.map((g) => g.deviceUserId))], CHUNK)) {
    const rows = (await knex('punches as p')
      .leftJoin('device_users as u', (j) => j.on('u.device_serial', 'p.device_serial').andOn('u.pin', 'p.device_user_id'))
      .where('p.status', 'unmatched')
      .whereIn('p.device_user_id', part)
      .distinct('p.site', 'p.device_user_id', 'p.device_serial', 'u.name')
      .orderBy('p.device_serial')) as { site: string; device_user_id: string; device_serial: string; name: string | null }[];
    for (const r of rows) {
      const k = key(r.site, r.device_user_id);
      if (!wanted.has(k)) continue;
      const entry = found.get(k) ?? { devices: [], names: [] };
      if (!entry.devices.includes(r.device_serial)) entry.devices.push(r.device_serial);
      if (r.name && !entry.names.includes(r.name)) entry.names.push(r.name);
      found.set(k, entry);
    }
  }
  return found;
}
