// The command queue and the heartbeat path against the database of this run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { type Clock, systemClock } from '../../src/clock.js';
import { DeviceCache } from '../../src/devices/cache.js';
import { CommandQueue } from '../../src/devices/commands.js';
import { DeviceRegistry } from '../../src/devices/registry.js';
import { createLogger } from '../../src/log.js';
import { listDeviceHeartbeats } from '../../src/store/deviceHeartbeats.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';

const log = createLogger('silent');

/** A registry as one server process has it (its own device cache unless given), approving new terminals. */
function registryOf(knex: Knex, clock: Clock = systemClock, cache = new DeviceCache({ knex, clock, logger: log })): DeviceRegistry {
  return new DeviceRegistry({ knex, cache, settings: { timeZone: 'UTC', devicePolicy: 'approve' }, logger: log, clock });
}

describe(`command queue on ${testDialect()}`, () => {
  let t: TestDatabase;
  let clock = new Date('2026-01-01T00:00:00Z');
  const now = () => clock;
  before(async () => {
    t = await openTestDatabase();
  });
  after(async () => {
    await t.cleanup();
  });

  test('a sent command without a result goes out again after the timeout, then expires', async () => {
    const queue = new CommandQueue({ knex: t.db.knex, logger: log, clock: now, settings: { resendAfterSeconds: 60, maxTries: 2, maxReplyBytes: 60_000 } });
    const c = await queue.enqueue('SN-R', 'INFO', 'test');
    assert.equal(await queue.handOut('SN-R'), `C:${c.id}:INFO\n`);
    assert.equal(await queue.handOut('SN-R'), 'OK', 'not again before the timeout');
    clock = new Date(clock.getTime() + 61_000);
    assert.equal(await queue.handOut('SN-R'), `C:${c.id}:INFO\n`, 'resent');
    clock = new Date(clock.getTime() + 61_000);
    assert.equal(await queue.handOut('SN-R'), 'OK');
    const [row] = (await queue.list('SN-R', {}, { offset: 0, limit: 10 })).rows;
    assert.deepEqual([row!.state, row!.tries], ['expired', 2]);
    // A late result still closes it, and it is never sent again.
    assert.equal(await queue.complete('SN-R', [{ id: String(c.id), returnCode: 0, cmd: 'INFO', fields: {}, content: 'x=1' }]), 1);
    assert.equal((await queue.list('SN-R', {}, { offset: 0, limit: 10 })).rows[0]!.state, 'succeeded');
  });

  test('a crowd of polls finding the open-command set stale reads it once, and every terminal reads its row once', async () => {
    const queue = new CommandQueue({ knex: t.db.knex, logger: log, clock: now, settings: { resendAfterSeconds: 60, maxTries: 2, maxReplyBytes: 60_000 } });
    const registry = registryOf(t.db.knex);
    await registry.contact('SN-CROWD', { pushver: null, language: null, deviceType: null, address: null });
    const reads = { open: 0, device: 0 };
    const onQuery = (q: { sql: string }) => {
      if (q.sql.includes('device_commands') && /^select distinct/i.test(q.sql)) reads.open++;
      if (/^select \* from [`"]devices[`"] where/i.test(q.sql)) reads.device++;
    };
    t.db.knex.on('query', onQuery);
    try {
      const fresh = registryOf(t.db.knex);
      const replies = await Promise.all(
        Array.from({ length: 50 }, async () => {
          await fresh.get('SN-CROWD');
          return queue.handOut('SN-CROWD');
        }),
      );
      assert.ok(replies.every((r) => r === 'OK'));
      assert.deepEqual(reads, { open: 1, device: 1 });
    } finally {
      t.db.knex.removeListener('query', onQuery);
    }
  });

  test('a command with a result is never re-sent; a failure code marks it failed', async () => {
    const queue = new CommandQueue({ knex: t.db.knex, logger: log, clock: now, settings: { resendAfterSeconds: 1, maxTries: 5, maxReplyBytes: 60_000 } });
    const a = await queue.enqueue('SN-F', 'DATA DELETE USERINFO PIN=9', 'test');
    await queue.handOut('SN-F');
    await queue.complete('SN-F', [{ id: String(a.id), returnCode: -10, cmd: 'DATA', fields: {}, content: null }]);
    clock = new Date(clock.getTime() + 10_000);
    assert.equal(await queue.handOut('SN-F'), 'OK');
    const [row] = (await queue.list('SN-F', {}, { offset: 0, limit: 10 })).rows;
    assert.deepEqual([row!.state, row!.returnCode], ['failed', -10]);
    assert.equal(await queue.complete('SN-OTHER', [{ id: String(a.id), returnCode: 0, cmd: 'DATA', fields: {}, content: null }]), 0, 'another device cannot close it');
  });

  test('several server processes hand each command out once', async () => {
    const queues = Array.from({ length: 4 }, () => new CommandQueue({ knex: t.db.knex, logger: log, clock: now, settings: { resendAfterSeconds: 3600, maxTries: 3, maxReplyBytes: 200 } }));
    const ids = new Set<number>();
    for (let i = 0; i < 40; i++) ids.add((await queues[0]!.enqueue('SN-M', `SET OPTION Key${i}=${i}`, 'test')).id);
    const handed: string[] = [];
    for (let round = 0; round < 20; round++) {
      const replies = await Promise.all(queues.map((q) => q.handOut('SN-M')));
      for (const r of replies) if (r !== 'OK') handed.push(...r.trim().split('\n'));
    }
    const handedIds = handed.map((l) => Number(l.split(':')[1]));
    assert.equal(handedIds.length, 40, 'every command exactly once');
    assert.deepEqual(new Set(handedIds), ids);
  });
});

describe(`heartbeats on ${testDialect()}`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase();
  });
  after(async () => {
    await t.cleanup();
  });

  test('a heartbeat with nothing new costs no database round trip; last-seen writes are batched', async () => {
    const registry = registryOf(t.db.knex);
    const queue = new CommandQueue({ knex: t.db.knex, logger: log, clock: systemClock });
    const contact = { pushver: '2.4.1', language: 69, deviceType: null, address: '10.1.1.1' };
    await registry.contact('HB-1', contact);
    await queue.handOut('HB-1');
    let queries = 0;
    // Statements, not the transaction around the flush's two.
    const count = (q: { sql: string }) => (/^(begin|commit|rollback)\b/i.test(q.sql) ? undefined : queries++);
    t.db.knex.on('query', count);
    try {
      for (let i = 0; i < 50; i++) {
        await registry.contact('HB-1', contact);
        assert.equal(await queue.handOut('HB-1'), 'OK');
      }
      assert.equal(queries, 0, '50 heartbeats, no query');
      await registry.flushSeen();
      // One statement for the last-seen times, one for the request counts (the console's timeline).
      assert.equal(queries, 2, 'two writes for the batch');
    } finally {
      t.db.knex.off('query', count);
    }
    const row = (await t.db.knex('devices').where({ serial: 'HB-1' }).first('last_seen_at', 'last_address')) as { last_seen_at: string; last_address: string };
    assert.equal(row.last_address, '10.1.1.1');
    assert.ok(row.last_seen_at);
  });

  test('one flush writes each device its own last-seen time and address', async () => {
    let clock = new Date('2026-02-01T10:00:00Z');
    const timed = registryOf(t.db.knex, () => clock);
    for (const [i, serial] of ['F-1', 'F-2', 'F-3'].entries()) {
      clock = new Date(Date.UTC(2026, 1, 1, 10, 0, i));
      await timed.contact(serial, { pushver: null, language: null, deviceType: null, address: `10.2.0.${i + 1}` });
    }
    await timed.flushSeen();
    const rows = (await t.db.knex('devices').whereIn('serial', ['F-1', 'F-2', 'F-3']).orderBy('serial').select('serial', 'last_seen_at', 'last_address')) as Record<string, string>[];
    assert.deepEqual(
      rows.map((r) => [r.serial, r.last_seen_at, r.last_address]),
      [
        ['F-1', '2026-02-01 10:00:00', '10.2.0.1'],
        ['F-2', '2026-02-01 10:00:01', '10.2.0.2'],
        ['F-3', '2026-02-01 10:00:02', '10.2.0.3'],
      ],
    );
  });

  test('request counts cross a bucket boundary and survive a failed flush; a silent device costs a flush nothing', async () => {
    let clock = new Date('2026-03-01T10:04:58Z');
    const timed = registryOf(t.db.knex, () => clock);
    const poll = async (at: string, times = 1) => {
      clock = new Date(at);
      for (let i = 0; i < times; i++) await timed.contact('B-1', { pushver: null, language: null, deviceType: null, address: '10.3.0.1' });
    };
    const counts = async () =>
      (await listDeviceHeartbeats(t.db.knex, 'B-1', new Date('2026-03-01T00:00:00Z'))).map((b) => [b.bucketAt.toISOString().slice(11, 16), b.requests]);
    await poll('2026-03-01T10:04:58Z', 2);
    await poll('2026-03-01T10:05:01Z');
    await timed.flushSeen();
    assert.deepEqual(await counts(), [['10:00', 2], ['10:05', 1]]);

    // The counts table is gone for a moment: the flush fails and keeps what it could not write.
    await poll('2026-03-01T10:06:00Z', 3);
    await t.db.knex.schema.renameTable('device_heartbeats', 'device_heartbeats_away');
    try {
      await timed.flushSeen();
    } finally {
      await t.db.knex.schema.renameTable('device_heartbeats_away', 'device_heartbeats');
    }
    await poll('2026-03-01T10:10:30Z');
    await timed.flushSeen();
    assert.deepEqual(await counts(), [['10:00', 2], ['10:05', 4], ['10:10', 1]]);
    const row = (await t.db.knex('devices').where({ serial: 'B-1' }).first('last_seen_at')) as { last_seen_at: string };
    assert.equal(row.last_seen_at, '2026-03-01 10:10:30');

    let queries = 0;
    const count = () => queries++;
    t.db.knex.on('query', count);
    try {
      await timed.flushSeen();
      await timed.flushSeen();
    } finally {
      t.db.knex.off('query', count);
    }
    assert.equal(queries, 0, 'nothing new, nothing written');
    assert.deepEqual(await counts(), [['10:00', 2], ['10:05', 4], ['10:10', 1]]);
  });

  test('stale cached devices answer at once and are read again together; an unchanged one keeps its object', async () => {
    let clock = new Date('2026-04-01T08:00:00Z');
    const cacheHere = new DeviceCache({ knex: t.db.knex, clock: () => clock, logger: log });
    const here = registryOf(t.db.knex, () => clock, cacheHere);
    const elsewhere = registryOf(t.db.knex);
    const serials = Array.from({ length: 30 }, (_, i) => `ST-${i}`);
    for (const serial of serials) await here.contact(serial, { pushver: null, language: null, deviceType: null, address: '10.4.0.1' });
    await here.flushSeen(); // last contact changes in the rows: that alone is no change
    const before = await Promise.all(serials.map((serial) => here.get(serial)));
    await elsewhere.setState('ST-7', 'blocked'); // another process

    clock = new Date(clock.getTime() + 31_000);
    let reads = 0;
    const onQuery = (q: { sql: string }) => {
      if (/^select \* from [`"]devices[`"]/i.test(q.sql)) reads++;
    };
    t.db.knex.on('query', onQuery);
    try {
      const stale = await Promise.all(serials.map((serial) => here.get(serial)));
      assert.equal(reads, 0, 'stale entries answer without waiting for a read');
      assert.equal(stale[7]!.state, 'approved');
      await cacheHere.refreshStale();
      assert.equal(reads, 1, 'one read for all 30');
    } finally {
      t.db.knex.off('query', onQuery);
    }
    const after = await Promise.all(serials.map((serial) => here.get(serial)));
    assert.equal(after[7]!.state, 'blocked', 'the change made elsewhere is seen');
    assert.notEqual(after[7], before[7]);
    assert.equal(after[3], before[3], 'unchanged but for the last contact: the same object');
    assert.equal(after[3]!.lastAddress, '10.4.0.1');
    assert.ok(after[3]!.lastSeenAt);
  });
});
