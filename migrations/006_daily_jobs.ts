// Jobs that run once a day for the whole deployment, whatever the number of instances and
// restarts (the nightly reconciliation): the last day each one ran, claimed by a guarded update.
import type { Knex } from 'knex';
import { createTable, instant } from './portable.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'daily_jobs', (t) => {
    t.string('name', 64).primary();
    t.string('last_day', 10).notNullable(); // YYYY-MM-DD in ICLOCKD_TZ
    instant(t, 'claimed_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('daily_jobs');
}
