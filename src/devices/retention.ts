// The request archive keeps device uploads for ICLOCKD_ARCHIVE_DAYS, then lets them go, except
// uploads still held for a pending device, which are kept until it is approved.
import type { Knex } from 'knex';
import type { Logger } from '../log.js';
import { deleteArchivedBefore } from '../store/devices.js';

const PURGE_EVERY_MS = 3600_000;

export class ArchiveRetention {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly knex: Knex,
    private readonly days: number,
    private readonly logger: Logger,
  ) {}

  async purge(now = new Date()): Promise<number> {
    const removed = await deleteArchivedBefore(this.knex, new Date(now.getTime() - this.days * 86_400_000));
    if (removed) this.logger.info({ removed, days: this.days }, 'request archive purged');
    return removed;
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.purge().catch((err: unknown) => this.logger.warn({ err }, 'request archive purge failed; will retry'));
    }, PURGE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
