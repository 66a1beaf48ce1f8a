// The pipeline's one door: concurrent submissions share a transaction, each answered with its
// own results once it committed; what a channel writes with its punches commits or rolls back
// with them; one submission that fails never fails the others beside it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EmployeeService } from '../../src/employees/service.js';
import { type AlsoWrite, IngestService } from '../../src/pipeline/ingest.js';
import type { IngestResult } from '../../src/pipeline/outcome.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';
import { makePunch } from '../helpers/punch.js';

const NOW = new Date('2025-06-01T12:00:00Z');

describe(`pipeline.submit on ${testDialect()}`, () => {
  let t: TestDatabase;
  let ingest: IngestService;
  before(async () => {
    t = await openTestDatabase();
    await t.db.knex.schema.createTable('side_rows', (table) => {
      table.increments('id');
      table.string('name', 32).notNullable().unique();
    });
    ingest = new IngestService({ knex: t.db.knex, settings: { timeZone: 'UTC', futureWindowHours: 24, timeFloor: '2010-01-01' }, clock: () => NOW });
    await new EmployeeService({ knex: t.db.knex, ingest, clock: () => NOW }).create({ employee: 'E1', name: 'One', attendance_device_id: '1' });
  });
  after(async () => {
    await t.cleanup();
  });

  const punchesStored = async (serial: string) => Number(((await t.db.knex('punches').where({ device_serial: serial }).count({ n: '*' })) as { n: number }[])[0]!.n);
  const sideRows = async (prefix: string) => ((await t.db.knex('side_rows').where('name', 'like', `${prefix}%`).orderBy('name').select('name')) as { name: string }[]).map((r) => r.name);

  test('fifty concurrent submissions commit in fewer transactions; each gets its own results and its own alsoWrite value', async () => {
    const before = { ...ingest.committedBatches };
    /** One `all` shared by every submission: called once per batch with the values of its submissions. */
    const allCalls: string[][] = [];
    const all = async (trx: Parameters<AlsoWrite<string>['each']>[0], names: string[]) => {
      allCalls.push(names);
      await trx('side_rows').insert(names.map((name) => ({ name })));
    };
    const submitted = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        ingest.submit({
          punches: [makePunch('1', `2025-05-01 08:${String(i).padStart(2, '0')}:00`, { deviceSerial: 'DOOR-A' })],
          alsoWrite: { each: (_trx, results: IngestResult[]) => `a${String(i).padStart(2, '0')}:${results[0]!.outcome}`, all },
        }),
      ),
    );
    assert.deepEqual(
      submitted.map((s) => s.written),
      Array.from({ length: 50 }, (_, i) => `a${String(i).padStart(2, '0')}:created`),
    );
    assert.ok(submitted.every((s) => s.results.length === 1 && s.results[0]!.outcome === 'created'));
    assert.equal(await punchesStored('DOOR-A'), 50);
    assert.equal((await sideRows('a')).length, 50);
    const batches = ingest.committedBatches.batches - before.batches;
    assert.equal(ingest.committedBatches.submissions - before.submissions, 50);
    assert.ok(batches < 50, `${batches} transactions for 50 submissions`);
    assert.equal(allCalls.length, batches, 'all runs once per batch');
    assert.equal(allCalls.flat().length, 50);
  });

  test('a submission whose alsoWrite fails rolls back with its punches; the others in its batch commit', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        ingest.submit({
          punches: [makePunch('1', `2025-05-02 08:0${i}:00`, { deviceSerial: 'DOOR-B' })],
          alsoWrite: {
            each: async (trx) => {
              await trx('side_rows').insert({ name: `b${i}` });
              if (i === 4) throw new Error('bad record');
            },
          },
        }),
      ),
    );
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 9);
    assert.match(String((outcomes[4] as PromiseRejectedResult).reason), /bad record/);
    assert.deepEqual(await sideRows('b'), ['b0', 'b1', 'b2', 'b3', 'b5', 'b6', 'b7', 'b8', 'b9']);
    assert.equal(await punchesStored('DOOR-B'), 9, 'the failed submission\'s punch is not stored');
  });

  test('a punch resent in another submission of the same batch is a duplicate of the first, stored once', async () => {
    const p = makePunch('1', '2025-05-03 08:00:00', { deviceSerial: 'DOOR-C' });
    const [first, second] = await Promise.all([ingest.submit({ punches: [p] }), ingest.submit({ punches: [{ ...p }] })]);
    assert.equal(first.results[0]!.outcome, 'created');
    assert.equal(second.results[0]!.outcome, 'duplicate');
    assert.equal(await punchesStored('DOOR-C'), 1);
  });

  test('a submission without punches still runs its alsoWrite in a transaction', async () => {
    const { results, written } = await ingest.submit({ punches: [], alsoWrite: { each: async (trx) => (await trx('side_rows').insert({ name: 'c-none' }), 'done') } });
    assert.deepEqual(results, []);
    assert.equal(written, 'done');
    assert.deepEqual(await sideRows('c-'), ['c-none']);
  });
});
