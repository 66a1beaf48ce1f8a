// Forwarding check-ins to other systems (ERPNext/HRMS, webhooks) through a durable outbox:
// the targets, and one outbox row per check-in and target, written in the check-in's own
// transaction. Scheduling columns are epoch milliseconds (BIGINT): backoff and claims need
// sub-second precision and must compare the same way on both databases.
import type { Knex } from 'knex';
import { createTable, instant } from './portable.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'outbox_targets', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable().unique();
    t.string('kind', 16).notNullable(); // erpnext | webhook
    t.string('url', 500).notNullable();
    t.string('state', 16).notNullable().defaultTo('active'); // active | paused (by an operator) | error (credentials refused)
    t.text('state_reason').nullable();
    t.text('settings').notNullable(); // JSON, no secrets
    t.text('secret').nullable(); // the ERPNext API secret or the webhook signing secret; never shown
    instant(t, 'last_delivered_at').nullable();
    t.text('last_error').nullable();
    instant(t, 'last_error_at').nullable();
    instant(t, 'created_at').notNullable();
    instant(t, 'updated_at').notNullable();
  });

  await createTable(knex, 'outbox', (t) => {
    t.bigIncrements('id');
    t.integer('target_id').unsigned().notNullable().references('id').inTable('outbox_targets');
    t.string('event', 32).notNullable(); // checkin.created
    t.bigInteger('checkin_id').unsigned().notNullable().references('id').inTable('checkins');
    // Rows of one employee go out in id order, per target.
    t.integer('employee_id').unsigned().notNullable().references('id').inTable('employees');
    t.string('idempotency_key', 64).notNullable().unique();
    t.string('state', 16).notNullable(); // pending | delivered | rejected | dead
    t.integer('tries').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_ms').notNullable();
    t.string('claimed_by', 100).nullable();
    t.bigInteger('claim_until_ms').nullable();
    t.string('failure_reason', 32).nullable(); // why the last attempt failed (employee_not_found, http_503, timeout, …)
    t.text('last_error').nullable();
    t.integer('last_status').nullable(); // HTTP status of the last answer
    t.string('remote_ref', 140).nullable(); // e.g. the ERPNext Employee Checkin name
    instant(t, 'created_at').notNullable();
    instant(t, 'last_attempt_at').nullable();
    instant(t, 'delivered_at').nullable();
    t.unique(['target_id', 'checkin_id', 'event']);
    t.index(['state', 'next_attempt_ms']);
    t.index(['target_id', 'employee_id', 'state', 'id']);
    t.index(['employee_id', 'state']);
    t.index(['checkin_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('outbox');
  await knex.schema.dropTableIfExists('outbox_targets');
}
