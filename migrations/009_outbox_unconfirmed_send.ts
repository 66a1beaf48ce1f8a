// A send whose outcome iclockd does not know (no answer in time, the connection lost after the
// request went out, a worker that died holding the row) must not be followed by a blind resend:
// the row remembers when that send started, and the next try looks the record up at the target
// first. remote_ref is indexed per target so a "duplicate" answer naming a record another
// row already delivered is recognised as that row's record, not this one's.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (t) => {
    t.bigInteger('unconfirmed_send_ms').nullable();
    t.index(['target_id', 'remote_ref']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (t) => {
    t.dropIndex(['target_id', 'remote_ref']);
    t.dropColumn('unconfirmed_send_ms');
  });
}
