// The sync log: one row per inbound request, written as `received` when it arrives and
// closed as `processed` or `error` with its counts. Never holds a secret or a body.
import type { Knex } from 'knex';
import {
  type SyncCounts,
  type SyncLogEntry,
  type SyncLogFilter,
  type SyncTally,
  finishSyncLog,
  insertSyncLog,
  listSyncLog,
  tallySyncLog,
} from '../store/syncLog.js';
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

export class SyncLogService {
  constructor(
    private readonly knex: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  begin(entry: { channel: string; endpoint: string; device: string | null; remoteAddress: string | null }): Promise<number> {
    return insertSyncLog(this.knex, { ...entry, receivedAt: this.now() });
  }

  finish(id: number, outcome: { ok: boolean; device: string | null; counts: SyncCounts; error: string | null; durationMs: number }): Promise<void> {
    return finishSyncLog(this.knex, id, {
      status: outcome.ok ? 'processed' : 'error',
      device: outcome.device,
      counts: outcome.counts,
      error: outcome.error ? outcome.error.slice(0, MAX_ERROR_LENGTH) : null,
      durationMs: outcome.durationMs,
      processedAt: this.now(),
    });
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
