// The core schema. Portable across MySQL/MariaDB and SQLite: no database-side defaults for
// times (the application writes every instant, in UTC, as 'YYYY-MM-DD HH:MM:SS'), booleans
// as knex booleans, and identifiers compared byte for byte on both (utf8mb4_bin on MySQL).
import type { Knex } from 'knex';
import { createTable, instant } from './portable.js';

function coordinates(t: Knex.CreateTableBuilder): void {
  t.decimal('latitude', 10, 7).nullable();
  t.decimal('longitude', 10, 7).nullable();
}

export async function up(knex: Knex): Promise<void> {
  // Counters behind human ids such as CHECKIN-2025-00001 (one row per prefix).
  await createTable(knex, 'series', (t) => {
    t.string('prefix', 64).primary();
    t.integer('current').unsigned().notNullable();
  });

  await createTable(knex, 'devices', (t) => {
    t.increments('id');
    t.string('serial', 64).notNullable().unique();
    t.string('alias', 100).nullable();
    t.string('site', 64).notNullable().defaultTo('main');
    t.string('time_zone', 64).nullable(); // IANA; null = the configured default
    t.string('state', 16).notNullable().defaultTo('pending'); // pending | approved | blocked
    t.string('push_version', 32).nullable();
    t.string('firmware', 100).nullable();
    instant(t, 'last_seen_at').nullable();
    t.string('last_address', 64).nullable();
    instant(t, 'created_at').notNullable();
    instant(t, 'updated_at').notNullable();
  });

  await createTable(knex, 'shift_types', (t) => {
    t.increments('id');
    t.string('name', 140).notNullable().unique();
    t.string('start_time', 8).notNullable(); // HH:MM:SS
    t.string('end_time', 8).notNullable(); // before start_time = ends the next day
    t.boolean('enable_auto_attendance').notNullable().defaultTo(false);
    t.string('determine_check_in_and_check_out', 16).notNullable().defaultTo('alternating'); // alternating | strict
    t.string('working_hours_calculation_based_on', 16).notNullable().defaultTo('first_last'); // first_last | every_valid
    t.integer('begin_check_in_before_shift_start_time').notNullable().defaultTo(60);
    t.integer('allow_check_out_after_shift_end_time').notNullable().defaultTo(60);
    t.decimal('working_hours_threshold_for_half_day', 5, 2).notNullable().defaultTo(0);
    t.decimal('working_hours_threshold_for_absent', 5, 2).notNullable().defaultTo(0);
    t.boolean('enable_late_entry_marking').notNullable().defaultTo(false);
    t.integer('late_entry_grace_period').notNullable().defaultTo(0);
    t.boolean('enable_early_exit_marking').notNullable().defaultTo(false);
    t.integer('early_exit_grace_period').notNullable().defaultTo(0);
    t.boolean('mark_auto_attendance_on_holidays').notNullable().defaultTo(false);
    t.string('holiday_list', 140).nullable();
    instant(t, 'created_at').notNullable();
    instant(t, 'updated_at').notNullable();
  });

  await createTable(knex, 'employees', (t) => {
    t.increments('id');
    t.string('employee', 32).notNullable().unique(); // human id, EMP-00001
    t.string('name', 200).notNullable();
    t.string('site', 64).notNullable().defaultTo('main');
    t.string('attendance_device_id', 64).nullable(); // the biometric id (PIN) on the terminals
    t.string('status', 16).notNullable().defaultTo('Active'); // Active | Inactive | Left
    t.string('default_shift', 140).nullable(); // shift_types.name
    instant(t, 'created_at').notNullable();
    instant(t, 'updated_at').notNullable();
    // The same biometric id on two sites' terminals can be two people.
    t.unique(['site', 'attendance_device_id']);
  });

  await createTable(knex, 'attendance', (t) => {
    t.increments('id');
    t.string('name', 32).notNullable().unique(); // HR-ATT-2025-00001
    t.integer('employee_id').unsigned().notNullable().references('id').inTable('employees');
    t.date('attendance_date').notNullable(); // the shift's start date
    t.string('shift_type', 140).nullable();
    t.string('status', 16).notNullable(); // Present | Half Day | Absent | On Holiday | …
    t.decimal('working_hours', 6, 2).notNullable().defaultTo(0);
    instant(t, 'in_time').nullable();
    instant(t, 'out_time').nullable();
    t.boolean('late_entry').notNullable().defaultTo(false);
    t.boolean('early_exit').notNullable().defaultTo(false);
    t.boolean('finalized').notNullable().defaultTo(false);
    instant(t, 'created_at').notNullable();
    instant(t, 'updated_at').notNullable();
    t.unique(['employee_id', 'attendance_date']);
    t.index(['attendance_date']);
  });

  await createTable(knex, 'checkins', (t) => {
    t.bigIncrements('id');
    t.string('name', 32).notNullable().unique(); // CHECKIN-2025-00001
    t.integer('employee_id').unsigned().notNullable().references('id').inTable('employees');
    instant(t, 'time').notNullable(); // UTC, whole seconds
    t.string('log_type', 8).notNullable(); // IN | OUT | AUTO
    t.string('device_id', 64).nullable();
    t.string('shift_type', 140).nullable();
    t.integer('attendance_id').unsigned().nullable().references('id').inTable('attendance');
    t.boolean('skip_auto_attendance').notNullable().defaultTo(false);
    coordinates(t);
    instant(t, 'created_at').notNullable();
    // As HRMS: one log per employee, second and log type.
    t.unique(['employee_id', 'time', 'log_type']);
    t.index(['time']);
    t.index(['attendance_id']);
  });

  await createTable(knex, 'punches', (t) => {
    t.bigIncrements('id');
    t.string('device_serial', 64).notNullable(); // the terminal's serial, or the JSON client's device id
    t.string('device_id', 64).nullable(); // the JSON API's device_id / location label, when sent
    t.string('site', 64).notNullable().defaultTo('main'); // the device's site: where the user id is matched
    t.string('device_user_id', 64).notNullable();
    t.string('local_time', 19).notNullable(); // device wall time as sent, YYYY-MM-DD HH:MM:SS
    instant(t, 'punched_at').notNullable(); // the UTC instant
    t.string('time_zone', 64).notNullable(); // the zone used to get punched_at
    t.string('log_type', 8).notNullable(); // IN | OUT | AUTO
    t.integer('punch_state').nullable();
    t.integer('verify_mode').nullable();
    t.string('work_code', 32).nullable();
    coordinates(t);
    t.string('source', 16).notNullable(); // adms | json | replay | …
    t.string('status', 16).notNullable(); // matched | unmatched | suspect_time | …
    t.integer('employee_id').unsigned().nullable().references('id').inTable('employees');
    // The check-in this punch is recorded as; several punches of one second share one.
    t.bigInteger('checkin_id').unsigned().nullable().references('id').inTable('checkins');
    instant(t, 'received_at').notNullable();
    // A resent punch is the same row: this is what makes ingest idempotent.
    t.unique(['device_serial', 'device_user_id', 'local_time']);
    t.index(['punched_at']);
    t.index(['status', 'punched_at']);
    t.index(['site', 'device_user_id', 'status']);
    t.index(['employee_id', 'punched_at']);
    t.index(['checkin_id']);
  });

  await createTable(knex, 'shift_assignments', (t) => {
    t.increments('id');
    t.integer('employee_id').unsigned().notNullable().references('id').inTable('employees');
    t.integer('shift_type_id').unsigned().notNullable().references('id').inTable('shift_types');
    t.date('start_date').notNullable();
    t.date('end_date').nullable(); // open-ended when null
    t.string('status', 16).notNullable().defaultTo('Active'); // Active | Inactive
    instant(t, 'created_at').notNullable();
    instant(t, 'updated_at').notNullable();
    t.index(['employee_id', 'start_date']);
  });

  await createTable(knex, 'device_commands', (t) => {
    t.bigIncrements('id'); // also the id sent to the device in C:<id>:<command>
    t.string('device_serial', 64).notNullable();
    t.text('command').notNullable();
    t.string('state', 16).notNullable().defaultTo('pending'); // pending | sent | succeeded | failed | expired
    t.integer('tries').notNullable().defaultTo(0);
    t.integer('return_code').nullable();
    t.text('result', 'mediumtext').nullable();
    t.string('created_by', 200).nullable();
    instant(t, 'created_at').notNullable();
    instant(t, 'sent_at').nullable();
    instant(t, 'completed_at').nullable();
    t.index(['device_serial', 'state', 'id']);
  });

  await createTable(knex, 'sync_log', (t) => {
    t.bigIncrements('id');
    t.string('channel', 16).notNullable(); // adms | json
    t.string('endpoint', 200).notNullable();
    t.string('device', 64).nullable();
    t.string('status', 16).notNullable(); // received | processed | error
    t.integer('records_total').notNullable().defaultTo(0);
    t.integer('records_created').notNullable().defaultTo(0);
    t.integer('records_duplicate').notNullable().defaultTo(0);
    t.integer('records_failed').notNullable().defaultTo(0);
    t.text('error').nullable();
    t.string('remote_address', 64).nullable();
    t.integer('duration_ms').nullable();
    instant(t, 'received_at').notNullable();
    instant(t, 'processed_at').nullable();
    t.index(['received_at']);
    t.index(['device', 'received_at']);
    t.index(['status', 'received_at']);
  });

  await createTable(knex, 'api_keys', (t) => {
    t.increments('id');
    t.string('api_key', 32).notNullable().unique();
    t.string('secret_hash', 128).notNullable(); // scrypt$N$r$p$salt$hash, hex
    t.string('label', 200).notNullable();
    t.string('role', 16).notNullable(); // ingest | admin
    instant(t, 'created_at').notNullable();
    instant(t, 'last_used_at').nullable();
    instant(t, 'revoked_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'api_keys',
    'sync_log',
    'device_commands',
    'shift_assignments',
    'punches',
    'checkins',
    'attendance',
    'employees',
    'shift_types',
    'devices',
    'series',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
