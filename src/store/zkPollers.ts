// zk_pollers: the terminals read over TCP 4370, how to read them, their cursor, the lease of the
// instance reading one now, and the outcome of its last poll. The only place that reads or
// writes them. Every write a poll makes is guarded by its lease: only the holder moves anything.
import type { Knex } from 'knex';
import { fromDbInstant, toDbInstant } from './time.js';
import { claimed } from './transaction.js';

/** What was committed of a terminal's log: how many records, and the last of them. */
export interface PollCursor {
  count: number;
  pin: string | null;
  /** Wall time on the terminal, 'YYYY-MM-DD HH:MM:SS'. */
  time: string | null;
}

export const EMPTY_CURSOR: PollCursor = { count: 0, pin: null, time: null };

export interface PollerSettings {
  host: string;
  port: number;
  commKey: number;
  intervalSeconds: number;
  enabled: boolean;
  clearAfterRead: boolean;
  setClock: boolean;
}

export interface ZkPoller extends PollerSettings {
  deviceSerial: string;
  cursor: PollCursor;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  nextPollAt: Date;
  /** Failed polls in a row (the backoff). */
  failures: number;
  lastPollAt: Date | null;
  lastSuccessAt: Date | null;
  lastErrorKind: string | null;
  lastError: string | null;
  records: number | null;
  recordsCapacity: number | null;
  users: number | null;
  usersCapacity: number | null;
  createdAt: Date;
  updatedAt: Date;
}

type Row = Record<string, unknown>;

const intOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function fromRow(r: Row): ZkPoller {
  return {
    deviceSerial: String(r.device_serial),
    host: String(r.host),
    port: Number(r.port),
    commKey: Number(r.comm_key),
    intervalSeconds: Number(r.interval_seconds),
    enabled: Boolean(r.enabled),
    clearAfterRead: Boolean(r.clear_after_read),
    setClock: Boolean(r.set_clock),
    cursor: { count: Number(r.cursor_count), pin: (r.cursor_pin as string | null) ?? null, time: (r.cursor_time as string | null) ?? null },
    leaseOwner: (r.lease_owner as string | null) ?? null,
    leaseUntil: fromDbInstant(r.lease_until as string | null),
    nextPollAt: fromDbInstant(r.next_poll_at as string),
    failures: Number(r.failures),
    lastPollAt: fromDbInstant(r.last_poll_at as string | null),
    lastSuccessAt: fromDbInstant(r.last_success_at as string | null),
    lastErrorKind: (r.last_error_kind as string | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    records: intOrNull(r.records),
    recordsCapacity: intOrNull(r.records_capacity),
    users: intOrNull(r.users),
    usersCapacity: intOrNull(r.users_capacity),
    createdAt: fromDbInstant(r.created_at as string),
    updatedAt: fromDbInstant(r.updated_at as string),
  };
}

function settingsRow(s: Partial<PollerSettings>): Row {
  const row: Row = {};
  if (s.host !== undefined) row.host = s.host;
  if (s.port !== undefined) row.port = s.port;
  if (s.commKey !== undefined) row.comm_key = s.commKey;
  if (s.intervalSeconds !== undefined) row.interval_seconds = s.intervalSeconds;
  if (s.enabled !== undefined) row.enabled = s.enabled;
  if (s.clearAfterRead !== undefined) row.clear_after_read = s.clearAfterRead;
  if (s.setClock !== undefined) row.set_clock = s.setClock;
  return row;
}

/** A new poller, due at once. */
export async function insertPoller(knex: Knex, deviceSerial: string, settings: PollerSettings, now: Date): Promise<void> {
  await knex('zk_pollers').insert({ device_serial: deviceSerial, ...settingsRow(settings), next_poll_at: toDbInstant(now), created_at: toDbInstant(now), updated_at: toDbInstant(now) });
}

/** Changes settings; a changed address or key makes it due at once. False when there is no such poller. */
export async function updatePollerSettings(knex: Knex, deviceSerial: string, settings: Partial<PollerSettings>, now: Date): Promise<boolean> {
  const row = settingsRow(settings);
  const due = settings.host !== undefined || settings.port !== undefined || settings.commKey !== undefined || settings.enabled !== undefined;
  const n = await knex('zk_pollers')
    .where({ device_serial: deviceSerial })
    .update({ ...row, ...(due ? { next_poll_at: toDbInstant(now), failures: 0 } : {}), updated_at: toDbInstant(now) });
  return n > 0;
}

export async function deletePoller(knex: Knex, deviceSerial: string): Promise<boolean> {
  return (await knex('zk_pollers').where({ device_serial: deviceSerial }).delete()) > 0;
}

export async function findPoller(knex: Knex, deviceSerial: string): Promise<ZkPoller | null> {
  const row = (await knex('zk_pollers').where({ device_serial: deviceSerial }).first()) as Row | undefined;
  return row ? fromRow(row) : null;
}

/** The pollers of these terminals, by serial (those not polled are absent). */
export async function findPollers(knex: Knex, serials: string[]): Promise<Map<string, ZkPoller>> {
  const found = new Map<string, ZkPoller>();
  for (let i = 0; i < serials.length; i += 500) {
    for (const r of (await knex('zk_pollers').whereIn('device_serial', serials.slice(i, i + 500))) as Row[]) found.set(String(r.device_serial), fromRow(r));
  }
  return found;
}

export async function listPollers(knex: Knex): Promise<ZkPoller[]> {
  return ((await knex('zk_pollers').orderBy('device_serial')) as Row[]).map(fromRow);
}

/** Enabled pollers due by `now` whose lease is free or lapsed, soonest first. */
export async function duePollers(knex: Knex, now: Date, limit: number): Promise<string[]> {
  const at = toDbInstant(now);
  const rows = (await knex('zk_pollers')
    .where({ enabled: true })
    .where('next_poll_at', '<=', at)
    .where((q) => q.whereNull('lease_until').orWhere('lease_until', '<', at))
    .orderBy('next_poll_at')
    .limit(limit)
    .select('device_serial')) as Row[];
  return rows.map((r) => String(r.device_serial));
}

/**
 * Takes the poller's lease until `until` for `owner`: one guarded UPDATE, so of two instances
 * (or two calls) at once exactly one gets it. Also true when `owner` holds it already. A lapsed
 * lease may be taken over: its holder stopped renewing it.
 */
export async function claimPollerLease(knex: Knex, deviceSerial: string, owner: string, now: Date, until: Date): Promise<boolean> {
  const n = await claimed(
    knex('zk_pollers')
      .where({ device_serial: deviceSerial })
      .where((q) => q.whereNull('lease_owner').orWhere('lease_owner', owner).orWhere('lease_until', '<', toDbInstant(now)))
      .update({ lease_owner: owner, lease_until: toDbInstant(until) }),
  );
  return n === 1;
}

/** Extends the lease while a long read goes on; false when `owner` no longer holds it. */
export async function renewPollerLease(knex: Knex, deviceSerial: string, owner: string, until: Date): Promise<boolean> {
  return (await claimed(knex('zk_pollers').where({ device_serial: deviceSerial, lease_owner: owner }).update({ lease_until: toDbInstant(until) }))) === 1;
}

/** Moves the cursor, in the transaction of the punches it covers; false when `owner` no longer holds the lease. */
export async function advancePollerCursor(knex: Knex, deviceSerial: string, owner: string, cursor: PollCursor): Promise<boolean> {
  const n = await knex('zk_pollers')
    .where({ device_serial: deviceSerial, lease_owner: owner })
    .update({ cursor_count: cursor.count, cursor_pin: cursor.pin, cursor_time: cursor.time });
  return n === 1;
}

/** What a poll came to, written by its lease holder as it lets the lease go. */
export interface PollOutcome {
  at: Date;
  ok: boolean;
  errorKind: string | null;
  error: string | null;
  failures: number;
  nextPollAt: Date;
  sizes: { records: number; recordsCapacity: number; users: number; usersCapacity: number } | null;
}

/** Records a poll's outcome and releases the lease; false when `owner` no longer held it (nothing is written). */
export async function finishPoll(knex: Knex, deviceSerial: string, owner: string, o: PollOutcome): Promise<boolean> {
  const n = await knex('zk_pollers')
    .where({ device_serial: deviceSerial, lease_owner: owner })
    .update({
      lease_owner: null,
      lease_until: null,
      last_poll_at: toDbInstant(o.at),
      ...(o.ok ? { last_success_at: toDbInstant(o.at) } : {}),
      last_error_kind: o.errorKind,
      last_error: o.error,
      failures: o.failures,
      next_poll_at: toDbInstant(o.nextPollAt),
      ...(o.sizes ? { records: o.sizes.records, records_capacity: o.sizes.recordsCapacity, users: o.sizes.users, users_capacity: o.sizes.usersCapacity } : {}),
    });
  return n === 1;
}
