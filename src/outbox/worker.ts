// The delivery worker: claims due outbox rows (the oldest pending row of each employee per
// target, so every employee's check-ins arrive in order), sends them with bounded concurrency,
// and records each outcome: delivered, retried later (exponential backoff with jitter), rejected,
// or dead after too many tries or too long. Several processes may run one each on one
// database: claims are atomic (store/outbox.ts) and expire, so a crashed process's rows come back.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { findEmployeesByIds } from '../store/employees.js';
import {
  type OutboxOutcome,
  type OutboxRow,
  claimOutboxRows,
  findDueHeads,
  findRemoteRefOwner,
  finishOutboxRow,
  releaseOutboxClaims,
} from '../store/outbox.js';
import { findCheckinDevices, findCheckinsByIds } from '../store/punches.js';
import { type Target, listTargets, recordTargetDelivered, recordTargetError, setTargetState } from '../store/targets.js';
import { type CheckinEvent, type DeliveryResult, type Sender, isLookupAnswer } from './delivery.js';

export type WorkerSettings = Pick<
  Config,
  'outboxConcurrency' | 'outboxPollMs' | 'outboxTimeoutMs' | 'outboxSettleMs' | 'outboxBackoffMs' | 'outboxBackoffMaxMs' | 'outboxMaxTries' | 'outboxMaxAgeHours'
>;

/** One attempt at a row: how it went, and what is left unconfirmed at the target. */
interface Attempt extends DeliveryResult {
  /** When the send whose outcome is still unknown started; null when nothing is in doubt. */
  unconfirmedSendMs: number | null;
  /** Not a failure: the record was not found, but an unanswered send may still store it; look again then. */
  lookAgainAtMs?: number;
}

export interface OutboxWorkerDeps {
  knex: Knex;
  senders: Record<Target['kind'], Sender>;
  settings: WorkerSettings;
  logger: Logger;
  clock: Clock;
  metrics?: Metrics;
}

/** Exponential backoff with equal jitter: half the delay fixed, half random. */
export function backoffMs(tries: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.min(tries - 1, 40));
  return Math.round(full / 2 + (random() * full) / 2);
}

export class OutboxWorker {
  /** This worker's name in claims: host, process and a random part (two workers in one process differ). */
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private claimSeq = 0;
  private readonly inflight = new Set<Promise<void>>();
  /** Claim tokens whose rows may still be held by this worker. */
  private readonly tokens = new Map<string, number>();
  private running: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private readonly knex: Knex;
  private readonly senders: Record<Target['kind'], Sender>;
  private readonly settings: WorkerSettings;
  private readonly logger: Logger;
  private readonly metrics: Metrics | undefined;
  /** The clock's instant in epoch milliseconds (outbox rows keep their times so). */
  private readonly now: () => number;

  constructor({ knex, senders, settings, logger, clock, metrics }: OutboxWorkerDeps) {
    this.knex = knex;
    this.senders = senders;
    this.settings = settings;
    this.logger = logger;
    this.metrics = metrics;
    this.now = () => clock().getTime();
  }

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop();
  }

  /** Stops claiming, lets in-flight deliveries finish and be recorded, and hands back any other claim. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
    await Promise.allSettled([...this.inflight]);
    if (this.tokens.size) {
      await releaseOutboxClaims(this.knex, [...this.tokens.keys()]).catch((err: unknown) => this.logger.warn({ err }, 'outbox: could not release claims; they expire by themselves'));
      this.tokens.clear();
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let started = 0;
      try {
        const free = this.settings.outboxConcurrency - this.inflight.size;
        if (free > 0) started = await this.claimAndStart(free);
      } catch (err) {
        this.logger.warn({ err }, 'outbox: claiming failed; will retry');
      }
      if (this.stopping) break;
      // Work found and room left: look again at once. Otherwise sleep until a delivery ends or the poll.
      if (started > 0 && this.inflight.size < this.settings.outboxConcurrency) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.settings.outboxPollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  /** Claims up to `limit` due rows and starts sending them; returns how many started. */
  async claimAndStart(limit: number): Promise<number> {
    const targets = new Map((await listTargets(this.knex)).filter((t) => t.state === 'active').map((t) => [t.id, t]));
    if (targets.size === 0) return 0;
    const nowMs = this.now();
    const ids = await findDueHeads(this.knex, [...targets.keys()], nowMs, limit);
    if (ids.length === 0) return 0;
    const token = `${this.id}#${++this.claimSeq}`;
    // Long enough for a look-up, a send and a check of a duplicate answer (four requests) and
    // their bookkeeping; a crashed worker's rows come back after it.
    const rows = await claimOutboxRows(this.knex, ids, token, nowMs, nowMs + Math.max(60_000, 5 * this.settings.outboxTimeoutMs));
    if (rows.length === 0) return 0;
    this.tokens.set(token, rows.length);
    let events: Map<number, CheckinEvent>;
    try {
      events = await this.loadEvents(rows);
    } catch (err) {
      await releaseOutboxClaims(this.knex, [token]).catch(() => undefined);
      this.tokens.delete(token);
      throw err;
    }
    for (const row of rows) {
      const task = this.deliver(row, targets.get(row.targetId)!, events.get(row.id), token).finally(() => {
        this.inflight.delete(task);
        const left = (this.tokens.get(token) ?? 1) - 1;
        if (left <= 0) this.tokens.delete(token);
        else this.tokens.set(token, left);
        this.wake?.();
      });
      this.inflight.add(task);
    }
    return rows.length;
  }

  private async loadEvents(rows: OutboxRow[]): Promise<Map<number, CheckinEvent>> {
    const checkins = await findCheckinsByIds(this.knex, rows.map((r) => r.checkinId));
    const employees = await findEmployeesByIds(this.knex, rows.map((r) => r.employeeId));
    const devices = await findCheckinDevices(this.knex, [...checkins.keys()]);
    const events = new Map<number, CheckinEvent>();
    for (const row of rows) {
      const checkin = checkins.get(row.checkinId);
      const employee = employees.get(row.employeeId);
      if (checkin && employee) events.set(row.id, { row, checkin, employee, device: devices.get(checkin.id) ?? null });
    }
    return events;
  }

  private async deliver(row: OutboxRow, target: Target, event: CheckinEvent | undefined, token: string): Promise<void> {
    const started = performance.now();
    let result: Attempt;
    try {
      result = event
        ? await this.attempt(row, target, event)
        : { outcome: 'rejected', reason: 'checkin_missing', status: null, message: `check-in ${row.checkinId} or its employee no longer exists`, unconfirmedSendMs: null };
    } catch (err) {
      result = { outcome: 'retry', reason: 'internal', status: null, message: (err as Error).message, unconfirmedSendMs: row.unconfirmedSendMs };
    }
    this.metrics?.outboxRequestSeconds.observe({ target: target.name }, (performance.now() - started) / 1000);
    try {
      await this.record(row, target, token, result);
    } catch (err) {
      // The claim expires; the next claim counts this send as unconfirmed and looks before resending.
      this.logger.warn({ err, outbox_id: row.id, target: target.name }, 'outbox: could not record a delivery attempt');
    }
  }

  /**
   * Never a blind resend: after a send whose outcome is unknown, the record is looked up at the
   * target first. Found: delivered. Not found: sent again only once the unanswered request can
   * no longer be running there (ICLOCKD_OUTBOX_SETTLE_MS after it started).
   */
  private async attempt(row: OutboxRow, target: Target, event: CheckinEvent): Promise<Attempt> {
    const sender = this.senders[target.kind];
    const timeoutMs = this.settings.outboxTimeoutMs;
    const doubt = row.unconfirmedSendMs;
    if (doubt !== null && sender.lookUp) {
      const found = await sender.lookUp(target, event, timeoutMs);
      if (!isLookupAnswer(found)) return { ...found, unconfirmedSendMs: doubt };
      if (found.found) return { outcome: 'delivered', reason: 'found_at_target', status: null, message: null, remoteRef: found.remoteRef, unconfirmedSendMs: null };
      const settledAt = doubt + this.settings.outboxSettleMs;
      if (this.now() < settledAt) {
        return {
          outcome: 'retry',
          reason: 'unconfirmed_send',
          status: null,
          message: `an earlier send got no answer and ${target.name} does not hold the check-in yet; it may still be storing it, so iclockd looks again at ${new Date(settledAt).toISOString()} before sending again`,
          unconfirmedSendMs: doubt,
          lookAgainAtMs: settledAt,
        };
      }
    }
    const sentAtMs = this.now();
    const r = await sender.send(target, event, timeoutMs);
    return { ...r, unconfirmedSendMs: r.unanswered ? sentAtMs : null };
  }

  private async record(row: OutboxRow, target: Target, token: string, attempt: Attempt): Promise<void> {
    const r = await this.unlessAnotherRowsRecord(row, target, attempt);
    const now = new Date(this.now());
    const tries = row.tries + 1;
    const log = { outbox_id: row.id, target: target.name, checkin_id: row.checkinId, tries, reason: r.reason, status: r.status };
    const unconfirmedSendMs = r.unconfirmedSendMs;
    let outcome: OutboxOutcome;
    let counted: string = r.outcome;
    switch (r.outcome) {
      case 'delivered':
        outcome = { state: 'delivered', tries, failureReason: null, lastError: null, lastStatus: r.status, remoteRef: r.remoteRef ?? null, unconfirmedSendMs, lastAttemptAt: now, deliveredAt: now };
        break;
      case 'rejected':
        outcome = { state: 'rejected', tries, failureReason: r.reason, lastError: r.message, lastStatus: r.status, unconfirmedSendMs, lastAttemptAt: now };
        break;
      case 'config_error':
        // Not this row's fault: it keeps its tries and waits for the target to be resumed.
        outcome = { state: 'pending', tries: row.tries, nextAttemptMs: this.now(), failureReason: r.reason, lastError: r.message, lastStatus: r.status, unconfirmedSendMs, lastAttemptAt: now };
        break;
      case 'retry': {
        if (r.lookAgainAtMs !== undefined) {
          counted = 'waiting';
          outcome = { state: 'pending', tries: row.tries, nextAttemptMs: r.lookAgainAtMs, failureReason: r.reason, lastError: r.message, lastStatus: r.status, unconfirmedSendMs, lastAttemptAt: now };
          break;
        }
        const ageHours = (now.getTime() - row.createdAt.getTime()) / 3_600_000;
        if (tries >= this.settings.outboxMaxTries || ageHours >= this.settings.outboxMaxAgeHours) {
          counted = 'dead';
          outcome = { state: 'dead', tries, failureReason: r.reason, lastError: r.message, lastStatus: r.status, unconfirmedSendMs, lastAttemptAt: now };
        } else {
          const wait = Math.max(backoffMs(tries, this.settings.outboxBackoffMs, this.settings.outboxBackoffMaxMs), r.retryAfterMs ?? 0);
          outcome = { state: 'pending', tries, nextAttemptMs: this.now() + wait, failureReason: r.reason, lastError: r.message, lastStatus: r.status, unconfirmedSendMs, lastAttemptAt: now };
        }
        break;
      }
    }
    // A refused key pauses the target before the row can be claimed again: otherwise another
    // pass could send it once more (and count another refusal) before the pause lands.
    const paused = r.outcome === 'config_error' && (await setTargetState(this.knex, target.id, ['active'], 'error', r.message, now));
    const recorded = await finishOutboxRow(this.knex, row.id, token, outcome);
    if (!recorded) {
      this.logger.warn(log, 'outbox: the claim on a row expired before its attempt was recorded; it will be sent again');
      return;
    }
    this.metrics?.outboxAttempts.inc({ target: target.name, outcome: counted });
    if (r.outcome === 'delivered') {
      this.metrics?.outboxLatency.observe({ target: target.name }, Math.max(0, (now.getTime() - row.createdAt.getTime()) / 1000));
      await recordTargetDelivered(this.knex, target.id, now);
      return;
    }
    if (counted === 'waiting') {
      this.logger.info(log, `outbox: ${target.name} has no answer to an earlier send yet; waiting before sending again`);
      return;
    }
    this.metrics?.outboxFailures.inc({ target: target.name, reason: r.reason });
    await recordTargetError(this.knex, target.id, `${r.reason}: ${r.message ?? ''}`.slice(0, 1000), now);
    if (r.outcome === 'config_error') {
      // Only the process that moved the target alerts.
      if (paused) {
        this.logger.error({ ...log, error: r.message }, `outbox: target ${target.name} paused: ${r.message}; fix it, then: iclockd targets resume ${target.name}`);
      }
    } else if (counted === 'dead') {
      this.logger.error({ ...log, error: r.message }, `outbox: gave up on a row for ${target.name}: ${r.message}`);
    } else if (r.outcome === 'rejected') {
      this.logger.warn({ ...log, error: r.message }, `outbox: ${target.name} refused a check-in: ${r.message}`);
    } else {
      this.logger.info({ ...log, error: r.message }, `outbox: ${target.name} will be tried again`);
    }
  }

  /**
   * A target that keeps one record per employee and wall-clock second (ERPNext) answers a second
   * check-in at the same wall time (the hour a DST change repeats, two log types on v12/v13)
   * with the first one's record: that is not this check-in being delivered.
   */
  private async unlessAnotherRowsRecord(row: OutboxRow, target: Target, r: Attempt): Promise<Attempt> {
    if (r.outcome !== 'delivered' || !r.remoteRef) return r;
    const owner = await findRemoteRefOwner(this.knex, target.id, r.remoteRef, row.id);
    if (!owner) return r;
    return {
      outcome: 'rejected',
      reason: 'same_record_at_target',
      status: r.status,
      message: `${target.name} answered with ${r.remoteRef}, the record of check-in ${owner.checkinId} (outbox row ${owner.id}): it keeps one record per employee and wall-clock second, so it cannot hold this check-in beside it`,
      unconfirmedSendMs: null,
    };
  }
}
