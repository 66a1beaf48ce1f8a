// devices: the registry of terminals, the only place that reads or writes it; and what a
// terminal has delivered (for the diagnosis).
import type { Knex } from 'knex';
import { chunks } from './chunks.js';
import { COLUMNS as TABLE_COLUMNS, INT_MAX, INT_MIN, charsOf, clipChars, jsonWithin } from './columns.js';
import { type Listed, type Window, listPaged, whereContains } from './list.js';
import { fromDbInstant, toDbInstant } from './time.js';

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

export async function countDevicesInState(knex: Knex, state: DeviceState): Promise<number> {
  const row = (await knex('devices').where({ state }).count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** Approved terminals heard from, but not since `before`: the candidates for "silent" (each against its own Delay). */
export async function approvedDevicesNotSeenSince(knex: Knex, before: Date): Promise<Pick<Device, 'serial' | 'options' | 'lastSeenAt'>[]> {
  const rows = (await knex('devices').where({ state: 'approved' }).whereNotNull('last_seen_at').where('last_seen_at', '<', toDbInstant(before)).select('serial', 'options', 'last_seen_at')) as Pick<Row, 'serial' | 'options' | 'last_seen_at'>[];
  return rows.map((r) => ({ serial: r.serial, options: parseJson(r.options), lastSeenAt: fromDbInstant(r.last_seen_at) }));
}

/** Approved terminals whose last measured clock is off by more than `seconds`. */
export async function countApprovedDevicesClockOff(knex: Knex, seconds: number): Promise<number> {
  const row = (await knex('devices')
    .where({ state: 'approved' })
    .where((q) => q.where('clock_drift_seconds', '>', seconds).orWhere('clock_drift_seconds', '<', -seconds))
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** Creates the device unless another process just did; returns the stored row either way. */
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

/**
 * Changes to many devices in one statement per 200 (what a batch of uploads told about their
 * terminals): each column set by a CASE over the serials that change it, kept by the others.
 * A device changed twice keeps its last change of each column.
 */
export async function updateDevices(knex: Knex, changes: { serial: string; change: DeviceChange }[], at: Date): Promise<void> {
  const merged = new Map<string, Record<string, Knex.Value>>();
  for (const { serial, change } of changes) merged.set(serial, { ...merged.get(serial), ...(toRow(change) as Record<string, Knex.Value>) });
  const rows = [...merged].filter(([, row]) => Object.keys(row).length > 0);
  for (let i = 0; i < rows.length; i += 200) {
    const part = rows.slice(i, i + 200);
    const columns = [...new Set(part.flatMap(([, row]) => Object.keys(row)))];
    const update: Record<string, Knex.Value | Knex.Raw> = { updated_at: toDbInstant(at) };
    for (const column of columns) {
      const setting = part.filter(([, row]) => column in row);
      update[column] = knex.raw(`CASE serial ${setting.map(() => 'WHEN ? THEN ?').join(' ')} ELSE ?? END`, [...setting.flatMap(([serial, row]) => [serial, row[column]!]), column]);
    }
    await knex('devices')
      .whereIn(
        'serial',
        part.map(([serial]) => serial),
      )
      .update(update);
  }
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
