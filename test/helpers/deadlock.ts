// A real InnoDB deadlock with a chosen victim (MySQL only): what a write meets on one server when
// another writer takes the same rows in the other order, and, on Galera, what a certification
// conflict with another node's write looks like to iclockd (1213).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';

const AT = '2026-01-01 00:00:00';

/** A terminal's row and the alias the winner gives it. */
export interface DeviceAlias {
  serial: string;
  alias: string;
}

/**
 * Runs `victim`, which must lock `devices` row `first` and then wait for row `second`, against a
 * winner that holds `second`, then wants `first`. The winner wrote more rows (50 devices named
 * `<winnerPrefix>-N`), so InnoDB rolls the victim back. The winner sets each row's alias as
 * given and commits. Returns what the victim returned, or what it threw.
 */
export async function loseDeadlock<T>(
  knex: Knex,
  rows: { first: DeviceAlias; second: DeviceAlias; winnerPrefix: string },
  victim: () => Promise<T>,
): Promise<T | Error> {
  const winner = await knex.transaction();
  try {
    await winner('devices').insert(Array.from({ length: 50 }, (_, i) => ({ serial: `${rows.winnerPrefix}-${i}`, state: 'approved', created_at: AT, updated_at: AT })));
    await winner('devices').where({ serial: rows.second.serial }).update({ alias: rows.second.alias });
    const lost = victim().catch((err: Error) => err);
    await sleep(500); // the victim has taken `first` and waits for `second`
    await winner('devices').where({ serial: rows.first.serial }).update({ alias: rows.first.alias });
    await winner.commit();
    return await lost;
  } finally {
    if (!winner.isCompleted()) await winner.rollback();
  }
}
