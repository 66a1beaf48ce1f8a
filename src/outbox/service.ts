// Forwarding: the outbox rows written with each new check-in, the targets they go to, and what
// operators do with both (the admin API and the CLI call this). The worker does the sending.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { maskUrlPassword } from '../config.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { isKnownZone } from '../pipeline/time.js';
import { type Employee, findEmployee, findEmployeesByIds } from '../store/employees.js';
import type { Listed, Window } from '../store/list.js';
import {
  OUTBOX_STATES,
  type OutboxRow,
  type OutboxState,
  countUndelivered,
  findOutboxRow,
  insertOutboxRows,
  listOutboxRows,
  requeueOutboxRows,
} from '../store/outbox.js';
import { type Checkin, findCheckinsByIds } from '../store/punches.js';
import {
  TARGET_KINDS,
  type Target,
  type TargetKind,
  allTargetIds,
  deleteTarget,
  findTarget,
  insertTarget,
  listTargets,
  setTargetState,
  updateTarget,
} from '../store/targets.js';
import { transactionWithRetry } from '../store/transaction.js';
import type { Sender } from './delivery.js';
import { EMPLOYEE_VALUES, ERPNEXT_METHODS, type ErpnextSettings, erpnextSender } from './erpnext.js';
import { webhookSender } from './webhook.js';
import { OutboxWorker, type WorkerSettings } from './worker.js';

export const SENDERS: Record<TargetKind, Sender> = { erpnext: erpnextSender, webhook: webhookSender };

/** Failures an employee change may cure: the target did not know the employee, or knew them as inactive. */
export const EMPLOYEE_FAILURES = ['employee_not_found', 'inactive_employee', 'employee_not_mapped'];

export interface OutboxSettings extends WorkerSettings {
  /** ICLOCKD_TZ: the default zone ERPNext check-in times are sent in. */
  timeZone: string;
}

export interface TargetInput {
  name?: unknown;
  kind?: unknown;
  url?: unknown;
  api_key?: unknown;
  api_secret?: unknown;
  method?: unknown;
  employee_fieldname?: unknown;
  employee_value?: unknown;
  time_zone?: unknown;
  secret?: unknown;
  paused?: unknown;
}

export interface TargetQueue {
  pending: number;
  rejected: number;
  dead: number;
}

export interface OutboxEntry {
  row: OutboxRow;
  target: string | null;
  checkin: string | null;
  employee: string | null;
}

export const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const FIELDNAME = /^[a-z_][a-z0-9_]{0,139}$/;

export function httpUrl(v: unknown): string | null {
  if (typeof v !== 'string' || v.trim().length > 500) return null;
  try {
    const u = new URL(v.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? v.trim() : null;
  } catch {
    return null;
  }
}

const nonEmpty = (v: unknown, max = 500) => (typeof v === 'string' && v.trim() !== '' && v.trim().length <= max ? v.trim() : null);

export interface OutboxServiceDeps {
  knex: Knex;
  settings: OutboxSettings;
  logger: Logger;
  clock: Clock;
  metrics?: Metrics;
  /** How each kind of target is sent to (SENDERS unless given). */
  senders?: Record<TargetKind, Sender>;
}

export class OutboxService {
  readonly worker: OutboxWorker;
  private readonly knex: Knex;
  private readonly settings: OutboxSettings;
  private readonly logger: Logger;
  private readonly now: Clock;
  private readonly senders: Record<TargetKind, Sender>;

  constructor({ knex, settings, logger, clock, metrics, senders = SENDERS }: OutboxServiceDeps) {
    this.knex = knex;
    this.settings = settings;
    this.logger = logger;
    this.now = clock;
    this.senders = senders;
    this.worker = new OutboxWorker({ knex, senders, settings, logger, clock, metrics });
  }

  start(): void {
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Called in the transaction that created the check-ins: one row per check-in and target. */
  async checkinsCreated(trx: Knex.Transaction, checkins: Checkin[]): Promise<void> {
    if (checkins.length === 0) return;
    const targetIds = await allTargetIds(trx);
    if (targetIds.length === 0) return;
    const now = this.now();
    await insertOutboxRows(
      trx,
      checkins.flatMap((c) =>
        targetIds.map((targetId) => ({
          targetId,
          event: 'checkin.created' as const,
          checkinId: c.id,
          employeeId: c.employeeId,
          idempotencyKey: randomUUID(),
          nextAttemptMs: now.getTime(),
          createdAt: now,
        })),
      ),
    );
  }

  /** Called in the transaction that changed an employee: rows a target refused for that employee are tried again. */
  employeeChanged(trx: Knex.Transaction, employee: Employee): Promise<number> {
    return requeueOutboxRows(trx, { employeeId: employee.id, states: ['rejected'], failureReasons: EMPLOYEE_FAILURES }, this.now().getTime());
  }

  // --- targets ---

  private validate(input: TargetInput, current: Target | null): { fields: Omit<Target, 'id' | 'state' | 'stateReason' | 'lastDeliveredAt' | 'lastError' | 'lastErrorAt' | 'createdAt' | 'updatedAt'>; generatedSecret: string | null } {
    const bad: string[] = [];
    const name = current ? current.name : nonEmpty(input.name, 64);
    if (!current && (!name || !TARGET_NAME.test(name))) bad.push('name');
    const kind = current ? current.kind : (input.kind as TargetKind);
    if (!current && !TARGET_KINDS.includes(kind)) bad.push('kind');
    let url = current?.url ?? null;
    if (input.url !== undefined || !current) {
      url = httpUrl(input.url);
      if (!url) bad.push('url');
    }
    let secret = current?.secret ?? null;
    let generatedSecret: string | null = null;
    const settings: Record<string, unknown> = { ...(current?.settings ?? {}) };
    if (kind === 'erpnext') {
      const s = settings as Partial<ErpnextSettings>;
      if (input.api_key !== undefined || !current) {
        const v = nonEmpty(input.api_key, 140);
        if (v) s.api_key = v;
        else bad.push('api_key');
      }
      if (input.api_secret !== undefined || !current) {
        const v = nonEmpty(input.api_secret, 140);
        if (v) secret = v;
        else bad.push('api_secret');
      }
      if (input.method !== undefined || !current) {
        const v = input.method ?? 'hrms';
        if (ERPNEXT_METHODS.includes(v as ErpnextSettings['method'])) s.method = v as ErpnextSettings['method'];
        else bad.push('method');
      }
      if (input.employee_fieldname !== undefined || !current) {
        const v = input.employee_fieldname ?? 'attendance_device_id';
        if (typeof v === 'string' && FIELDNAME.test(v)) s.employee_fieldname = v;
        else bad.push('employee_fieldname');
      }
      if (input.employee_value !== undefined || !current) {
        // The resource API needs the ERPNext Employee name: the iclockd employee id by default.
        const v = input.employee_value ?? (s.method === 'resource' ? 'employee' : 'attendance_device_id');
        if (EMPLOYEE_VALUES.includes(v as ErpnextSettings['employee_value'])) s.employee_value = v as ErpnextSettings['employee_value'];
        else bad.push('employee_value');
      }
      if (input.time_zone !== undefined || !current) {
        const v = input.time_zone ?? this.settings.timeZone;
        if (typeof v === 'string' && isKnownZone(v)) s.time_zone = v;
        else bad.push('time_zone');
      }
      if (input.secret !== undefined) bad.push('secret');
    } else if (kind === 'webhook') {
      if (input.secret !== undefined) {
        const v = nonEmpty(input.secret, 200);
        if (v && v.length >= 16) secret = v;
        else bad.push('secret');
      } else if (!current) {
        generatedSecret = randomBytes(24).toString('hex');
        secret = generatedSecret;
      }
      for (const f of ['api_key', 'api_secret', 'method', 'employee_fieldname', 'employee_value', 'time_zone'] as const) if (input[f] !== undefined) bad.push(f);
    }
    if (input.paused !== undefined && typeof input.paused !== 'boolean') bad.push('paused');
    if (bad.length) {
      throw new AppError('validation_error', `Invalid fields: ${bad.join(', ')}`, { fields: bad });
    }
    return { fields: { name: name!, kind, url: url!, settings, secret }, generatedSecret };
  }

  /** Creates a target; a webhook without a given secret gets one, returned here once. */
  async addTarget(input: TargetInput): Promise<{ target: Target; generatedSecret: string | null }> {
    const { fields, generatedSecret } = this.validate(input, null);
    if (await findTarget(this.knex, fields.name)) throw new AppError('conflict', `Target ${fields.name} already exists`);
    try {
      const target = await insertTarget(this.knex, fields, input.paused === true ? 'paused' : 'active', this.now());
      this.logger.info({ target: target.name, kind: target.kind, url: maskUrlPassword(target.url) }, 'outbox: target added');
      return { target, generatedSecret };
    } catch (err) {
      if (await findTarget(this.knex, fields.name)) throw new AppError('conflict', `Target ${fields.name} already exists`);
      throw err;
    }
  }

  async updateTarget(name: string, input: TargetInput): Promise<Target> {
    const current = await this.getTarget(name);
    if (input.name !== undefined && input.name !== current.name) throw new AppError('validation_error', 'A target cannot be renamed', { fields: ['name'] });
    if (input.kind !== undefined && input.kind !== current.kind) throw new AppError('validation_error', 'A target cannot change kind', { fields: ['kind'] });
    const { fields } = this.validate(input, current);
    await updateTarget(this.knex, current.id, { url: fields.url, settings: fields.settings, secret: fields.secret }, this.now());
    return this.getTarget(name);
  }

  async getTarget(name: string): Promise<Target> {
    const target = await findTarget(this.knex, name);
    if (!target) throw new AppError('not_found', `No target ${name}`);
    return target;
  }

  listTargets(): Promise<Target[]> {
    return listTargets(this.knex);
  }

  /** Not-yet-delivered rows per target id. */
  async queues(): Promise<Map<number, TargetQueue>> {
    const out = new Map<number, TargetQueue>();
    for (const c of await countUndelivered(this.knex)) {
      const q = out.get(c.targetId) ?? { pending: 0, rejected: 0, dead: 0 };
      q[c.state as keyof TargetQueue] = c.n;
      out.set(c.targetId, q);
    }
    return out;
  }

  async removeTarget(name: string): Promise<void> {
    const target = await this.getTarget(name);
    await transactionWithRetry(this.knex, (trx) => deleteTarget(trx, target.id));
    this.logger.info({ target: name }, 'outbox: target removed with its outbox rows');
  }

  async pauseTarget(name: string): Promise<Target> {
    const target = await this.getTarget(name);
    await setTargetState(this.knex, target.id, ['active', 'error'], 'paused', 'paused by an operator', this.now());
    return this.getTarget(name);
  }

  async resumeTarget(name: string): Promise<Target> {
    const target = await this.getTarget(name);
    await setTargetState(this.knex, target.id, ['paused', 'error'], 'active', null, this.now());
    return this.getTarget(name);
  }

  /** Sends no record: checks the target answers and takes our credentials (or signature). */
  async testTarget(name: string): Promise<{ ok: boolean; status: number | null; message: string }> {
    const target = await this.getTarget(name);
    return this.senders[target.kind].test(target, this.settings.outboxTimeoutMs);
  }

  // --- outbox rows ---

  async list(filter: { states?: string[]; target?: string; employee?: string }, window: Window): Promise<Listed<OutboxEntry>> {
    const states = filter.states?.filter((s) => s !== '');
    const bad = states?.filter((s) => !OUTBOX_STATES.includes(s as OutboxState)) ?? [];
    if (bad.length) throw new AppError('validation_error', `state must be any of ${OUTBOX_STATES.join(', ')}`, { fields: ['state'] });
    const targetId = filter.target ? (await this.getTarget(filter.target)).id : undefined;
    let employeeId: number | undefined;
    if (filter.employee) {
      employeeId = (await findEmployee(this.knex, filter.employee))?.id ?? -1;
    }
    const listed = await listOutboxRows(this.knex, { states: states as OutboxState[] | undefined, targetId, employeeId }, window);
    return { rows: await this.entries(listed.rows), total: listed.total };
  }

  async get(id: number): Promise<OutboxEntry> {
    const row = Number.isInteger(id) && id > 0 ? await findOutboxRow(this.knex, id) : null;
    if (!row) throw new AppError('not_found', `No outbox row ${id}`);
    return (await this.entries([row]))[0]!;
  }

  /** Sends a rejected or dead row again (tries reset). */
  async retry(id: number): Promise<OutboxEntry> {
    const entry = await this.get(id);
    if (entry.row.state === 'delivered') throw new AppError('conflict', `Outbox row ${id} was delivered; it is not sent twice`);
    if (entry.row.state === 'pending') return entry;
    await requeueOutboxRows(this.knex, { ids: [id], states: ['rejected', 'dead'] }, this.now().getTime());
    return this.get(id);
  }

  /** Sends every row in `state` (dead or rejected) again, optionally of one target; returns how many. */
  async retryAll(state: 'dead' | 'rejected', target?: string): Promise<number> {
    const targetId = target ? (await this.getTarget(target)).id : undefined;
    return requeueOutboxRows(this.knex, { states: [state], targetId }, this.now().getTime());
  }

  private async entries(rows: OutboxRow[]): Promise<OutboxEntry[]> {
    const targets = new Map((await listTargets(this.knex)).map((t) => [t.id, t.name]));
    const checkins = await findCheckinsByIds(this.knex, rows.map((r) => r.checkinId));
    const employees = await findEmployeesByIds(this.knex, rows.map((r) => r.employeeId));
    return rows.map((row) => ({
      row,
      target: targets.get(row.targetId) ?? null,
      checkin: checkins.get(row.checkinId)?.name ?? null,
      employee: employees.get(row.employeeId)?.employee ?? null,
    }));
  }
}

const MASK = '********';

/** A target as the API and CLI show it: secrets masked, never returned. */
export function targetView(t: Target, queue?: TargetQueue) {
  const s = t.settings as Partial<ErpnextSettings>;
  const kindFields =
    t.kind === 'erpnext'
      ? { api_key: s.api_key ?? null, api_secret: t.secret ? MASK : null, method: s.method, employee_fieldname: s.employee_fieldname, employee_value: s.employee_value, time_zone: s.time_zone }
      : { secret: t.secret ? MASK : null };
  return {
    name: t.name,
    kind: t.kind,
    url: maskUrlPassword(t.url),
    state: t.state,
    state_reason: t.stateReason,
    ...kindFields,
    queue: queue ?? { pending: 0, rejected: 0, dead: 0 },
    last_delivered_at: t.lastDeliveredAt?.toISOString() ?? null,
    last_error: t.lastError,
    last_error_at: t.lastErrorAt?.toISOString() ?? null,
    created_at: t.createdAt.toISOString(),
  };
}

export function outboxEntryView(e: OutboxEntry) {
  const r = e.row;
  return {
    id: r.id,
    target: e.target,
    event: r.event,
    checkin: e.checkin,
    employee: e.employee,
    state: r.state,
    tries: r.tries,
    next_attempt_at: r.state === 'pending' ? new Date(r.nextAttemptMs).toISOString() : null,
    in_flight: r.claimUntilMs !== null,
    // A send whose outcome is unknown: the row is looked up at the target before it goes again.
    unconfirmed_send_at: r.unconfirmedSendMs === null ? null : new Date(r.unconfirmedSendMs).toISOString(),
    failure_reason: r.failureReason,
    last_error: r.lastError,
    last_status: r.lastStatus,
    remote_ref: r.remoteRef,
    idempotency_key: r.idempotencyKey,
    created_at: r.createdAt.toISOString(),
    last_attempt_at: r.lastAttemptAt?.toISOString() ?? null,
    delivered_at: r.deliveredAt?.toISOString() ?? null,
  };
}
