// Retention: the request archive keeps device uploads for ICLOCKD_ARCHIVE_DAYS (except uploads
// still held for a pending device, kept until it is approved) and the sync log keeps its rows
// for ICLOCKD_SYNC_LOG_DAYS. Pruned every hour, a batch of rows at a time.
import type { Knex } from 'knex';
import type { Logger } from './log.js';
import { deleteArchivedBefore } from './store/devices.js';
import { deleteSyncLogBefore } from './store/syncLog.js';

const PURGE_EVERY_MS = 3600_000;

export interface Purged {
  archive: number;
  syncLog: number;
}

export class Retention {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly knex: Knex,
    private readonly days: { archive: number; syncLog: number },
    private readonly logger: Logger,
  ) {}

  async purge(now = new Date()): Promise<Purged> {
    const before = (days: number) => new Date(now.getTime() - days * 86_400_000);
    const purged = {
      archive: await deleteArchivedBefore(this.knex, before(this.days.archive)),
      syncLog: await deleteSyncLogBefore(this.knex, before(this.days.syncLog)),
    };
    if (purged.archive || purged.syncLog) this.logger.info({ removed: purged, days: this.days }, 'old records purged');
    return purged;
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.purge().catch((err: unknown) => this.logger.warn({ err }, 'purging old records failed; will retry'));
    }, PURGE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
