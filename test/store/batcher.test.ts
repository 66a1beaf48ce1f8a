// The batcher: concurrent items share a flush, each caller gets its own result, a failing
// item fails alone when asked to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Batcher } from '../../src/store/batcher.js';

test('items added in one turn share a flush, items added while it runs share the next, each gets its own result', async () => {
  const flushes: number[][] = [];
  const b = new Batcher<number, number>(async (items) => {
    flushes.push(items);
    await new Promise((r) => setTimeout(r, 5));
    return items.map((n) => n * 10);
  });
  const first = Promise.all([1, 2].map((n) => b.add(n)));
  await new Promise((r) => setImmediate(r)); // the first flush has started
  const second = Promise.all([3, 4, 5].map((n) => b.add(n)));
  assert.deepEqual(await first, [10, 20]);
  assert.deepEqual(await second, [30, 40, 50]);
  assert.deepEqual(flushes, [
    [1, 2],
    [3, 4, 5],
  ]);
});

test('a flush takes items up to the weight limit, and at least one however heavy', async () => {
  const flushes: number[][] = [];
  const b = new Batcher<number, number>(
    async (items) => {
      flushes.push(items);
      return items;
    },
    { weight: (n) => n, maxWeight: 10 },
  );
  await Promise.all([1, 4, 5, 3, 20, 2].map((n) => b.add(n)));
  assert.deepEqual(flushes, [[1, 4, 5], [3], [20], [2]]);
});

test('with isolateFailures a bad item fails alone; without, the whole flush fails', async () => {
  const flush = async (items: number[]) => {
    if (items.includes(13)) throw new Error('unlucky');
    return items;
  };
  const isolated = new Batcher<number, number>(flush, { isolateFailures: true });
  const settled = await Promise.allSettled([1, 2, 13, 4].map((n) => isolated.add(n)));
  assert.deepEqual(
    settled.map((s) => s.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
  );
  const together = new Batcher<number, number>(flush);
  const all = await Promise.allSettled([1, 2, 13, 4].map((n) => together.add(n)));
  assert.deepEqual(
    all.map((s) => s.status),
    ['rejected', 'rejected', 'rejected', 'rejected'],
  );
});

test('concurrency lets several flushes run at once', async () => {
  let running = 0;
  let most = 0;
  const b = new Batcher<number, number>(
    async (items) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return items;
    },
    { concurrency: 3, maxWeight: 1 },
  );
  await Promise.all([1, 2, 3, 4, 5, 6].map((n) => b.add(n)));
  assert.equal(most, 3);
});
