// Group commit: concurrent work shares transactions; a failing piece rolls back alone; every
// caller is answered after its work committed; a unique-key race is retried.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GroupCommit } from '../../src/store/groupCommit.js';
import { type TestDatabase, testDialect, openTestDatabase } from '../helpers/db.js';

describe(`GroupCommit on ${testDialect()}`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase();
    await t.db.knex.schema.createTable('gc_rows', (table) => {
      table.increments('id');
      table.string('name', 32).notNullable().unique();
    });
  });
  after(async () => {
    await t.cleanup();
  });

  test('fifty concurrent writers commit in fewer transactions, each answered with its own result', async () => {
    const commits = new GroupCommit(t.db.knex, 1);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        commits.run(async (trx) => {
          await trx('gc_rows').insert({ name: `a${i}` });
          return i;
        }),
      ),
    );
    assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => i));
    assert.equal(Number(((await t.db.knex('gc_rows').where('name', 'like', 'a%').count({ n: '*' })) as { n: number }[])[0]!.n), 50);
    assert.equal(commits.committed.works, 50);
    assert.ok(commits.committed.transactions < 50, `${commits.committed.transactions} transactions`);
  });

  test('a piece that fails rolls back alone; the others beside it commit', async () => {
    const commits = new GroupCommit(t.db.knex, 1);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        commits.run(async (trx) => {
          await trx('gc_rows').insert({ name: `b${i}` });
          if (i === 4) throw new Error('bad record');
          return i;
        }),
      ),
    );
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 9);
    assert.match(String((outcomes[4] as PromiseRejectedResult).reason), /bad record/);
    const names = ((await t.db.knex('gc_rows').where('name', 'like', 'b%').select('name')) as { name: string }[]).map((r) => r.name).sort();
    assert.deepEqual(names, ['b0', 'b1', 'b2', 'b3', 'b5', 'b6', 'b7', 'b8', 'b9']);
  });

  test('a unique-key clash is tried again (and fails only if it persists)', async () => {
    const commits = new GroupCommit(t.db.knex, 1);
    let tries = 0;
    const [first, clash] = await Promise.allSettled([
      commits.run((trx) => trx('gc_rows').insert({ name: 'c1' })),
      commits.run(async (trx) => {
        tries++;
        // Reads nothing first, as a racing writer would: the insert hits the key.
        await trx('gc_rows').insert({ name: 'c1' });
      }),
    ]);
    assert.equal(first.status, 'fulfilled');
    assert.equal(clash.status, 'rejected');
    assert.ok(tries > 1, `tried ${tries} times`);
    // Work that re-reads on retry succeeds, as ingest does.
    const value = await commits.run(async (trx) => ((await trx('gc_rows').where({ name: 'c1' }).first('name')) as { name: string }).name);
    assert.equal(value, 'c1');
  });
});
