// devices and device_requests: the only place that reads or writes them.
import type { Knex } from 'knex';
import { chunks } from './chunks.js';
import { COLUMNS as TABLE_COLUMNS, INT_MAX, INT_MIN, charsOf, clipBytes, clipChars, jsonWithin } from './columns.js';
import { isMysql } from './db.js';
import { deleteInBatches } from './prune.js';
import { type Listed, type Window, listPaged, whereContains } from './list.js';
import { fromDbInstant, toDbInstant } from './time.js';
import { compositeKey } from './keys.js';

export type DeviceState = 'pending' | 'approved' | 'blocked';

export interface DeviceSettings {
  serial: string;
  site: string;
  timeZone: string | null;
  state: DeviceState;
}

export interface Device extends DeviceSettings {
  id: number;
  alias: string | null;
  state: DeviceState;
  pushVersion: string | null;
  firmware: string | null;
  language: number | null;
  deviceType: string | null;
  pushGeneration: string | null;
  attlogStamp: string | null;
  operlogStamp: string | null;
  attphotoStamp: string | null;
  biodataStamp: string | null;
  info: Record<string, unknown> | null;
  options: Record<string, string> | null;
  infoAt: Date | null;
  clockDriftSeconds: number | null;
  clockDriftAt: Date | null;
  lastSeenAt: Date | null;
  lastAddress: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  id: number;
  serial: string;
  alias: string | null;
  site: string;
  time_zone: string | null;
  state: DeviceState;
  push_version: string | null;
  firmware: string | null;
  language: number | null;
  device_type: string | null;
  push_generation: string | null;
  attlog_stamp: string | null;
  operlog_stamp: string | null;
  attphoto_stamp: string | null;
  biodata_stamp: string | null;
  info: string | null;
  options: string | null;
  info_at: string | null;
  clock_drift_seconds: number | null;
  clock_drift_at: string | null;
  last_seen_at: string | null;
  last_address: string | null;
  created_at: string;
  updated_at: string;
}

function parseJson<T>(text: string | null): T | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

function fromRow(r: Row): Device {
  return {
    id: Number(r.id),
    serial: r.serial,
    alias: r.alias,
    site: r.site,
    timeZone: r.time_zone,
    state: r.state,
    pushVersion: r.push_version,
    firmware: r.firmware,
    language: r.language === null ? null : Number(r.language),
    deviceType: r.device_type,
    pushGeneration: r.push_generation,
    attlogStamp: r.attlog_stamp,
    operlogStamp: r.operlog_stamp,
    attphotoStamp: r.attphoto_stamp,
    biodataStamp: r.biodata_stamp,
    info: parseJson(r.info),
    options: parseJson(r.options),
    infoAt: fromDbInstant(r.info_at),
    clockDriftSeconds: r.clock_drift_seconds === null ? null : Number(r.clock_drift_seconds),
    clockDriftAt: fromDbInstant(r.clock_drift_at),
    lastSeenAt: fromDbInstant(r.last_seen_at),
    lastAddress: r.last_address,
    createdAt: fromDbInstant(r.created_at),
    updatedAt: fromDbInstant(r.updated_at),
  };
}

export type DeviceChange = Partial<
  Pick<
    Device,
    | 'alias'
    | 'site'
    | 'timeZone'
    | 'state'
    | 'pushVersion'
    | 'firmware'
    | 'language'
    | 'deviceType'
    | 'pushGeneration'
    | 'attlogStamp'
    | 'operlogStamp'
    | 'attphotoStamp'
    | 'biodataStamp'
    | 'info'
    | 'options'
    | 'infoAt'
    | 'clockDriftSeconds'
    | 'clockDriftAt'
  >
>;

const COLUMNS: Record<keyof DeviceChange, keyof Row> = {
  alias: 'alias',
  site: 'site',
  timeZone: 'time_zone',
  state: 'state',
  pushVersion: 'push_version',
  firmware: 'firmware',
  language: 'language',
  deviceType: 'device_type',
  pushGeneration: 'push_generation',
  attlogStamp: 'attlog_stamp',
  operlogStamp: 'operlog_stamp',
  attphotoStamp: 'attphoto_stamp',
  biodataStamp: 'biodata_stamp',
  info: 'info',
  options: 'options',
  infoAt: 'info_at',
  clockDriftSeconds: 'clock_drift_seconds',
  clockDriftAt: 'clock_drift_at',
};

/** A change as a row; what a terminal reports about itself is cut to what its column holds. */
function toRow(change: DeviceChange): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(change) as [keyof DeviceChange, unknown][]) {
    const column = COLUMNS[key];
    if (value === undefined) continue;
    if (key === 'info' || key === 'options') row[column] = value === null ? null : jsonWithin(value as Record<string, unknown>);
    else if (key === 'infoAt' || key === 'clockDriftAt') row[column] = value === null ? null : toDbInstant(value as Date);
    else if (typeof value === 'string') row[column] = clipChars(value, charsOf('devices', column as keyof (typeof TABLE_COLUMNS)['devices']));
    else if (typeof value === 'number') row[column] = Math.min(INT_MAX, Math.max(INT_MIN, Math.round(value)));
    else row[column] = value;
  }
  return row;
}

export async function findDeviceSettings(knex: Knex, serials: string[]): Promise<Map<string, DeviceSettings>> {
  const found = new Map<string, DeviceSettings>();
  if (serials.length === 0) return found;
  const rows = (await knex('devices').whereIn('serial', [...new Set(serials)]).select('serial', 'site', 'time_zone', 'state')) as Row[];
  for (const r of rows) found.set(r.serial, { serial: r.serial, site: r.site, timeZone: r.time_zone, state: r.state });
  return found;
}

export async function findDevice(knex: Knex, serial: string): Promise<Device | null> {
  const row = (await knex('devices').where({ serial }).first()) as Row | undefined;
  return row ? fromRow(row) : null;
}

/** The devices of these serials that exist (one query per 500). */
export async function findDevices(knex: Knex, serials: string[]): Promise<Device[]> {
  const found: Device[] = [];
  for (const part of chunks(serials, 500)) for (const row of (await knex('devices').whereIn('serial', part)) as Row[]) found.push(fromRow(row));
  return found;
}

/** Creates the device unless another process just did; returns the stored row either way. */
export async function countDevicesInState(knex: Knex, state: DeviceState): Promise<number> {
  const row = (await knex('devices').where({ state }).count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

export async function insertDevice(knex: Knex, serial: string, fields: DeviceChange, at: Date): Promise<Device> {
  await knex('devices')
    .insert({ serial, ...toRow(fields), created_at: toDbInstant(at), updated_at: toDbInstant(at) })
    .onConflict('serial')
    .ignore();
  return (await findDevice(knex, serial))!;
}

export async function updateDevice(knex: Knex, serial: string, change: DeviceChange, at: Date): Promise<void> {
  await knex('devices').where({ serial }).update({ ...toRow(change), updated_at: toDbInstant(at) });
}

/** Writes batched heartbeats: last seen time and address per device, a few hundred per statement. */
export async function recordDevicesSeen(knex: Knex, seen: { serial: string; at: Date; address: string | null }[]): Promise<void> {
  for (let i = 0; i < seen.length; i += 200) {
    const part = seen.slice(i, i + 200);
    const cases = (value: (s: (typeof part)[number]) => string | null) =>
      knex.raw(`CASE serial ${part.map(() => 'WHEN ? THEN ?').join(' ')} END`, part.flatMap((s) => [s.serial, value(s)]));
    await knex('devices')
      .whereIn(
        'serial',
        part.map((s) => s.serial),
      )
      .update({ last_seen_at: cases((s) => toDbInstant(s.at)), last_address: cases((s) => (s.address === null ? null : clipChars(s.address, charsOf('devices', 'last_address')))) });
  }
}

export interface DeviceFilter {
  state?: DeviceState;
  site?: string;
  /** Part of the serial or the alias. */
  search?: string;
}

export function listDevices(knex: Knex, filter: DeviceFilter, window: Window): Promise<Listed<Device>> {
  const q = knex('devices').select('*');
  if (filter.state) q.where('state', filter.state);
  if (filter.site) q.where('site', filter.site);
  whereContains(q, ['serial', 'alias'], filter.search);
  return listPaged(q, window, [{ column: 'serial', order: 'asc' }], fromRow);
}

// --- device_requests: the archive of device uploads ---

export type ArchiveOutcome = 'processed' | 'quarantined' | 'unparsed' | 'unknown';

/** A device request as it arrived. */
export interface DeviceRequest {
  method: string;
  path: string;
  /** The raw query string, without '?'. */
  query: string;
  body: Buffer;
  remoteAddress: string | null;
  receivedAt: Date;
}

export interface ArchivedRequest extends DeviceRequest {
  id: number;
  deviceSerial: string | null;
  outcome: ArchiveOutcome;
  records: number;
  rejectedLines: number;
  error: string | null;
}

interface RequestRow {
  id: number;
  device_serial: string | null;
  method: string;
  path: string;
  query: string;
  body: Buffer | Uint8Array;
  remote_address: string | null;
  received_at: string;
  outcome: ArchiveOutcome;
  records: number;
  rejected_lines: number;
  error: string | null;
}

function requestFromRow(r: RequestRow): ArchivedRequest {
  return {
    id: Number(r.id),
    deviceSerial: r.device_serial,
    method: r.method,
    path: r.path,
    query: r.query,
    body: Buffer.from(r.body),
    remoteAddress: r.remote_address,
    receivedAt: fromDbInstant(r.received_at),
    outcome: r.outcome,
    records: Number(r.records),
    rejectedLines: Number(r.rejected_lines),
    error: r.error,
  };
}

function archiveRow(r: Omit<ArchivedRequest, 'id'>) {
  return {
    device_serial: r.deviceSerial === null ? null : clipChars(r.deviceSerial, charsOf('device_requests', 'device_serial')),
    method: clipChars(r.method, charsOf('device_requests', 'method')),
    path: clipChars(r.path, charsOf('device_requests', 'path')),
    query: clipBytes(r.query),
    body: r.body,
    remote_address: r.remoteAddress === null ? null : clipChars(r.remoteAddress, charsOf('device_requests', 'remote_address')),
    received_at: toDbInstant(r.receivedAt),
    outcome: r.outcome,
    records: r.records,
    rejected_lines: r.rejectedLines,
    error: r.error === null ? null : clipBytes(r.error),
  };
}

/** Uploads held for terminals awaiting approval, all terminals together. */
export async function countQuarantined(knex: Knex): Promise<number> {
  const row = (await knex('device_requests').where({ outcome: 'quarantined' }).count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** A terminal's archived requests: how many, and their bodies' bytes. */
export async function archivedTotals(knex: Knex, serial: string): Promise<{ requests: number; bytes: number }> {
  const row = (await knex('device_requests').where({ device_serial: serial }).count({ n: '*' }).sum({ b: knex.raw('LENGTH(body)') }).first()) as { n: number | string; b: number | string | null } | undefined;
  return { requests: Number(row?.n ?? 0), bytes: Number(row?.b ?? 0) };
}

export async function archiveRequest(knex: Knex, r: Omit<ArchivedRequest, 'id'>): Promise<number> {
  const [id] = await knex('device_requests').insert(archiveRow(r));
  return Number(id);
}

/**
 * Many requests, at most 200 rows and a few megabytes per statement (no ids: a multi-row
 * insert does not report them on every database).
 */
export async function archiveRequests(knex: Knex, list: Omit<ArchivedRequest, 'id'>[]): Promise<void> {
  let part: ReturnType<typeof archiveRow>[] = [];
  let bytes = 0;
  for (const r of list) {
    part.push(archiveRow(r));
    bytes += r.body.length;
    if (bytes >= 4 * 1024 * 1024 || part.length >= 200) {
      await knex('device_requests').insert(part);
      part = [];
      bytes = 0;
    }
  }
  if (part.length) await knex('device_requests').insert(part);
}

export async function updateArchivedOutcome(
  knex: Knex,
  id: number,
  outcome: Pick<ArchivedRequest, 'outcome' | 'records' | 'rejectedLines' | 'error'>,
): Promise<void> {
  await knex('device_requests').where({ id }).update({
    outcome: outcome.outcome,
    records: outcome.records,
    rejected_lines: outcome.rejectedLines,
    error: outcome.error === null ? null : clipBytes(outcome.error),
  });
}

export async function findArchivedRequests(
  knex: Knex,
  filter: { deviceSerial?: string; outcome?: ArchiveOutcome; from?: Date; to?: Date; afterId?: number },
  limit: number,
): Promise<ArchivedRequest[]> {
  const q = knex('device_requests').select('*').orderBy('id').limit(limit);
  if (filter.deviceSerial) q.where('device_serial', filter.deviceSerial);
  if (filter.outcome) q.where('outcome', filter.outcome);
  if (filter.from) q.where('received_at', '>=', toDbInstant(filter.from));
  if (filter.to) q.where('received_at', '<', toDbInstant(filter.to));
  if (filter.afterId !== undefined) q.where('id', '>', filter.afterId);
  return ((await q) as RequestRow[]).map(requestFromRow);
}

// --- device_users and device_templates ---

export interface DeviceUser {
  pin: string;
  name: string;
  privilege: number | null;
  card: string | null;
}

export async function upsertDeviceUsers(knex: Knex, serial: string, users: DeviceUser[], at: Date): Promise<void> {
  if (users.length === 0) return;
  // The last record for a PIN in one body wins.
  const byPin = new Map(users.map((u) => [u.pin, u]));
  await knex('device_users')
    .insert(
      [...byPin.values()].map((u) => ({
        device_serial: serial,
        pin: u.pin,
        name: clipChars(u.name, charsOf('device_users', 'name')),
        privilege: u.privilege,
        card: u.card === null ? null : clipChars(u.card, charsOf('device_users', 'card')),
        updated_at: toDbInstant(at),
      })),
    )
    .onConflict(['device_serial', 'pin'])
    .merge(['name', 'privilege', 'card', 'updated_at']);
}

export async function listDeviceUsers(knex: Knex, serial: string): Promise<DeviceUser[]> {
  const rows = (await knex('device_users').where({ device_serial: serial }).orderBy('pin')) as { pin: string; name: string; privilege: number | null; card: string | null }[];
  return rows.map((r) => ({ pin: r.pin, name: r.name, privilege: r.privilege === null ? null : Number(r.privilege), card: r.card }));
}

export interface DeviceTemplate {
  pin: string;
  kind: string;
  slot: string;
  fields: Record<string, string>;
}

export async function upsertDeviceTemplates(knex: Knex, serial: string, templates: DeviceTemplate[], at: Date): Promise<void> {
  if (templates.length === 0) return;
  const unique = new Map(templates.map((t) => [compositeKey(t.pin, t.kind, t.slot), t]));
  await knex('device_templates')
    .insert([...unique.values()].map((t) => ({ device_serial: serial, pin: t.pin, kind: clipChars(t.kind, charsOf('device_templates', 'kind')), slot: clipChars(t.slot, charsOf('device_templates', 'slot')), fields: JSON.stringify(t.fields), updated_at: toDbInstant(at) })))
    .onConflict(['device_serial', 'pin', 'kind', 'slot'])
    .merge(['fields', 'updated_at']);
}

export interface DeviceActivity {
  quarantined: number;
  quarantinedRecords: number;
  lastUnparsed: { at: Date; error: string | null } | null;
  lastPunchReceivedAt: Date | null;
  unmatched: number;
  unmatchedUserIds: string[];
  /** Punches held for review (suspect_time). */
  suspect: number;
}

/** What a device has delivered: for explaining why punches are not arriving. */
export async function deviceActivity(knex: Knex, serial: string): Promise<DeviceActivity> {
  const held = (await knex('device_requests').where({ device_serial: serial, outcome: 'quarantined' }).count({ n: '*' }).sum({ r: 'records' }).first()) as {
    n: number | string;
    r: number | string | null;
  };
  const unparsed = (await knex('device_requests').where({ device_serial: serial, outcome: 'unparsed' }).orderBy('id', 'desc').first('received_at', 'error')) as
    | { received_at: string; error: string | null }
    | undefined;
  const lastPunch = (await knex('punches').where({ device_serial: serial }).max({ at: 'received_at' }).first()) as { at: string | null } | undefined;
  const unmatched = (await knex('punches').where({ device_serial: serial, status: 'unmatched' }).count({ n: '*' }).first()) as { n: number | string };
  const suspect = (await knex('punches').where({ device_serial: serial, status: 'suspect_time' }).count({ n: '*' }).first()) as { n: number | string };
  const ids = (await knex('punches').where({ device_serial: serial, status: 'unmatched' }).distinct('device_user_id').orderBy('device_user_id').limit(10)) as {
    device_user_id: string;
  }[];
  return {
    quarantined: Number(held.n),
    quarantinedRecords: Number(held.r ?? 0),
    lastUnparsed: unparsed ? { at: fromDbInstant(unparsed.received_at), error: unparsed.error } : null,
    lastPunchReceivedAt: fromDbInstant(lastPunch?.at ?? null),
    unmatched: Number(unmatched.n),
    unmatchedUserIds: ids.map((r) => r.device_user_id),
    suspect: Number(suspect.n),
  };
}

/** Drops archived requests received before `before`; held (quarantined) uploads are kept. */
export function deleteArchivedBefore(knex: Knex, before: Date): Promise<number> {
  return deleteInBatches(knex, 'device_requests', (q) => q.where('received_at', '<', toDbInstant(before)).whereNot('outcome', 'quarantined'));
}

export async function listDeviceTemplates(knex: Knex, serial: string): Promise<DeviceTemplate[]> {
  const rows = (await knex('device_templates').where({ device_serial: serial }).orderBy(['pin', 'kind', 'slot'])) as { pin: string; kind: string; slot: string; fields: string }[];
  return rows.map((r) => ({ pin: r.pin, kind: r.kind, slot: r.slot, fields: JSON.parse(r.fields) as Record<string, string> }));
}

// --- device_heartbeats: requests per terminal per five-minute bucket (the console's timeline) ---

export interface HeartbeatBucket {
  serial: string;
  bucketAt: Date;
  requests: number;
}

/** Adds to the buckets' counts (creating them): one upsert per 200 buckets. */
export async function addDeviceHeartbeats(knex: Knex, buckets: HeartbeatBucket[]): Promise<void> {
  // The dialects name the row that did not go in differently.
  const added = isMysql(knex) ? 'VALUES(requests)' : 'excluded.requests';
  for (const part of chunks(buckets, 200)) {
    await knex('device_heartbeats')
      .insert(part.map((b) => ({ device_serial: b.serial.slice(0, 64), bucket_at: toDbInstant(b.bucketAt), requests: b.requests })))
      .onConflict(['device_serial', 'bucket_at'])
      .merge({ requests: knex.raw(`device_heartbeats.requests + ${added}`) });
  }
}

export async function listDeviceHeartbeats(knex: Knex, serial: string, from: Date): Promise<HeartbeatBucket[]> {
  const rows = (await knex('device_heartbeats')
    .where('device_serial', serial)
    .where('bucket_at', '>=', toDbInstant(from))
    .orderBy('bucket_at')
    .select('bucket_at', 'requests')) as { bucket_at: string; requests: number | string }[];
  return rows.map((r) => ({ serial, bucketAt: fromDbInstant(r.bucket_at), requests: Number(r.requests) }));
}

export function deleteHeartbeatsBefore(knex: Knex, before: Date): Promise<number> {
  return deleteInBatches(knex, 'device_heartbeats', (q) => q.where('bucket_at', '<', toDbInstant(before)));
}
