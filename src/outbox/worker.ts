// The delivery worker: claims due outbox rows (the oldest pending row of each employee per
// target, so every employee's check-ins arrive in order), sends them with bounded concurrency,
// and records each outcome: delivered, retried later (exponential backoff with jitter), rejected,
// or dead after too many tries or too long. Several processes may run one each on one
// database: claims are atomic (store/outbox.ts) and expire, so a crashed process's rows come back.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { findEmployeesByIds } from '../store/employees.js';
import {
  type OutboxOutcome,
  type OutboxRow,
  claimOutboxRows,
  findDueHeads,
  finishOutboxRow,
  releaseOutboxClaims,
} from '../store/outbox.js';
import { findCheckinDevices, findCheckinsByIds } from '../store/punches.js';
import { type Target, listTargets, recordTargetDelivered, recordTargetError, setTargetState } from '../store/targets.js';
import type { CheckinEvent, DeliveryResult, Sender } from './delivery.js';

export type WorkerSettings = Pick<Config, 'outboxConcurrency' | 'outboxPollMs' | 'outboxTimeoutMs' | 'outboxBackoffMs' | 'outboxBackoffMaxMs' | 'outboxMaxTries' | 'outboxMaxAgeHours'>;

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

  constructor(
    private readonly knex: Knex,
    private readonly senders: Record<Target['kind'], Sender>,
    private readonly settings: WorkerSettings,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    private readonly now: () => number = () => Date.now(),
  ) {}

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
    // Long enough for a request and its bookkeeping; a crashed worker's rows come back after it.
    const rows = await claimOutboxRows(this.knex, ids, token, nowMs, nowMs + Math.max(60_000, 3 * this.settings.outboxTimeoutMs));
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
    let result: DeliveryResult;
    try {
      result = event
        ? await this.senders[target.kind].send(target, event, this.settings.outboxTimeoutMs)
        : { outcome: 'rejected', reason: 'checkin_missing', status: null, message: `check-in ${row.checkinId} or its employee no longer exists` };
    } catch (err) {
      result = { outcome: 'retry', reason: 'internal', status: null, message: (err as Error).message };
    }
    this.metrics?.outboxRequestSeconds.observe({ target: target.name }, (performance.now() - started) / 1000);
    try {
      await this.record(row, target, token, result);
    } catch (err) {
      // The claim expires and the row is sent again; the target's duplicate check keeps it single.
      this.logger.warn({ err, outbox_id: row.id, target: target.name }, 'outbox: could not record a delivery attempt');
    }
  }

  private async record(row: OutboxRow, target: Target, token: string, r: DeliveryResult): Promise<void> {
    const now = new Date(this.now());
    const tries = row.tries + 1;
    const log = { outbox_id: row.id, target: target.name, checkin_id: row.checkinId, tries, reason: r.reason, status: r.status };
    let outcome: OutboxOutcome;
    let counted: string = r.outcome;
    switch (r.outcome) {
      case 'delivered':
        outcome = { state: 'delivered', tries, failureReason: null, lastError: null, lastStatus: r.status, remoteRef: r.remoteRef ?? null, lastAttemptAt: now, deliveredAt: now };
        break;
      case 'rejected':
        outcome = { state: 'rejected', tries, failureReason: r.reason, lastError: r.message, lastStatus: r.status, lastAttemptAt: now };
        break;
      case 'config_error':
        // Not this row's fault: it keeps its tries and waits for the target to be resumed.
        outcome = { state: 'pending', tries: row.tries, nextAttemptMs: this.now(), failureReason: r.reason, lastError: r.message, lastStatus: r.status, lastAttemptAt: now };
        break;
      case 'retry': {
        const ageHours = (now.getTime() - row.createdAt.getTime()) / 3_600_000;
        if (tries >= this.settings.outboxMaxTries || ageHours >= this.settings.outboxMaxAgeHours) {
          counted = 'dead';
          outcome = { state: 'dead', tries, failureReason: r.reason, lastError: r.message, lastStatus: r.status, lastAttemptAt: now };
        } else {
          const wait = Math.max(backoffMs(tries, this.settings.outboxBackoffMs, this.settings.outboxBackoffMaxMs), r.retryAfterMs ?? 0);
          outcome = { state: 'pending', tries, nextAttemptMs: this.now() + wait, failureReason: r.reason, lastError: r.message, lastStatus: r.status, lastAttemptAt: now };
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
}
