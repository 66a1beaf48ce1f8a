// The sync log: one row per inbound request, written once it is answered, as `processed` or
// `error` with its counts (rows of concurrent requests in one statement). Never holds a
// secret or a body. (`received` is the state of rows an older version left open.)
import type { Knex } from 'knex';
import {
  type SyncCounts,
  type SyncLogEntry,
  type SyncLogFilter,
  type SyncTally,
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

/** What the HTTP layer reports about one answered request. */
export interface SyncRecord {
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
    private readonly now: () => Date = () => new Date(),
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
}
