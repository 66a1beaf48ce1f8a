// console_sessions: the only place that reads or writes the table.
import type { Knex } from 'knex';
import { deleteInBatches } from './prune.js';
import { fromDbInstant, toDbInstant } from './time.js';

export interface SessionRecord {
  apiKey: string;
  createdAt: Date;
  expiresAt: Date;
}

export async function insertSession(knex: Knex, s: { tokenHash: string; apiKey: string; createdAt: Date; expiresAt: Date }): Promise<void> {
  await knex('console_sessions').insert({
    token_hash: s.tokenHash,
    api_key: s.apiKey,
    created_at: toDbInstant(s.createdAt),
    expires_at: toDbInstant(s.expiresAt),
  });
}

export async function findSession(knex: Knex, tokenHash: string): Promise<SessionRecord | null> {
  const row = (await knex('console_sessions').where({ token_hash: tokenHash }).first('api_key', 'created_at', 'expires_at')) as
    | { api_key: string; created_at: string; expires_at: string }
    | undefined;
  return row ? { apiKey: row.api_key, createdAt: fromDbInstant(row.created_at), expiresAt: fromDbInstant(row.expires_at) } : null;
}

export async function deleteSession(knex: Knex, tokenHash: string): Promise<boolean> {
  return (await knex('console_sessions').where({ token_hash: tokenHash }).delete()) > 0;
}

/** Sessions past their expiry. */
export function deleteSessionsExpiredBefore(knex: Knex, at: Date): Promise<number> {
  return deleteInBatches(knex, 'console_sessions', (q) => q.where('expires_at', '<', toDbInstant(at)));
}
