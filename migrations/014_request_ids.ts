// The id each inbound request is known by (src/http/requestId.ts), on both rows it leaves: the
// archived device request and its sync-log row, so the sync log names the request it archived
// instead of guessing it by device, second and record count. Rows written before have none.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  for (const table of ['device_requests', 'sync_log']) {
    await knex.schema.alterTable(table, (t) => {
      t.string('request_id', 32).nullable();
      t.index(['request_id']);
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['device_requests', 'sync_log']) {
    await knex.schema.alterTable(table, (t) => {
      t.dropIndex(['request_id']);
      t.dropColumn('request_id');
    });
  }
}
