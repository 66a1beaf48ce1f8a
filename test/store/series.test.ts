// Series numbers: unique across concurrent transactions and processes, and never a reason for a
// transaction to ask for a second connection. On MySQL they come from a block reserved ahead
// (committed), so a transaction that took numbers does not hold the next one up until it commits.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seriesRefilled, takeSeriesNumbers, takeSeriesNumbersFor } from '../../src/store/series.js';
import { openDatabase, closeDatabase } from '../../src/store/db.js';
import { transactionWithRetry } from '../../src/store/transaction.js';
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

  test('from the reserve: a transaction left open does not hold the next taker, and what a rolled-back one took is not reused', { skip: testDialect() !== 'mysql' && 'SQLite has one connection: numbers are taken inside the transaction' }, async () => {
    const knex = t.db.knex;
    // The first take finds no reserve (inside its transaction) and starts a refill.
    assert.deepEqual(await knex.transaction((trx) => takeSeriesNumbersFor(knex, trx, 'A-', 2)), [1, 2]);
    await seriesRefilled(knex);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let firstTaken!: (n: number[]) => void;
    const first = new Promise<number[]>((r) => (firstTaken = r));
    const open = knex
      .transaction(async (trx) => {
        firstTaken(await takeSeriesNumbersFor(knex, trx, 'A-', 10));
        await held;
        throw new Error('roll back');
      })
      .catch((e: Error) => e.message);
    assert.deepEqual(await first, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // Taken inside the open transaction, this would wait for its row lock (and time out).
    assert.deepEqual(await knex.transaction((trx) => takeSeriesNumbersFor(knex, trx, 'A-', 3)), [13, 14, 15]);
    release();
    assert.equal(await open, 'roll back');
    assert.deepEqual(await knex.transaction((trx) => takeSeriesNumbersFor(knex, trx, 'A-', 1)), [16]);
  });

  test('a fresh series starts at 1, and the reserve continues after what was taken inside the transaction', { skip: testDialect() !== 'mysql' && 'SQLite takes every number inside the transaction' }, async () => {
    const knex = t.db.knex;
    for (let i = 0; i < 20; i++) {
      const prefix = `F${i}-`;
      assert.deepEqual(await knex.transaction((trx) => takeSeriesNumbersFor(knex, trx, prefix, 2)), [1, 2], prefix);
      await seriesRefilled(knex);
      assert.deepEqual(await knex.transaction((trx) => takeSeriesNumbersFor(knex, trx, prefix, 1)), [3], prefix);
    }
  });

  test('two processes never hand out the same number, and no taker needs a second connection', { skip: testDialect() !== 'mysql' && 'SQLite has one connection and one writer' }, async () => {
    // Two pools on the same database, as two instances.
    const other = await openDatabase(t.url);
    try {
      const takers = [t.db.knex, other.knex];
      const taken: number[] = [];
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const knex = takers[i % 2]!;
          // Retried as every caller's transaction is: the counter's first row, inserted by two
          // at once, can deadlock on its unique key (MariaDB, seen in a run).
          return transactionWithRetry(knex, (trx) => takeSeriesNumbersFor(knex, trx, 'B-', 1 + (i % 7))).then((numbers) => taken.push(...numbers));
        }),
      );
      assert.equal(new Set(taken).size, taken.length, 'unique');
      assert.equal(taken.length, Array.from({ length: 40 }, (_, i) => 1 + (i % 7)).reduce((a, b) => a + b, 0));
    } finally {
      await seriesRefilled(other.knex);
      await closeDatabase(other);
    }
  });

  test('a take that failed inside its transaction still starts the refill, so the next take does not wait on the counter row', { skip: testDialect() !== 'mysql' && 'SQLite takes every number inside the transaction' }, async () => {
    await t.db.knex.transaction((trx) => takeSeriesNumbers(trx, 'W-', 1)); // the counter row exists
    const fresh = await openDatabase(t.url); // a process with nothing reserved yet
    const holdRow = async () => {
      const trx = await t.db.knex.transaction();
      await trx('series').where({ prefix: 'W-' }).forUpdate().first();
      return trx;
    };
    const takeImpatiently = () =>
      fresh.knex.transaction(async (trx) => {
        await trx.raw('SET SESSION innodb_lock_wait_timeout = 1');
        return takeSeriesNumbersFor(fresh.knex, trx, 'W-', 2);
      });
    try {
      const holder = await holdRow();
      // Nothing reserved: taken inside the transaction, which waits for the row and gives up.
      await assert.rejects(takeImpatiently(), (err: { code?: string }) => err.code === 'ER_LOCK_WAIT_TIMEOUT');
      await holder.commit();
      await seriesRefilled(fresh.knex);
      const again = await holdRow();
      try {
        // From the block the failed take's refill reserved: the held row is not touched.
        const numbers = await takeImpatiently();
        assert.equal(numbers.length, 2);
        assert.ok(numbers[0]! > 1, `after the number taken first, not ${numbers[0]}`);
      } finally {
        await again.commit();
      }
    } finally {
      await seriesRefilled(fresh.knex);
      await closeDatabase(fresh);
    }
  });

  test('on SQLite, numbers are taken inside the transaction: a rollback gives them back', { skip: testDialect() !== 'sqlite' && 'MySQL takes them from a committed reserve' }, async () => {
    const knex = t.db.knex;
    await knex
      .transaction(async (trx) => {
        assert.deepEqual(await takeSeriesNumbersFor(knex, trx, 'S-', 4), [1, 2, 3, 4]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    assert.deepEqual(await knex.transaction((trx) => takeSeriesNumbersFor(knex, trx, 'S-', 1)), [1]);
  });
});
