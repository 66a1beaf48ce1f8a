// The web console: sessions (a random id's hash → the admin key that signed in), and each
// terminal's contacts per five-minute bucket, for its 24-hour timeline (heartbeats are not
// logged row by row; these counts are flushed with the batched last-seen times).
import type { Knex } from 'knex';
import { createTable, instant } from './portable.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'console_sessions', (t) => {
    t.increments('id');
    t.string('token_hash', 64).notNullable().unique(); // SHA-256 (hex) of the cookie's value; the value itself is never stored
    t.string('api_key', 32).notNullable(); // the key that signed in: revoking it ends the session
    instant(t, 'created_at').notNullable();
    instant(t, 'expires_at').notNullable();
    t.index(['expires_at']);
  });

  await createTable(knex, 'device_heartbeats', (t) => {
    t.bigIncrements('id');
    t.string('device_serial', 64).notNullable();
    instant(t, 'bucket_at').notNullable(); // start of the five-minute bucket, UTC
    t.integer('requests').notNullable().defaultTo(0);
    t.unique(['device_serial', 'bucket_at']);
    t.index(['bucket_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('device_heartbeats');
  await knex.schema.dropTableIfExists('console_sessions');
}
