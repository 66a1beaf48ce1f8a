// Series numbers: unique across concurrent transactions; on MySQL taken "apart" (committed at
// once), so a transaction that took numbers does not hold the next one up until it commits.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { takeSeriesNumbers, takeSeriesNumbersApart } from '../../src/store/series.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';

describe(`series on ${testDialect()}`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase();
  });
  after(async () => {
    await t.cleanup();
  });

  test('numbers in one transaction follow each other', async () => {
    const knex = t.db.knex;
    const [a, b] = await knex.transaction(async (trx) => [await takeSeriesNumbers(trx, 'T-', 3), await takeSeriesNumbers(trx, 'T-', 2)]);
    assert.deepEqual([a, b], [1, 4]);
  });

  test('taken apart: a transaction left open does not hold the next taker, and what a rolled-back one took is not reused', { skip: testDialect() !== 'mysql' && 'SQLite has one connection: numbers are taken inside the transaction' }, async () => {
    const knex = t.db.knex;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let firstTaken!: (n: number) => void;
    const first = new Promise<number>((r) => (firstTaken = r));
    const open = knex
      .transaction(async (trx) => {
        firstTaken(await takeSeriesNumbersApart(knex, trx, 'A-', 10));
        await held;
        throw new Error('roll back');
      })
      .catch((e: Error) => e.message);
    assert.equal(await first, 1);
    // With numbers taken inside the open transaction, this would wait for its row lock (and time out).
    const second = await knex.transaction((trx) => takeSeriesNumbersApart(knex, trx, 'A-', 5));
    assert.equal(second, 11);
    release();
    assert.equal(await open, 'roll back');
    assert.equal(await knex.transaction((trx) => takeSeriesNumbersApart(knex, trx, 'A-', 1)), 16);
  });

  test('on SQLite, numbers taken apart are inside the transaction: a rollback gives them back', { skip: testDialect() !== 'sqlite' && 'MySQL commits them at once' }, async () => {
    const knex = t.db.knex;
    await knex.transaction(async (trx) => {
      assert.equal(await takeSeriesNumbersApart(knex, trx, 'S-', 4), 1);
      throw new Error('roll back');
    }).catch(() => undefined);
    assert.equal(await knex.transaction((trx) => takeSeriesNumbersApart(knex, trx, 'S-', 1)), 1);
  });
});
