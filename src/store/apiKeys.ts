// api_keys: the only place that reads or writes the table.
import type { Knex } from 'knex';
import { type Listed, type Window, listPaged } from './list.js';
import { fromDbInstant, toDbInstant } from './time.js';

export type Role = 'ingest' | 'admin';
export const ROLES: readonly Role[] = ['ingest', 'admin'];

export interface ApiKeyRecord {
  id: number;
  apiKey: string;
  secretHash: string;
  label: string;
  role: Role;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

interface Row {
  id: number;
  api_key: string;
  secret_hash: string;
  label: string;
  role: Role;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

function fromRow(r: Row): ApiKeyRecord {
  return {
    id: r.id,
    apiKey: r.api_key,
    secretHash: r.secret_hash,
    label: r.label,
    role: r.role,
    createdAt: fromDbInstant(r.created_at),
    lastUsedAt: fromDbInstant(r.last_used_at),
    revokedAt: fromDbInstant(r.revoked_at),
  };
}

export async function insertApiKey(
  knex: Knex,
  key: { apiKey: string; secretHash: string; label: string; role: Role; createdAt: Date },
): Promise<void> {
  await knex('api_keys').insert({
    api_key: key.apiKey,
    secret_hash: key.secretHash,
    label: key.label,
    role: key.role,
    created_at: toDbInstant(key.createdAt),
  });
}

/** By key, for many at once. */
export async function findApiKeys(knex: Knex, apiKeys: string[]): Promise<Map<string, ApiKeyRecord>> {
  const rows = (await knex<Row>('api_keys').whereIn('api_key', [...new Set(apiKeys)])) as Row[];
  return new Map(rows.map((r) => [r.api_key, fromRow(r)]));
}

export function listApiKeys(knex: Knex, window: Window): Promise<Listed<ApiKeyRecord>> {
  return listPaged(knex('api_keys').select('*'), window, [{ column: 'id', order: 'asc' }], fromRow);
}

/** Marks a key revoked; false when no such key, or it was revoked already. */
export async function revokeApiKey(knex: Knex, apiKey: string, at: Date): Promise<boolean> {
  const n = await knex('api_keys').where({ api_key: apiKey }).whereNull('revoked_at').update({ revoked_at: toDbInstant(at) });
  return n > 0;
}

export async function touchApiKey(knex: Knex, id: number, at: Date): Promise<void> {
  await knex('api_keys').where({ id }).update({ last_used_at: toDbInstant(at) });
}

export async function activeAdminKeyExists(knex: Knex): Promise<boolean> {
  return (await knex('api_keys').where({ role: 'admin' }).whereNull('revoked_at').first('id')) !== undefined;
}
