// outbox: one row per check-in and forwarding target, written in the check-in's transaction and
// worked off by the delivery worker. The only place that reads or writes the table.
//
// Claiming is one UPDATE guarded by the claim columns, then a re-read of what this claim
// token owns: atomic on MySQL (row locks) and on SQLite (one writer), so two processes never
// hold the same row at once. Only the oldest pending row of each (target, employee) is ever
// claimable, which keeps every employee's rows in order.
import type { Knex } from 'knex';
import { chunks } from './chunks.js';
import { type Listed, type Window, listPaged } from './list.js';
import { fromDbInstant, toDbInstant } from './time.js';
import { claimed } from './transaction.js';

export const OUTBOX_STATES = ['pending', 'delivered', 'rejected', 'dead'] as const;
/**
 * pending: to be sent (first try or a retry) · delivered: the target has it · rejected: the
 * target refused this record for good (unknown or inactive employee, another 4xx) ·
 * dead: gave up after too many tries or too long.
 */
export type OutboxState = (typeof OUTBOX_STATES)[number];
export type OutboxEvent = 'checkin.created';

export interface NewOutboxRow {
  targetId: number;
  event: OutboxEvent;
  checkinId: number;
  employeeId: number;
  idempotencyKey: string;
  nextAttemptMs: number;
  createdAt: Date;
}

export interface OutboxRow extends NewOutboxRow {
  id: number;
  state: OutboxState;
  tries: number;
  claimedBy: string | null;
  claimUntilMs: number | null;
  failureReason: string | null;
  lastError: string | null;
  lastStatus: number | null;
  remoteRef: string | null;
  /**
   * When a send whose outcome is unknown started (no answer in time, the connection lost, a
   * worker that died holding the row): the next try looks the record up before sending again.
   */
  unconfirmedSendMs: number | null;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
}

interface Row {
  id: number;
  target_id: number;
  event: OutboxEvent;
  checkin_id: number;
  employee_id: number;
  idempotency_key: string;
  state: OutboxState;
  tries: number;
  next_attempt_ms: number | string;
  claimed_by: string | null;
  claim_until_ms: number | string | null;
  failure_reason: string | null;
  last_error: string | null;
  last_status: number | null;
  remote_ref: string | null;
  unconfirmed_send_ms: number | string | null;
  created_at: string;
  last_attempt_at: string | null;
  delivered_at: string | null;
}

function fromRow(r: Row): OutboxRow {
  return {
    id: Number(r.id),
    targetId: Number(r.target_id),
    event: r.event,
    checkinId: Number(r.checkin_id),
    employeeId: Number(r.employee_id),
    idempotencyKey: r.idempotency_key,
    state: r.state,
    tries: Number(r.tries),
    nextAttemptMs: Number(r.next_attempt_ms),
    claimedBy: r.claimed_by,
    claimUntilMs: r.claim_until_ms === null ? null : Number(r.claim_until_ms),
    failureReason: r.failure_reason,
    lastError: r.last_error,
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    remoteRef: r.remote_ref,
    unconfirmedSendMs: r.unconfirmed_send_ms === null ? null : Number(r.unconfirmed_send_ms),
    createdAt: fromDbInstant(r.created_at),
    lastAttemptAt: fromDbInstant(r.last_attempt_at),
    deliveredAt: fromDbInstant(r.delivered_at),
  };
}

export async function insertOutboxRows(trx: Knex.Transaction, rows: NewOutboxRow[]): Promise<void> {
  for (const part of chunks(rows, 300)) {
    await trx('outbox').insert(
      part.map((r) => ({
        target_id: r.targetId,
        event: r.event,
        checkin_id: r.checkinId,
        employee_id: r.employeeId,
        idempotency_key: r.idempotencyKey,
        state: 'pending',
        tries: 0,
        next_attempt_ms: r.nextAttemptMs,
        created_at: toDbInstant(r.createdAt),
      })),
    );
  }
}

/**
 * Ids of rows ready to send: pending, due, not claimed (or the claim expired), of the given
 * targets, and the oldest pending row of their (target, employee).
 */
export async function findDueHeads(knex: Knex, targetIds: number[], nowMs: number, limit: number): Promise<number[]> {
  if (targetIds.length === 0 || limit <= 0) return [];
  const rows = (await knex('outbox as o')
    .select('o.id')
    .where('o.state', 'pending')
    .whereIn('o.target_id', targetIds)
    .where('o.next_attempt_ms', '<=', nowMs)
    .where((q) => q.whereNull('o.claim_until_ms').orWhere('o.claim_until_ms', '<', nowMs))
    .whereNotExists(
      knex('outbox as p')
        .select(knex.raw('1'))
        .whereRaw('p.target_id = o.target_id')
        .whereRaw('p.employee_id = o.employee_id')
        .where('p.state', 'pending')
        .whereRaw('p.id < o.id'),
    )
    .orderBy([{ column: 'o.next_attempt_ms' }, { column: 'o.id' }])
    .limit(limit)) as { id: number }[];
  return rows.map((r) => Number(r.id));
}

/**
 * Claims what it can of `ids` for `token` until `untilMs`; returns the rows this token now owns.
 * A claim that expired is a worker that may have sent the row and died before recording the
 * answer: its send counts as unconfirmed, as late as it could have started (the claim's end).
 */
export async function claimOutboxRows(knex: Knex, ids: number[], token: string, nowMs: number, untilMs: number): Promise<OutboxRow[]> {
  if (ids.length === 0) return [];
  const taken = await claimed(
    knex('outbox')
      .whereIn('id', ids)
      .where('state', 'pending')
      .where((q) => q.whereNull('claim_until_ms').orWhere('claim_until_ms', '<', nowMs))
      // First in the SET list: MySQL evaluates assignments left to right, so this must read the old claim.
      .update({
        unconfirmed_send_ms: knex.raw('CASE WHEN claimed_by IS NOT NULL THEN claim_until_ms ELSE unconfirmed_send_ms END'),
        claimed_by: token,
        claim_until_ms: untilMs,
      }),
  );
  if (taken === 0) return [];
  const rows = (await knex('outbox').whereIn('id', ids).where('claimed_by', token).orderBy('id')) as Row[];
  return rows.map(fromRow);
}

export interface OutboxOutcome {
  state: OutboxState;
  tries: number;
  nextAttemptMs?: number;
  failureReason: string | null;
  lastError: string | null;
  lastStatus: number | null;
  remoteRef?: string | null;
  unconfirmedSendMs: number | null;
  lastAttemptAt?: Date;
  deliveredAt?: Date | null;
}

/** Records an attempt and drops the claim, if `token` still holds the row; false if it does not. */
export async function finishOutboxRow(knex: Knex, id: number, token: string, o: OutboxOutcome): Promise<boolean> {
  const row: Record<string, unknown> = {
    state: o.state,
    tries: o.tries,
    failure_reason: o.failureReason,
    last_error: o.lastError,
    last_status: o.lastStatus,
    unconfirmed_send_ms: o.unconfirmedSendMs,
    claimed_by: null,
    claim_until_ms: null,
  };
  if (o.nextAttemptMs !== undefined) row.next_attempt_ms = o.nextAttemptMs;
  if (o.remoteRef !== undefined) row.remote_ref = o.remoteRef;
  if (o.lastAttemptAt !== undefined) row.last_attempt_at = toDbInstant(o.lastAttemptAt);
  if (o.deliveredAt !== undefined) row.delivered_at = o.deliveredAt ? toDbInstant(o.deliveredAt) : null;
  return (await knex('outbox').where({ id, claimed_by: token }).update(row)) > 0;
}

/** Drops claims without recording an attempt (a stopping worker hands its rows back). */
export async function releaseOutboxClaims(knex: Knex, tokens: string[]): Promise<number> {
  if (tokens.length === 0) return 0;
  return knex('outbox').whereIn('claimed_by', tokens).update({ claimed_by: null, claim_until_ms: null });
}

export interface RequeueFilter {
  ids?: number[];
  states?: OutboxState[];
  targetId?: number;
  employeeId?: number;
  failureReasons?: string[];
}

/** Makes rows pending again, due now, with their tries reset; returns how many. */
export async function requeueOutboxRows(knex: Knex, filter: RequeueFilter, nowMs: number): Promise<number> {
  const q = knex('outbox').whereIn('state', filter.states ?? ['rejected', 'dead']);
  if (filter.ids) q.whereIn('id', filter.ids);
  if (filter.targetId !== undefined) q.where('target_id', filter.targetId);
  if (filter.employeeId !== undefined) q.where('employee_id', filter.employeeId);
  if (filter.failureReasons) q.whereIn('failure_reason', filter.failureReasons);
  return q.update({ state: 'pending', tries: 0, next_attempt_ms: nowMs, claimed_by: null, claim_until_ms: null });
}

/** Another row of the target whose delivery is the record `remoteRef` at the target, if any. */
export async function findRemoteRefOwner(knex: Knex, targetId: number, remoteRef: string, notId: number): Promise<OutboxRow | null> {
  const row = (await knex('outbox').where({ target_id: targetId, remote_ref: remoteRef }).whereNot('id', notId).first()) as Row | undefined;
  return row ? fromRow(row) : null;
}

export async function findOutboxRow(knex: Knex, id: number): Promise<OutboxRow | null> {
  const row = (await knex('outbox').where({ id }).first()) as Row | undefined;
  return row ? fromRow(row) : null;
}

export interface OutboxFilter {
  states?: OutboxState[];
  targetId?: number;
  employeeId?: number;
}

export function listOutboxRows(knex: Knex, filter: OutboxFilter, window: Window): Promise<Listed<OutboxRow>> {
  const q = knex('outbox').select('*');
  if (filter.states?.length) q.whereIn('state', filter.states);
  if (filter.targetId !== undefined) q.where('target_id', filter.targetId);
  if (filter.employeeId !== undefined) q.where('employee_id', filter.employeeId);
  return listPaged(q, window, [{ column: 'id', order: 'asc' }], fromRow);
}

/** Rows not yet delivered, by target id and state (the queue depth). */
export async function countUndelivered(knex: Knex): Promise<{ targetId: number; state: OutboxState; n: number }[]> {
  const rows = (await knex('outbox')
    .whereIn('state', ['pending', 'rejected', 'dead'])
    .groupBy('target_id', 'state')
    .select('target_id', 'state')
    .count({ n: '*' })) as { target_id: number; state: OutboxState; n: number | string }[];
  return rows.map((r) => ({ targetId: Number(r.target_id), state: r.state, n: Number(r.n) }));
}
