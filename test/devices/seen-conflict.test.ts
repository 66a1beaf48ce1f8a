// The batched last-seen write meeting another writer on the same terminals' rows: on Galera,
// another instance's flush through another node (a certification conflict at commit); on one
// MySQL, a deadlock. Either way it is rolled back whole, and must be retried, not dropped until
// the next flush (the 3,000-terminal cluster run logged dozens of these as failures).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { systemClock } from '../../src/clock.js';
import { DeviceCache } from '../../src/devices/cache.js';
import { DeviceRegistry } from '../../src/devices/registry.js';
import { createLogger } from '../../src/log.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';
import { loseDeadlock } from '../helpers/deadlock.js';

let t: TestDatabase;
before(async () => {
  t = await openTestDatabase();
});
after(async () => {
  await t.cleanup();
});

test('a last-seen flush that loses a deadlock is retried at once, and its times are written', { skip: testDialect() !== 'mysql' && 'SQLite has one writer: no deadlock', timeout: 60_000 }, async () => {
  const knex = t.db.knex;
  const registry = new DeviceRegistry({ knex, cache: new DeviceCache({ knex, clock: systemClock, logger: createLogger('silent') }), settings: { timeZone: 'UTC', devicePolicy: 'approve' }, logger: createLogger('silent'), clock: systemClock });
  const contact = { pushver: '2.4.1', language: 69, deviceType: null, address: '10.1.1.1' };
  await registry.contact('SEEN-A', contact);
  await registry.contact('SEEN-B', contact);

  // The flush takes SEEN-A and waits for SEEN-B, held by a heavier writer that then wants SEEN-A.
  const flushed = await loseDeadlock(knex, { first: { serial: 'SEEN-A', alias: 'a' }, second: { serial: 'SEEN-B', alias: 'b' }, winnerPrefix: 'HEAVY' }, () => registry.flushSeen());
  if (flushed instanceof Error) throw flushed;
  const rows = (await knex('devices').whereIn('serial', ['SEEN-A', 'SEEN-B']).orderBy('serial').select('serial', 'alias', 'last_seen_at')) as { serial: string; alias: string; last_seen_at: string | null }[];
  assert.deepEqual(rows.map((r) => r.alias), ['a', 'b'], "the other writer's change stands");
  for (const r of rows) assert.ok(r.last_seen_at, `${r.serial}: its last-seen time was not written by that flush`);
});
