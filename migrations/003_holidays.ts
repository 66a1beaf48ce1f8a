// Holiday lists for the attendance engine (a shift type names one; so may an employee later).
import type { Knex } from 'knex';
import { createTable } from './portable.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'holidays', (t) => {
    t.increments('id');
    t.string('holiday_list', 140).notNullable(); // the list's name, as shift_types.holiday_list
    t.date('holiday_date').notNullable();
    t.string('description', 200).nullable();
    t.unique(['holiday_list', 'holiday_date']);
  });
  await knex.schema.alterTable('attendance', (t) => {
    // The check-in window of the shift this record covers, for finalizing once it has closed.
    t.dateTime('shift_end', { precision: 0, useTz: false }).nullable();
    t.index(['finalized', 'shift_end']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('attendance', (t) => {
    t.dropIndex(['finalized', 'shift_end']);
    t.dropColumn('shift_end');
  });
  await knex.schema.dropTableIfExists('holidays');
}
