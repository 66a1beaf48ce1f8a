// Counters behind human ids (CHECKIN-2025-00001, EMP-00001). Taking numbers inside the
// caller's transaction locks the counter row until commit on MySQL, so two processes never
// hand out the same number.
import type { Knex } from 'knex';

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
