// HRMS keeps one attendance record per employee, date and shift: an employee with two shifts on
// one day has two records. A check-in carries the window of the shift it was counted in
// (HRMS's shift_start, shift_end, shift_actual_start, shift_actual_end).
import type { Knex } from 'knex';
import { instant } from './portable.js';

export async function up(knex: Knex): Promise<void> {
  // The new key first: on MySQL the employee_id foreign key needs an index starting with it.
  await knex.schema.alterTable('attendance', (t) => {
    t.unique(['employee_id', 'attendance_date', 'shift_type']);
  });
  await knex.schema.alterTable('attendance', (t) => {
    t.dropUnique(['employee_id', 'attendance_date']);
  });
  await knex.schema.alterTable('checkins', (t) => {
    instant(t, 'shift_start').nullable();
    instant(t, 'shift_end').nullable();
    instant(t, 'shift_actual_start').nullable();
    instant(t, 'shift_actual_end').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('checkins', (t) => {
    t.dropColumn('shift_start');
    t.dropColumn('shift_end');
    t.dropColumn('shift_actual_start');
    t.dropColumn('shift_actual_end');
  });
  await knex.schema.alterTable('attendance', (t) => {
    t.unique(['employee_id', 'attendance_date']);
  });
  await knex.schema.alterTable('attendance', (t) => {
    t.dropUnique(['employee_id', 'attendance_date', 'shift_type']);
  });
}
