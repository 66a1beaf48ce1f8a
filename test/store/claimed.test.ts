// A claim (a command, outbox rows, a day's job, a poller lease) is one guarded UPDATE. When it
// loses a write conflict (a deadlock here; on Galera a certification conflict with another
// node's claim) it is rolled back: the other writer has the rows, so this claim got nothing. It
// must say so, not throw (a worker's tick or a terminal's poll failing with 1213).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { claimed } from '../../src/store/transaction.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';
import { loseDeadlock } from '../helpers/deadlock.js';

let t: TestDatabase;
before(async () => {
  t = await openTestDatabase();
  const at = '2026-01-01 00:00:00';
  await t.db.knex('devices').insert(['CLAIM-A', 'CLAIM-B'].map((serial) => ({ serial, state: 'approved', created_at: at, updated_at: at })));
});
after(async () => {
  await t.cleanup();
});

test('a claim that loses a deadlock claimed nothing (0 rows), and the winner keeps what it wrote', { skip: testDialect() !== 'mysql' && 'SQLite has one writer: no deadlock', timeout: 60_000 }, async () => {
  const knex = t.db.knex;
  // The claim takes CLAIM-A and waits for CLAIM-B, held by a heavier winner that then wants CLAIM-A.
  const result = await loseDeadlock(knex, { first: { serial: 'CLAIM-A', alias: 'winner' }, second: { serial: 'CLAIM-B', alias: 'winner' }, winnerPrefix: 'WINNER' }, () =>
    claimed(knex('devices').whereIn('serial', ['CLAIM-A', 'CLAIM-B']).whereNull('alias').update({ alias: 'claim' })),
  );
  assert.equal(result, 0);
  const aliases = (await knex('devices').whereIn('serial', ['CLAIM-A', 'CLAIM-B']).orderBy('serial').pluck('alias')) as string[];
  assert.deepEqual(aliases, ['winner', 'winner']);
});

test('any other failure of a claim is still an error', async () => {
  await assert.rejects(claimed(t.db.knex('no_such_table').update({ x: 1 })));
});
