// Terminals read over the ZK binary protocol (TCP 4370) by the poller (src/poller/): where each
// is, how to read it, what was read of its log (the cursor), the lease of the instance reading
// it now, and the outcome of the last poll. The terminal itself is its `devices` row (site, zone,
// clock drift), shared with ADMS when the same terminal also pushes.
import type { Knex } from 'knex';
import { createTable, instant } from './portable.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'zk_pollers', (t) => {
    t.string('device_serial', 64).notNullable().primary();
    t.string('host', 253).notNullable();
    t.integer('port').notNullable();
    t.bigInteger('comm_key').notNullable().defaultTo(0);
    t.integer('interval_seconds').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    /** Clear the terminal's log once what it held is committed (the operator's choice). */
    t.boolean('clear_after_read').notNullable().defaultTo(false);
    /** Set the terminal's clock when it is off by more than ICLOCKD_CLOCK_DRIFT_SECONDS (the operator's choice). */
    t.boolean('set_clock').notNullable().defaultTo(false);
    // The cursor: records committed from the log, and the last of them (PIN, wall time).
    t.integer('cursor_count').notNullable().defaultTo(0);
    t.string('cursor_pin', 64).nullable();
    t.string('cursor_time', 19).nullable();
    t.string('lease_owner', 64).nullable();
    instant(t, 'lease_until').nullable();
    instant(t, 'next_poll_at').notNullable();
    t.integer('failures').notNullable().defaultTo(0);
    instant(t, 'last_poll_at').nullable();
    instant(t, 'last_success_at').nullable();
    t.string('last_error_kind', 32).nullable();
    t.text('last_error').nullable();
    // GET_FREE_SIZES at the last poll.
    t.integer('records').nullable();
    t.integer('records_capacity').nullable();
    t.integer('users').nullable();
    t.integer('users_capacity').nullable();
    instant(t, 'created_at').notNullable();
    instant(t, 'updated_at').notNullable();
    t.index(['enabled', 'next_poll_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('zk_pollers');
}
