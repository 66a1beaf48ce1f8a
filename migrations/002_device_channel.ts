// The ADMS device channel: what the registry keeps per terminal, and the request archive
// (every device upload's bytes, written in the same transaction as what was parsed from it).
import type { Knex } from 'knex';
import { isMysql, createTable } from './portable.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('devices', (t) => {
    t.integer('language').nullable();
    t.string('device_type', 32).nullable();
    t.string('push_generation', 8).nullable(); // admin override: '2' or '3'; null = from pushver
    t.string('attlog_stamp', 32).nullable();
    t.string('operlog_stamp', 32).nullable();
    t.string('attphoto_stamp', 32).nullable();
    t.string('biodata_stamp', 32).nullable();
    t.text('info').nullable(); // JSON: the last INFO counts
    t.text('options').nullable(); // JSON: the last table=options / registry body
    t.dateTime('info_at', { precision: 0, useTz: false }).nullable();
    // Arrival time minus punch time of the last real-time upload: a wrong clock or zone shows at once.
    t.integer('clock_drift_seconds').nullable();
    t.dateTime('clock_drift_at', { precision: 0, useTz: false }).nullable();
  });

  await createTable(knex, 'device_requests', (t) => {
    t.bigIncrements('id');
    t.string('device_serial', 64).nullable();
    t.string('method', 8).notNullable();
    t.string('path', 200).notNullable();
    t.text('query').notNullable();
    t.specificType('body', isMysql(knex) ? 'LONGBLOB' : 'BLOB').notNullable();
    t.string('remote_address', 64).nullable();
    t.dateTime('received_at', { precision: 0, useTz: false }).notNullable();
    // processed | quarantined (device pending approval) | unparsed (lines the codec could not read) | unknown (path or table)
    t.string('outcome', 16).notNullable();
    t.integer('records').notNullable().defaultTo(0);
    t.integer('rejected_lines').notNullable().defaultTo(0);
    t.text('error').nullable();
    t.index(['device_serial', 'received_at']);
    t.index(['outcome', 'id']);
    t.index(['received_at']);
  });

  // The user directory each terminal reports in OPERLOG USER records.
  await createTable(knex, 'device_users', (t) => {
    t.bigIncrements('id');
    t.string('device_serial', 64).notNullable();
    t.string('pin', 64).notNullable();
    t.string('name', 200).notNullable().defaultTo('');
    t.integer('privilege').nullable();
    t.string('card', 64).nullable();
    t.dateTime('updated_at', { precision: 0, useTz: false }).notNullable();
    t.unique(['device_serial', 'pin']);
  });

  // Biometric templates (FP, FACE, FVEIN, BIODATA, …): only with ICLOCKD_STORE_TEMPLATES=1.
  await createTable(knex, 'device_templates', (t) => {
    t.bigIncrements('id');
    t.string('device_serial', 64).notNullable();
    t.string('pin', 64).notNullable();
    t.string('kind', 16).notNullable();
    t.string('slot', 64).notNullable(); // FID / No+Index+Type: which template of the user
    t.text('fields', 'longtext').notNullable(); // JSON of the record's fields, as sent
    t.dateTime('updated_at', { precision: 0, useTz: false }).notNullable();
    t.unique(['device_serial', 'pin', 'kind', 'slot']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('device_templates');
  await knex.schema.dropTableIfExists('device_users');
  await knex.schema.dropTableIfExists('device_requests');
  await knex.schema.alterTable('devices', (t) => {
    t.dropColumns('language', 'device_type', 'push_generation', 'attlog_stamp', 'operlog_stamp', 'attphoto_stamp', 'biodata_stamp', 'info', 'options', 'info_at', 'clock_drift_seconds', 'clock_drift_at');
  });
}
