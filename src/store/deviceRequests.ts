// device_requests: the archive of every device upload, as it arrived; the only place that reads
// or writes it.
import type { Knex } from 'knex';
import { charsOf, clipBytes, clipChars } from './columns.js';
import { deleteInBatches } from './prune.js';
import { fromDbInstant, toDbInstant } from './time.js';
import { insertRows } from './direct.js';

export type ArchiveOutcome = 'processed' | 'quarantined' | 'unparsed' | 'unknown';

/** A device request as it arrived. */
export interface DeviceRequest {
  /** The id it is known by (src/http/requestId.ts): in its log line, its reply's header and its sync-log row. */
  requestId: string;
  method: string;
  path: string;
  /** The raw query string, without '?'. */
  query: string;
  body: Buffer;
  remoteAddress: string | null;
  receivedAt: Date;
}

export interface ArchivedRequest extends Omit<DeviceRequest, 'requestId'> {
  id: number;
  /** Null on rows archived before request ids were kept (migration 014). */
  requestId: string | null;
  deviceSerial: string | null;
  outcome: ArchiveOutcome;
  records: number;
  rejectedLines: number;
  error: string | null;
}

interface RequestRow {
  id: number;
  request_id: string | null;
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
    requestId: r.request_id,
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
    request_id: r.requestId,
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
      await insertRows(knex, 'device_requests', part);
      part = [];
      bytes = 0;
    }
  }
  await insertRows(knex, 'device_requests', part);
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

/** The archived request with this request id (null: not archived, or pruned). */
export async function findArchivedRequest(knex: Knex, requestId: string): Promise<ArchivedRequest | null> {
  const row = (await knex('device_requests').where({ request_id: requestId }).orderBy('id').first()) as RequestRow | undefined;
  return row ? requestFromRow(row) : null;
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

/** Drops archived requests received before `before`; held (quarantined) uploads are kept. */
export function deleteArchivedBefore(knex: Knex, before: Date): Promise<number> {
  return deleteInBatches(knex, 'device_requests', (q) => q.where('received_at', '<', toDbInstant(before)).whereNot('outcome', 'quarantined'));
}
