// device_users and device_templates: the users a terminal holds and their templates (fingerprint,
// face), as it uploaded them; the only place that reads or writes them.
import type { Knex } from 'knex';
import { charsOf, clipChars } from './columns.js';
import { toDbInstant } from './time.js';
import { compositeKey } from './keys.js';

export interface DeviceUser {
  pin: string;
  name: string;
  privilege: number | null;
  card: string | null;
}

export async function upsertDeviceUsers(knex: Knex, serial: string, users: DeviceUser[], at: Date): Promise<void> {
  if (users.length === 0) return;
  // The last record for a PIN in one body wins.
  const byPin = new Map(users.map((u) => [u.pin, u]));
  await knex('device_users')
    .insert(
      [...byPin.values()].map((u) => ({
        device_serial: serial,
        pin: u.pin,
        name: clipChars(u.name, charsOf('device_users', 'name')),
        privilege: u.privilege,
        card: u.card === null ? null : clipChars(u.card, charsOf('device_users', 'card')),
        updated_at: toDbInstant(at),
      })),
    )
    .onConflict(['device_serial', 'pin'])
    .merge(['name', 'privilege', 'card', 'updated_at']);
}

export async function listDeviceUsers(knex: Knex, serial: string): Promise<DeviceUser[]> {
  const rows = (await knex('device_users').where({ device_serial: serial }).orderBy('pin')) as { pin: string; name: string; privilege: number | null; card: string | null }[];
  return rows.map((r) => ({ pin: r.pin, name: r.name, privilege: r.privilege === null ? null : Number(r.privilege), card: r.card }));
}

export interface DeviceTemplate {
  pin: string;
  kind: string;
  slot: string;
  fields: Record<string, string>;
}

export async function upsertDeviceTemplates(knex: Knex, serial: string, templates: DeviceTemplate[], at: Date): Promise<void> {
  if (templates.length === 0) return;
  const unique = new Map(templates.map((t) => [compositeKey(t.pin, t.kind, t.slot), t]));
  await knex('device_templates')
    .insert([...unique.values()].map((t) => ({ device_serial: serial, pin: t.pin, kind: clipChars(t.kind, charsOf('device_templates', 'kind')), slot: clipChars(t.slot, charsOf('device_templates', 'slot')), fields: JSON.stringify(t.fields), updated_at: toDbInstant(at) })))
    .onConflict(['device_serial', 'pin', 'kind', 'slot'])
    .merge(['fields', 'updated_at']);
}

export async function listDeviceTemplates(knex: Knex, serial: string): Promise<DeviceTemplate[]> {
  const rows = (await knex('device_templates').where({ device_serial: serial }).orderBy(['pin', 'kind', 'slot'])) as { pin: string; kind: string; slot: string; fields: string }[];
  return rows.map((r) => ({ pin: r.pin, kind: r.kind, slot: r.slot, fields: JSON.parse(r.fields) as Record<string, string> }));
}
