// Counters behind human ids (CHECKIN-2025-00001, EMP-00001). Taking numbers locks the
// counter row on MySQL until that transaction ends, so two processes never hand out the same
// number.
import type { Knex } from 'knex';
import { isMysql } from './db.js';

/** Reserves `count` numbers under `prefix`; returns the first. */
export async function takeSeriesNumbers(trx: Knex.Transaction, prefix: string, count: number): Promise<number> {
  let updated = await trx('series').where({ prefix }).increment('current', count);
  if (updated === 0) {
    try {
      await trx('series').insert({ prefix, current: count });
      return 1;
    } catch {
      // Another transaction created the counter first: take numbers from it.
      updated = await trx('series').where({ prefix }).increment('current', count);
      if (updated === 0) throw new Error(`cannot take numbers from series ${prefix}`);
    }
  }
  const row = (await trx('series').where({ prefix }).first('current')) as { current: number };
  return Number(row.current) - count + 1;
}

export function seriesName(prefix: string, n: number, width = 5): string {
  return `${prefix}${String(n).padStart(width, '0')}`;
}

/**
 * Reserves numbers for a caller's transaction but, on MySQL, commits the reservation at once
 * in a short transaction of its own: held to the caller's commit, the counter row made every
 * concurrent ingest batch wait for the one before it to commit (the single-punch scenario
 * found three of four transactions waiting there). Numbers a batch that rolls back took are
 * not reused: names stay unique and increasing, with gaps, as deleted check-ins leave in
 * ERPNext. It holds a second pooled connection for that moment, while the caller holds its
 * own (two ingest batches at once leave the pool room). SQLite has one connection and one
 * writer: there, inside the caller's transaction.
 */
export function takeSeriesNumbersApart(knex: Knex, trx: Knex.Transaction, prefix: string, count: number): Promise<number> {
  return isMysql(knex) ? knex.transaction((own) => takeSeriesNumbers(own, prefix, count)) : takeSeriesNumbers(trx, prefix, count);
}
