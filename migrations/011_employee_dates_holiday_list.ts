// An employee's date_of_joining, relieving_date and holiday_list, as on HRMS's Employee: Absent
// is marked from joining (else from the day the row was created) to relieving, and the
// employee's holiday list applies where their shift names none.
// 'On Holiday' is not an HRMS attendance status (HRMS makes no record on a holiday unless the
// shift marks attendance on holidays), so the records iclockd stored with it are removed and
// their check-ins left unlinked, as HRMS leaves a holiday's logs.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('employees', (t) => {
    t.date('date_of_joining').nullable();
    t.date('relieving_date').nullable();
    t.string('holiday_list', 140).nullable(); // a list's name, as shift_types.holiday_list
  });
  const onHoliday = knex('attendance').where({ status: 'On Holiday' }).select('id');
  await knex('checkins').whereIn('attendance_id', onHoliday).update({ attendance_id: null });
  await knex('attendance').where({ status: 'On Holiday' }).del();
}

export async function down(knex: Knex): Promise<void> {
  // The removed records are not brought back: a recompute makes what the code of the time makes.
  await knex.schema.alterTable('employees', (t) => {
    t.dropColumn('date_of_joining');
    t.dropColumn('relieving_date');
    t.dropColumn('holiday_list');
  });
}
