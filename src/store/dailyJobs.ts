// daily_jobs: which day a once-a-day job last ran, for every instance at once.
import type { Knex } from 'knex';
import { toDbInstant } from './time.js';
import { claimed, isUniqueViolation, isWriteConflict } from './transaction.js';

/**
 * Claims `day` (YYYY-MM-DD) for the job: true for exactly one caller per job and day, across
 * processes and restarts; false when it already ran that day (or a later one).
 */
export async function claimDailyJob(knex: Knex, name: string, day: string, at: Date): Promise<boolean> {
  const moved = knex('daily_jobs').where('name', name).where('last_day', '<', day).update({ last_day: day, claimed_at: toDbInstant(at) });
  if ((await claimed(moved)) > 0) return true;
  try {
    await knex('daily_jobs').insert({ name, last_day: day, claimed_at: toDbInstant(at) });
    return true;
  } catch (err) {
    // The row exists: it already ran that day, or another instance claimed it just now (on
    // Galera through another node: a certification conflict).
    if (isUniqueViolation(err) || isWriteConflict(err)) return false;
    throw err;
  }
}
