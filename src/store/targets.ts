// outbox_targets: where check-ins are forwarded (ERPNext/HRMS, webhooks). The only place that
// reads or writes the table.
import type { Knex } from 'knex';
import { fromDbInstant, toDbInstant } from './time.js';
import { claimed } from './transaction.js';

export const TARGET_KINDS = ['erpnext', 'webhook'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];
/** active: delivering · paused: by an operator · error: paused because the target refused our credentials. */
export type TargetState = 'active' | 'paused' | 'error';

export interface TargetFields {
  name: string;
  kind: TargetKind;
  url: string;
  /** Non-secret settings, per kind. */
  settings: Record<string, unknown>;
  /** The ERPNext API secret or the webhook signing secret. */
  secret: string | null;
}

export interface Target extends TargetFields {
  id: number;
  state: TargetState;
  stateReason: string | null;
  lastDeliveredAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  id: number;
  name: string;
  kind: TargetKind;
  url: string;
  state: TargetState;
  state_reason: string | null;
  settings: string;
  secret: string | null;
  last_delivered_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  created_at: string;
  updated_at: string;
}

function fromRow(r: Row): Target {
  return {
    id: Number(r.id),
    name: r.name,
    kind: r.kind,
    url: r.url,
    state: r.state,
    stateReason: r.state_reason,
    settings: JSON.parse(r.settings) as Record<string, unknown>,
    secret: r.secret,
    lastDeliveredAt: fromDbInstant(r.last_delivered_at),
    lastError: r.last_error,
    lastErrorAt: fromDbInstant(r.last_error_at),
    createdAt: fromDbInstant(r.created_at),
    updatedAt: fromDbInstant(r.updated_at),
  };
}

export async function insertTarget(knex: Knex, fields: TargetFields, state: TargetState, at: Date): Promise<Target> {
  await knex('outbox_targets').insert({
    name: fields.name,
    kind: fields.kind,
    url: fields.url,
    state,
    settings: JSON.stringify(fields.settings),
    secret: fields.secret,
    created_at: toDbInstant(at),
    updated_at: toDbInstant(at),
  });
  return (await findTarget(knex, fields.name))!;
}

export async function updateTarget(knex: Knex, id: number, fields: Partial<Pick<TargetFields, 'url' | 'settings' | 'secret'>>, at: Date): Promise<void> {
  const row: Record<string, unknown> = { updated_at: toDbInstant(at) };
  if (fields.url !== undefined) row.url = fields.url;
  if (fields.settings !== undefined) row.settings = JSON.stringify(fields.settings);
  if (fields.secret !== undefined) row.secret = fields.secret;
  await knex('outbox_targets').where({ id }).update(row);
}

export async function findTarget(knex: Knex, name: string): Promise<Target | null> {
  const row = (await knex('outbox_targets').where({ name }).first()) as Row | undefined;
  return row ? fromRow(row) : null;
}

export async function listTargets(knex: Knex): Promise<Target[]> {
  return ((await knex('outbox_targets').orderBy('id')) as Row[]).map(fromRow);
}

/** Ids of every target; new check-ins get a row for each (a paused target delivers them later). */
export async function allTargetIds(knex: Knex): Promise<number[]> {
  return ((await knex('outbox_targets').select('id')) as { id: number }[]).map((r) => Number(r.id));
}

/** Moves a target to `to` if it is in one of `from`; true when it did (so only one process alerts). */
export async function setTargetState(knex: Knex, id: number, from: TargetState[], to: TargetState, reason: string | null, at: Date): Promise<boolean> {
  const n = await knex('outbox_targets')
    .where({ id })
    .whereIn('state', from)
    .update({ state: to, state_reason: reason, updated_at: toDbInstant(at) });
  return n > 0;
}

/**
 * When the target last took a delivery. Every delivery of every instance writes this one row:
 * it is written when a second or more old, and a write lost to another instance's (a deadlock,
 * or on Galera a certification conflict) is left to theirs, as recent.
 */
export async function recordTargetDelivered(knex: Knex, id: number, at: Date): Promise<void> {
  const secondBefore = toDbInstant(new Date(at.getTime() - 1000));
  await claimed(
    knex('outbox_targets')
      .where({ id })
      .where((q) => q.whereNull('last_delivered_at').orWhere('last_delivered_at', '<=', secondBefore))
      .update({ last_delivered_at: toDbInstant(at) }),
  );
}

/** The target's last error; as for deliveries, a write lost to another instance's is left to theirs. */
export async function recordTargetError(knex: Knex, id: number, error: string, at: Date): Promise<void> {
  await claimed(knex('outbox_targets').where({ id }).update({ last_error: error, last_error_at: toDbInstant(at) }));
}

/** Removes a target and its outbox rows. */
export async function deleteTarget(trx: Knex.Transaction, id: number): Promise<void> {
  await trx('outbox').where({ target_id: id }).del();
  await trx('outbox_targets').where({ id }).del();
}
