// Transactions that retry when a concurrent writer wins a race (a unique key taken between our
// read and our insert, or a MySQL deadlock): the retry re-reads and sees the other's rows.
import type { Knex } from 'knex';

// Unreachable, or too slow: a link gone silent (PROTOCOL_SEQUENCE_TIMEOUT), a row lock or a
// statement over ICLOCKD_DB_STATEMENT_TIMEOUT_SECONDS (MariaDB, MySQL).
const DATABASE_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_STATEMENT_TIMEOUT',
  'ER_QUERY_TIMEOUT',
  // A Galera node out of the cluster's quorum, or still joining: "WSREP has not yet prepared node
  // for application use" (1047). The other nodes serve; this one will again once Synced.
  'ER_UNKNOWN_COM_ERROR',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
]);

/** The database cannot be reached (not a bad query): the client should retry later. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string };
  if (e?.code && DATABASE_DOWN_CODES.has(e.code)) return true;
  return e?.name === 'KnexTimeoutError' || /Unable to acquire a connection|Timeout acquiring a connection/.test(e?.message ?? '');
}

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return e?.code === 'ER_DUP_ENTRY' || e?.errno === 1062 || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Rolled back because a concurrent writer won: an InnoDB deadlock, or on Galera a certification
 * conflict (reported as a deadlock, 1213, even at commit, after every statement succeeded).
 */
export function isWriteConflict(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return e?.errno === 1213 || e?.code === 'ER_LOCK_DEADLOCK';
}

export function isRetryable(err: unknown): boolean {
  const e = err as { code?: string };
  return isUniqueViolation(err) || isWriteConflict(err) || e?.code === 'SQLITE_BUSY';
}

/**
 * A guarded UPDATE that claims something (a command, outbox rows, a day's job, a lease): when it
 * loses a write conflict, the other writer claimed it, so this call claimed nothing (0 rows).
 */
export async function claimed(update: Promise<number>): Promise<number> {
  try {
    return await update;
  } catch (err) {
    if (isWriteConflict(err)) return 0;
    throw err;
  }
}

/** MySQL/MariaDB errors that refuse a value (too long, out of range, not a date, bad text), not the statement. */
const REFUSED_VALUE_ERRNOS = new Set([1048, 1264, 1265, 1292, 1300, 1366, 1367, 1406, 1411, 1441, 1525, 3140, 3819, 4025]);
const REFUSED_VALUE_SQLITE = /^SQLITE_(TOOBIG|MISMATCH|RANGE|CONSTRAINT_(NOTNULL|CHECK|DATATYPE))$/;

/** The database refused a value of this record (it would refuse it again): the record is rejected, not retried. */
export function isDataRefusal(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  if (typeof e?.code === 'string' && e.code.startsWith('SQLITE_')) return REFUSED_VALUE_SQLITE.test(e.code);
  return typeof e?.errno === 'number' && REFUSED_VALUE_ERRNOS.has(e.errno);
}

export async function transactionWithRetry<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await knex.transaction(work);
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      // Writers that conflicted would meet again if they retried in step (Galera: three nodes
      // writing the same terminals' rows): a short random pause apart.
      if (isWriteConflict(err)) await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}
