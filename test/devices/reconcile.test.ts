// The nightly reconciliation runs once a day for the whole deployment: two instances, or a
// restart, tick past ICLOCKD_RECONCILE_AT and only one of them queues the day's checks.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemClock } from '../../src/clock.js';
import { CommandQueue } from '../../src/devices/commands.js';
import { Reconciler } from '../../src/devices/reconcile.js';
import { createLogger } from '../../src/log.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';

const log = createLogger('silent');
const settings = { timeZone: 'Asia/Riyadh', reconcileAt: '03:00' };

describe(`nightly reconciliation on ${testDialect()}`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase();
    for (const serial of ['NIGHT1', 'NIGHT2']) {
      await t.db.knex('devices').insert({ serial, state: 'approved', site: 'main', created_at: '2026-01-01 00:00:00', updated_at: '2026-01-01 00:00:00' });
    }
  });
  after(async () => {
    await t.cleanup();
  });

  const instance = () => {
    const deps = { knex: t.db.knex, logger: log, clock: systemClock };
    return new Reconciler({ ...deps, commands: new CommandQueue(deps), settings });
  };
  const queued = async () => ((await t.db.knex('device_commands').where('created_by', 'reconcile').count({ n: '*' })) as { n: number }[])[0]!.n;

  test('not before the hour; then once for two instances at the same minute; not again after a restart; again the next day', async () => {
    const a = instance();
    const b = instance();
    assert.equal(await a.tick(new Date('2026-03-10T23:30:00Z')), false, '02:30 in Riyadh: not yet');
    assert.equal(Number(await queued()), 0);

    const both = await Promise.all([a.tick(new Date('2026-03-11T00:05:00Z')), b.tick(new Date('2026-03-11T00:05:00Z'))]);
    assert.deepEqual(both.sort(), [false, true], 'one instance runs it');
    assert.equal(Number(await queued()), 2, 'one check per terminal');

    const restarted = instance();
    assert.equal(await restarted.tick(new Date('2026-03-11T09:00:00Z')), false, 'a restart the same day queues nothing');
    assert.equal(Number(await queued()), 2);

    assert.equal(await restarted.tick(new Date('2026-03-12T00:10:00Z')), true, 'the next day');
    assert.equal(Number(await queued()), 4);
  });
});
