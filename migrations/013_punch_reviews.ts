// What an admin did to a punch (accept a suspect time, discard it, re-link it to an employee):
// one row per action, shown beside the punch in the console. A discarded punch stays stored
// (status 'discarded', which fits punches.status) and never becomes a check-in.
import type { Knex } from 'knex';
import { createTable, instant } from './portable.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'punch_reviews', (t) => {
    t.bigIncrements('id');
    t.bigInteger('punch_id').unsigned().notNullable().references('id').inTable('punches');
    t.string('action', 16).notNullable(); // accept | discard | relink
    t.string('from_status', 16).notNullable();
    t.string('to_status', 16).notNullable();
    t.string('detail', 500).nullable(); // the corrected time, the employee linked to, a note
    t.string('actor', 200).nullable(); // the API key's label (a console session is its key's)
    instant(t, 'created_at').notNullable();
    t.index(['punch_id']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('punch_reviews');
}
