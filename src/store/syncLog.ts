// sync_log: one row per inbound request.
import type { Knex } from 'knex';
import { type Listed, type Window, listPaged } from './list.js';
import { chunks } from './chunks.js';
import { charsOf, clipBytes, clipChars } from './columns.js';
import { deleteInBatches } from './prune.js';
import { fromDbInstant, toDbInstant } from './time.js';
import { insertRows } from './direct.js';

export type SyncStatus = 'received' | 'processed' | 'error';

export interface SyncCounts {
  total: number;
  created: number;
  duplicate: number;
  failed: number;
}

export interface SyncLogEntry {
  id: number;
  /** The request's id (src/http/requestId.ts), as on its archived request; null on rows written before migration 014. */
  requestId: string | null;
  channel: string;
  endpoint: string;
  device: string | null;
  status: SyncStatus;
  counts: SyncCounts;
  error: string | null;
  remoteAddress: string | null;
  durationMs: number | null;
  receivedAt: Date;
  processedAt: Date | null;
}

interface Row {
  id: number;
  request_id: string | null;
  channel: string;
  endpoint: string;
  device: string | null;
  status: SyncStatus;
  records_total: number;
  records_created: number;
  records_duplicate: number;
  records_failed: number;
  error: string | null;
  remote_address: string | null;
  duration_ms: number | null;
  received_at: string;
  processed_at: string | null;
}

function fromRow(r: Row): SyncLogEntry {
  return {
    id: Number(r.id),
    requestId: r.request_id,
    channel: r.channel,
    endpoint: r.endpoint,
    device: r.device,
    status: r.status,
    counts: { total: r.records_total, created: r.records_created, duplicate: r.records_duplicate, failed: r.records_failed },
    error: r.error,
    remoteAddress: r.remote_address,
    durationMs: r.duration_ms,
    receivedAt: fromDbInstant(r.received_at),
    processedAt: fromDbInstant(r.processed_at),
  };
}

/** A request as the log keeps it, written once it has been answered. */
export type NewSyncLogEntry = Omit<SyncLogEntry, 'id' | 'processedAt'> & { processedAt: Date };

/** Many rows in one statement (concurrent requests' rows are written together). */
export async function insertSyncLogEntries(knex: Knex, entries: NewSyncLogEntry[]): Promise<void> {
  // SQLite takes at most 500 rows in one multi-row insert.
  for (const part of chunks(entries, 200)) {
    await insertRows(
      knex,
      'sync_log',
      part.map((e) => ({
        request_id: e.requestId,
        channel: e.channel,
        // What a request names is cut to its column (well-formed): one odd row never fails the batch.
        endpoint: clipChars(e.endpoint, charsOf('sync_log', 'endpoint')),
        device: e.device === null ? null : clipChars(e.device, charsOf('sync_log', 'device')),
        status: e.status,
        records_total: e.counts.total,
        records_created: e.counts.created,
        records_duplicate: e.counts.duplicate,
        records_failed: e.counts.failed,
        error: e.error === null ? null : clipBytes(e.error),
        remote_address: e.remoteAddress === null ? null : clipChars(e.remoteAddress, charsOf('sync_log', 'remote_address')),
        duration_ms: e.durationMs === null ? null : Math.round(e.durationMs),
        received_at: toDbInstant(e.receivedAt),
        processed_at: toDbInstant(e.processedAt),
      })),
    );
  }
}

/** Rows received before `before`. */
export function deleteSyncLogBefore(knex: Knex, before: Date): Promise<number> {
  return deleteInBatches(knex, 'sync_log', (q) => q.where('received_at', '<', toDbInstant(before)));
}

export interface SyncLogFilter {
  /** The one request with this id (its X-Iclockd-Request header). */
  requestId?: string;
  device?: string;
  status?: SyncStatus;
  channel?: string;
  from?: Date;
  to?: Date;
}

function filtered(knex: Knex, filter: SyncLogFilter): Knex.QueryBuilder {
  const q = knex('sync_log');
  if (filter.requestId) q.where('request_id', filter.requestId);
  if (filter.device) q.where('device', filter.device);
  if (filter.status) q.where('status', filter.status);
  if (filter.channel) q.where('channel', filter.channel);
  if (filter.from) q.where('received_at', '>=', toDbInstant(filter.from));
  if (filter.to) q.where('received_at', '<', toDbInstant(filter.to));
  return q;
}

export function listSyncLog(knex: Knex, filter: SyncLogFilter, window: Window): Promise<Listed<SyncLogEntry>> {
  return listPaged(filtered(knex, filter).select('*'), window, [{ column: 'id', order: 'desc' }], fromRow);
}

export interface SyncTally {
  key: string | null;
  total: number;
  processed: number;
  errors: number;
}

/** Request counts by status, overall and grouped by one column. */
export async function tallySyncLog(knex: Knex, filter: SyncLogFilter, by?: 'device' | 'channel'): Promise<SyncTally[]> {
  const q = filtered(knex, filter).select(
    knex.raw('COUNT(*) AS total'),
    knex.raw("SUM(CASE WHEN status = 'processed' THEN 1 ELSE 0 END) AS processed"),
    knex.raw("SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS errors"),
  );
  if (by) q.select({ key: by }).groupBy(by).orderBy(by);
  const rows = (await q) as { key?: string | null; total: number | string; processed: number | string | null; errors: number | string | null }[];
  return rows.map((r) => ({ key: r.key ?? null, total: Number(r.total), processed: Number(r.processed ?? 0), errors: Number(r.errors ?? 0) }));
}

export async function findSyncLogEntry(knex: Knex, id: number): Promise<SyncLogEntry | null> {
  const row = (await knex('sync_log').where({ id }).first()) as Row | undefined;
  return row ? fromRow(row) : null;
}

/** A device's rows since `from`, oldest first, capped (the console's timeline). */
export async function listDeviceSyncLog(knex: Knex, device: string, from: Date, limit: number): Promise<SyncLogEntry[]> {
  const rows = (await knex('sync_log').where('device', device).where('received_at', '>=', toDbInstant(from)).orderBy('id', 'desc').limit(limit)) as Row[];
  return rows.map(fromRow).reverse();
}
