// Reconciliation: per device and day, ask the terminal how many records it holds
// (VERIFY SUM ATTLOG); where it holds more than iclockd stored, fetch that day again
// (DATA QUERY ATTLOG). The re-sent records arrive as ordinary uploads and the pipeline
// dedupes them, so nothing is doubled. Runs nightly for yesterday and on demand.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { type CommandResult, commands } from '../../protocol/index.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import { findCommand } from '../store/commands.js';
import { claimDailyJob } from '../store/dailyJobs.js';
import { listDevices } from '../store/devices.js';
import { countDevicePunches } from '../store/punches.js';
import type { CommandQueue } from './commands.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_DAYS = 366;

export interface ReconcileCheck {
  day: string;
  onDevice: number;
  stored: number;
  refetch: boolean;
}

export interface ReconcilerDeps {
  knex: Knex;
  commands: CommandQueue;
  logger: Logger;
  settings: { timeZone: string; reconcileAt: string | null };
  clock: Clock;
}

export class Reconciler {
  private readonly knex: Knex;
  private readonly queue: CommandQueue;
  private readonly logger: Logger;
  private readonly settings: ReconcilerDeps['settings'];
  private readonly now: Clock;
  private timer: NodeJS.Timeout | undefined;
  private lastNightly: string | null = null;

  constructor({ knex, commands: queue, logger, settings, clock }: ReconcilerDeps) {
    this.knex = knex;
    this.queue = queue;
    this.logger = logger;
    this.settings = settings;
    this.now = clock;
  }

  /** Queues a VERIFY SUM per day from `from` to `to` (YYYY-MM-DD, inclusive); returns the days. */
  async schedule(serial: string, from: string, to: string, createdBy: string | null): Promise<string[]> {
    if (!DAY.test(from) || !DAY.test(to)) throw new AppError('validation_error', 'from and to must be dates YYYY-MM-DD', { fields: ['from', 'to'] });
    let day = DateTime.fromISO(from, { zone: 'UTC' });
    const last = DateTime.fromISO(to, { zone: 'UTC' });
    if (!day.isValid || !last.isValid || last < day) throw new AppError('validation_error', 'from must be a real date on or before to', { fields: ['from', 'to'] });
    if (last.diff(day, 'days').days >= MAX_DAYS) throw new AppError('validation_error', `at most ${MAX_DAYS} days at a time`, { fields: ['from', 'to'] });
    const days: string[] = [];
    for (; day <= last; day = day.plus({ days: 1 })) {
      const d = day.toISODate()!;
      await this.queue.enqueue(serial, commands.verifySumAttlog(`${d} 00:00:00`, `${d} 23:59:59`), createdBy);
      days.push(d);
    }
    return days;
  }

  /** After command results: a VERIFY SUM that counts more than was stored triggers a re-fetch. */
  async onResults(serial: string, results: CommandResult[]): Promise<ReconcileCheck[]> {
    const checks: ReconcileCheck[] = [];
    for (const r of results) {
      if (r.cmd.toUpperCase() !== 'VERIFY SUM' || r.returnCode === null || r.returnCode < 0) continue;
      const sum = Number(r.fields.AttlogSum ?? r.fields.attlogsum);
      if (!Number.isInteger(sum)) continue;
      let start = r.fields.StartTime;
      let end = r.fields.EndTime;
      if ((!start || !end) && /^\d+$/.test(r.id)) {
        // Firmware that does not echo the range: it is in the command we sent.
        const sent = await findCommand(this.knex, Number(r.id));
        const m = sent && /StartTime=([^\t]+)\tEndTime=(.+)$/.exec(sent.command);
        if (m) [start, end] = [m[1]!, m[2]!];
      }
      if (!start || !end) continue;
      const stored = await countDevicePunches(this.knex, serial, start, end);
      const refetch = sum > stored;
      checks.push({ day: start.slice(0, 10), onDevice: sum, stored, refetch });
      if (refetch) {
        this.logger.warn({ device: serial, from: start, to: end, on_device: sum, stored }, 'device holds punches iclockd does not: fetching them again');
        await this.queue.enqueue(serial, commands.queryAttlog(start, end), 'reconcile');
      }
    }
    return checks;
  }

  /** Yesterday (in ICLOCKD_TZ) for every approved device; once a day at ICLOCKD_RECONCILE_AT. */
  async nightly(now = this.now()): Promise<number> {
    const yesterday = DateTime.fromJSDate(now, { zone: this.settings.timeZone }).minus({ days: 1 }).toISODate()!;
    const { rows } = await listDevices(this.knex, { state: 'approved' }, { offset: 0, limit: 1_000_000 });
    for (const d of rows) await this.schedule(d.serial, yesterday, yesterday, 'reconcile');
    return rows.length;
  }

  /**
   * Runs the nightly pass once `reconcileAt` has passed today, once a day for the whole
   * deployment: every instance and every restart ticks, only the one that claims the day in
   * the database queues the commands (a restart after 03:00 queued them all again before).
   */
  async tick(now = this.now()): Promise<boolean> {
    const at = this.settings.reconcileAt;
    if (!at) return false;
    const local = DateTime.fromJSDate(now, { zone: this.settings.timeZone });
    const today = local.toISODate()!;
    if (this.lastNightly === today || local.toFormat('HH:mm') < at) return false;
    this.lastNightly = today;
    if (!(await claimDailyJob(this.knex, 'nightly_reconcile', today, now))) return false;
    await this.nightly(now);
    return true;
  }

  start(): void {
    if (!this.settings.reconcileAt || this.timer) return;
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => {
        this.lastNightly = null; // try again at the next tick
        this.logger.warn({ err }, 'nightly reconciliation failed');
      });
    }, 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
