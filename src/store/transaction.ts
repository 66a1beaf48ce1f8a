// Transactions that retry when a concurrent writer wins a race (a unique key taken between our
// read and our insert, or a MySQL deadlock): the retry re-reads and sees the other's rows.
import type { Knex } from 'knex';

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return e?.code === 'ER_DUP_ENTRY' || e?.errno === 1062 || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isRetryable(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return isUniqueViolation(err) || e?.errno === 1213 || e?.code === 'ER_LOCK_DEADLOCK' || e?.code === 'SQLITE_BUSY';
}

export async function transactionWithRetry<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await knex.transaction(work);
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
    }
  }
}
