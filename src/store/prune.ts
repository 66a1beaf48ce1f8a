// Deleting old rows a batch at a time: one statement over a big table would hold its locks
// (and, on SQLite, the only writer) for as long as it runs.
import type { Knex } from 'knex';

const BATCH = 5000;

/** Deletes the rows `select` finds (by id), BATCH at a time; returns how many. */
export async function deleteInBatches(knex: Knex, table: string, select: (q: Knex.QueryBuilder) => Knex.QueryBuilder): Promise<number> {
  let removed = 0;
  for (;;) {
    const ids = (await select(knex(table)).orderBy('id').limit(BATCH).pluck('id')) as number[];
    if (ids.length === 0) return removed;
    removed += await knex(table).whereIn('id', ids).del();
    if (ids.length < BATCH) return removed;
  }
}
