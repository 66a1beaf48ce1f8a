// A punch is the same punch when it repeats the device, the user id, the wall time and the log
// type: an IN and an OUT at the same second are two punches, as HRMS's own duplicate check has
// it (employee, time, log type). A terminal's resend repeats its line, state included, so it
// stays one punch.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('punches', (t) => {
    t.unique(['device_serial', 'device_user_id', 'local_time', 'log_type']);
  });
  await knex.schema.alterTable('punches', (t) => {
    t.dropUnique(['device_serial', 'device_user_id', 'local_time']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('punches', (t) => {
    t.unique(['device_serial', 'device_user_id', 'local_time']);
  });
  await knex.schema.alterTable('punches', (t) => {
    t.dropUnique(['device_serial', 'device_user_id', 'local_time', 'log_type']);
  });
}
