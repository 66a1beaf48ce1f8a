// What ERPNext's biometric sync tool says of a shift type once every terminal mapped to it has
// been pulled: logs up to this instant are all in (HRMS's last_sync_of_checkin). iclockd takes
// it as a device heard from: a day of that shift that ended before it is final.
import type { Knex } from 'knex';
import { instant } from './portable.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('shift_types', (t) => {
    instant(t, 'last_sync_of_checkin').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('shift_types', (t) => {
    t.dropColumn('last_sync_of_checkin');
  });
}
