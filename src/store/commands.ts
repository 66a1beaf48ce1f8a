// device_commands: the per-terminal command queue.
import type { Knex } from 'knex';
import { type Listed, type Window, listPaged } from './list.js';
import { fromDbInstant, toDbInstant } from './time.js';
import { claimed } from './transaction.js';

export type CommandState = 'pending' | 'sent' | 'succeeded' | 'failed' | 'expired';

export interface DeviceCommand {
  id: number;
  deviceSerial: string;
  command: string;
  state: CommandState;
  tries: number;
  returnCode: number | null;
  result: string | null;
  createdBy: string | null;
  createdAt: Date;
  sentAt: Date | null;
  completedAt: Date | null;
}

interface Row {
  id: number;
  device_serial: string;
  command: string;
  state: CommandState;
  tries: number;
  return_code: number | null;
  result: string | null;
  created_by: string | null;
  created_at: string;
  sent_at: string | null;
  completed_at: string | null;
}

function fromRow(r: Row): DeviceCommand {
  return {
    id: Number(r.id),
    deviceSerial: r.device_serial,
    command: r.command,
    state: r.state,
    tries: Number(r.tries),
    returnCode: r.return_code === null ? null : Number(r.return_code),
    result: r.result,
    createdBy: r.created_by,
    createdAt: fromDbInstant(r.created_at),
    sentAt: fromDbInstant(r.sent_at),
    completedAt: fromDbInstant(r.completed_at),
  };
}

export async function insertCommand(knex: Knex, serial: string, command: string, createdBy: string | null, at: Date): Promise<DeviceCommand> {
  const [id] = await knex('device_commands').insert({ device_serial: serial, command, state: 'pending', tries: 0, created_by: createdBy, created_at: toDbInstant(at) });
  return fromRow((await knex('device_commands').where({ id: Number(id) }).first()) as Row);
}

/** Commands to hand out: pending ones, and sent ones whose result is overdue; oldest first. */
export async function dueCommands(knex: Knex, serial: string, resendBefore: Date, maxTries: number, limit: number): Promise<DeviceCommand[]> {
  const rows = (await knex('device_commands')
    .where({ device_serial: serial })
    .where((w) =>
      w.where('state', 'pending').orWhere((s) => s.where('state', 'sent').where('sent_at', '<', toDbInstant(resendBefore)).where('tries', '<', maxTries)),
    )
    .orderBy('id')
    .limit(limit)) as Row[];
  return rows.map(fromRow);
}

/** Marks a command sent, unless another process already did: true when this call claimed it. */
export async function claimCommand(knex: Knex, c: DeviceCommand, at: Date): Promise<boolean> {
  const q = knex('device_commands').where({ id: c.id, state: c.state, tries: c.tries });
  return (await claimed(q.update({ state: 'sent', sent_at: toDbInstant(at), tries: c.tries + 1 }))) === 1;
}

/** Sent commands that used all their tries without a result. */
export async function expireCommands(knex: Knex, serial: string, resendBefore: Date, maxTries: number, at: Date): Promise<number> {
  return knex('device_commands')
    .where({ device_serial: serial, state: 'sent' })
    .where('sent_at', '<', toDbInstant(resendBefore))
    .where('tries', '>=', maxTries)
    .update({ state: 'expired', completed_at: toDbInstant(at) });
}

/** Records a result; a command that has one is never handed out again. */
export async function completeCommand(knex: Knex, serial: string, id: number, returnCode: number | null, result: string | null, at: Date): Promise<boolean> {
  const n = await knex('device_commands')
    .where({ id, device_serial: serial })
    .whereIn('state', ['pending', 'sent', 'expired'])
    .update({ state: returnCode !== null && returnCode >= 0 ? 'succeeded' : 'failed', return_code: returnCode, result, completed_at: toDbInstant(at) });
  return n === 1;
}

/** Devices with commands not finished yet. */
export async function devicesWithOpenCommands(knex: Knex): Promise<Set<string>> {
  const rows = (await knex('device_commands').distinct('device_serial').whereIn('state', ['pending', 'sent'])) as { device_serial: string }[];
  return new Set(rows.map((r) => r.device_serial));
}

export function listCommands(knex: Knex, serial: string, filter: { state?: CommandState }, window: Window): Promise<Listed<DeviceCommand>> {
  const q = knex('device_commands').select('*').where({ device_serial: serial });
  if (filter.state) q.where('state', filter.state);
  return listPaged(q, window, [{ column: 'id', order: 'desc' }], fromRow);
}

export async function findCommand(knex: Knex, id: number): Promise<DeviceCommand | null> {
  const row = (await knex('device_commands').where({ id }).first()) as Row | undefined;
  return row ? fromRow(row) : null;
}

export async function countCommandsByState(knex: Knex): Promise<Record<string, number>> {
  const rows = (await knex('device_commands').select('state').count({ n: '*' }).groupBy('state')) as { state: string; n: number | string }[];
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}
