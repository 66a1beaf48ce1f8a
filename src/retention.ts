// Retention: the request archive keeps device uploads for ICLOCKD_ARCHIVE_DAYS (except uploads
// still held for a pending device, kept until it is approved) and the sync log keeps its rows
// for ICLOCKD_SYNC_LOG_DAYS; the devices' request counts (the console's timeline) are kept for
// 8 days and expired console sessions are dropped. Pruned every hour, a batch of rows at a time.
import type { Knex } from 'knex';
import type { Clock } from './clock.js';
import type { Logger } from './log.js';
import { deleteArchivedBefore } from './store/deviceRequests.js';
import { deleteHeartbeatsBefore } from './store/deviceHeartbeats.js';
import { deleteSessionsExpiredBefore } from './store/sessions.js';
import { deleteSyncLogBefore } from './store/syncLog.js';

const PURGE_EVERY_MS = 3600_000;
/** The timeline shows a week at most. */
const HEARTBEAT_DAYS = 8;

export interface Purged {
  archive: number;
  syncLog: number;
  heartbeats: number;
  sessions: number;
}

export interface RetentionDeps {
  knex: Knex;
  /** ICLOCKD_ARCHIVE_DAYS and ICLOCKD_SYNC_LOG_DAYS. */
  days: { archive: number; syncLog: number };
  logger: Logger;
  clock: Clock;
}

export class Retention {
  private readonly knex: Knex;
  private readonly days: RetentionDeps['days'];
  private readonly logger: Logger;
  private readonly now: Clock;
  private timer: NodeJS.Timeout | undefined;

  constructor({ knex, days, logger, clock }: RetentionDeps) {
    this.knex = knex;
    this.days = days;
    this.logger = logger;
    this.now = clock;
  }

  async purge(now = this.now()): Promise<Purged> {
    const before = (days: number) => new Date(now.getTime() - days * 86_400_000);
    const purged = {
      archive: await deleteArchivedBefore(this.knex, before(this.days.archive)),
      syncLog: await deleteSyncLogBefore(this.knex, before(this.days.syncLog)),
      heartbeats: await deleteHeartbeatsBefore(this.knex, before(HEARTBEAT_DAYS)),
      sessions: await deleteSessionsExpiredBefore(this.knex, now),
    };
    if (purged.archive || purged.syncLog || purged.heartbeats) this.logger.info({ removed: purged, days: this.days }, 'old records purged');
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
