// The sync log: one row per inbound request, written once it is answered, as `processed` or
// `error` with its counts (rows of concurrent requests in one statement). Never holds a
// secret or a body. (`received` is the state of rows an older version left open.)
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { parseDeviceQuery, uploadKind } from '../../protocol/index.js';
import { AppError } from '../errors.js';
import { type ArchivedRequest, findArchivedRequest } from '../store/deviceRequests.js';
import {
  type SyncCounts,
  type SyncLogEntry,
  type SyncLogFilter,
  type SyncTally,
  findSyncLogEntry,
  insertSyncLogEntries,
  listSyncLog,
  tallySyncLog,
} from '../store/syncLog.js';
import { Batcher } from '../store/batcher.js';
import type { Listed, Window } from '../store/list.js';

export type { SyncCounts, SyncLogEntry, SyncLogFilter };

export const NO_COUNTS: SyncCounts = { total: 0, created: 0, duplicate: 0, failed: 0 };
const MAX_ERROR_LENGTH = 1000;

export interface SyncStatistics {
  total_requests: number;
  successful: number;
  errors: number;
  success_rate: number;
  by_device: { device: string | null; total_requests: number; successful: number; errors: number; success_rate: number }[];
  by_channel: { channel: string; total_requests: number; successful: number; errors: number; success_rate: number }[];
}

const rate = (ok: number, total: number) => (total === 0 ? 0 : Math.round((ok / total) * 10000) / 100);

function tallyView(t: SyncTally) {
  return { total_requests: t.total, successful: t.processed, errors: t.errors, success_rate: rate(t.processed, t.total) };
}

/** Upload kinds whose bodies are shown: attendance lines and settings, never user or biometric records. */
const SHOWN_BODIES = new Set(['ATTLOG', 'RTLOG', 'OPTIONS']);
/** At most this much of a body is shown. */
const SHOWN_BODY_BYTES = 64 * 1024;

/** A device request as the console shows it. */
export interface ReceivedRequest {
  archiveId: number;
  method: string;
  path: string;
  query: string;
  /** The body as text, or null when it is not shown (user records and biometric templates). */
  body: string | null;
  bodyBytes: number;
  bodyTruncated: boolean;
  outcome: ArchivedRequest['outcome'];
  records: number;
  rejectedLines: number;
  error: string | null;
  receivedAt: Date;
}

function receivedView(r: ArchivedRequest): ReceivedRequest {
  const shown = SHOWN_BODIES.has(uploadKind(parseDeviceQuery(r.query)));
  return {
    archiveId: r.id,
    method: r.method,
    path: r.path,
    query: r.query,
    body: shown ? r.body.subarray(0, SHOWN_BODY_BYTES).toString('utf8') : null,
    bodyBytes: r.body.length,
    bodyTruncated: shown && r.body.length > SHOWN_BODY_BYTES,
    outcome: r.outcome,
    records: r.records,
    rejectedLines: r.rejectedLines,
    error: r.error,
    receivedAt: r.receivedAt,
  };
}

/**
 * The id a request (or a poll) is known by, in its log line, its sync-log row, a terminal
 * request's archive row and the X-Iclockd-Request reply header. 32 hex digits: the millisecond it was made (12 digits, as a UUIDv7 begins), then the last 20
 * digits of a v4 UUID (76 random bits). Unique across instances and restarts without an instance
 * id or a shared counter; time first, so that the ids of rows written together sort together and
 * the request_id indexes of the archive and the sync log grow at their end like their other
 * indexes. A random id put each row on a random page of an index as large as the table: on
 * SQLite a sync-log row cost twice as much with it as without it, and as much without it as
 * with a time-ordered one (600,000 rows in statements of 60). randomUUID draws from Node's cached
 * entropy, about 0.1 µs against about 4 µs for randomBytes, which counts on the poll every
 * terminal makes every few seconds.
 */
export function newRequestId(now = Date.now()): string {
  return now.toString(16).padStart(12, '0') + randomUUID().replaceAll('-', '').slice(12);
}

/** What the HTTP layer (or a poll) reports about one answered request. */
export interface SyncRecord {
  /** The request's id (src/http/requestId.ts); a device request's archive row carries the same. */
  requestId: string;
  channel: string;
  endpoint: string;
  device: string | null;
  remoteAddress: string | null;
  receivedAt: Date;
  ok: boolean;
  counts: SyncCounts;
  error: string | null;
  durationMs: number;
}

export class SyncLogService {
  private readonly writes: Batcher<SyncRecord, void>;

  constructor(
    private readonly knex: Knex,
    /** The injected clock: when a request was received, for the rows it writes. */
    readonly now: Clock,
  ) {
    this.writes = new Batcher(
      async (records) => {
        const processedAt = this.now();
        await insertSyncLogEntries(
          this.knex,
          records.map((r) => ({
            ...r,
            status: r.ok ? 'processed' : 'error',
            error: r.error ? r.error.slice(0, MAX_ERROR_LENGTH) : null,
            processedAt,
          })),
        );
        return records.map(() => undefined);
      },
      { isolateFailures: true },
    );
  }

  /** Resolves once the row is written. */
  record(entry: SyncRecord): Promise<void> {
    return this.writes.add(entry);
  }

  list(filter: SyncLogFilter, window: Window): Promise<Listed<SyncLogEntry>> {
    return listSyncLog(this.knex, filter, window);
  }

  async statistics(filter: SyncLogFilter): Promise<SyncStatistics> {
    const [overall] = await tallySyncLog(this.knex, filter);
    const byDevice = await tallySyncLog(this.knex, filter, 'device');
    const byChannel = await tallySyncLog(this.knex, filter, 'channel');
    return {
      ...tallyView(overall ?? { key: null, total: 0, processed: 0, errors: 0 }),
      by_device: byDevice.map((t) => ({ device: t.key, ...tallyView(t) })),
      by_channel: byChannel.map((t) => ({ channel: t.key ?? '', ...tallyView(t) })),
    };
  }

  /**
   * One entry and, for a terminal's request, what it sent: the archived request with the
   * entry's request id. The archive keeps device requests only, for ICLOCKD_ARCHIVE_DAYS; JSON
   * requests are never stored, and rows written before request ids were kept (migration 014)
   * name none, so for those only the outcome is known.
   */
  async get(id: number): Promise<{ entry: SyncLogEntry; received: ReceivedRequest | null }> {
    const entry = Number.isSafeInteger(id) && id > 0 ? await findSyncLogEntry(this.knex, id) : null;
    if (!entry) throw new AppError('not_found', `No sync log entry ${id}`);
    if (entry.requestId === null || entry.channel !== 'adms') return { entry, received: null };
    const archived = await findArchivedRequest(this.knex, entry.requestId);
    return { entry, received: archived ? receivedView(archived) : null };
  }
}
