// The batched last-seen write meeting another writer on the same terminals' rows: on Galera,
// another instance's flush through another node (a certification conflict at commit); on one
// MySQL, a deadlock. Either way it is rolled back whole, and must be retried, not dropped until
// the next flush (the 3,000-terminal cluster run logged dozens of these as failures).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../src/clock.js';
import { DeviceCache } from '../../src/devices/cache.js';
import { DeviceRegistry } from '../../src/devices/registry.js';
import { createLogger } from '../../src/log.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';

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

  // Another writer, heavier (so InnoDB rolls the flush back, not it), holds SEEN-B…
  const other = await knex.transaction();
  try {
    const at = new Date().toISOString().slice(0, 19).replace('T', ' ');
    await other('devices').insert(Array.from({ length: 50 }, (_, i) => ({ serial: `HEAVY-${i}`, state: 'approved', created_at: at, updated_at: at })));
    await other('devices').where({ serial: 'SEEN-B' }).update({ alias: 'b' });
    // …the flush takes SEEN-A and waits for SEEN-B…
    const flushing = registry.flushSeen();
    await sleep(500);
    // …and the other now wants SEEN-A: a deadlock, the flush its victim.
    await other('devices').where({ serial: 'SEEN-A' }).update({ alias: 'a' });
    await other.commit();
    await flushing;
  } finally {
    if (!other.isCompleted()) await other.rollback();
  }
  const rows = (await knex('devices').whereIn('serial', ['SEEN-A', 'SEEN-B']).orderBy('serial').select('serial', 'alias', 'last_seen_at')) as { serial: string; alias: string; last_seen_at: string | null }[];
  assert.deepEqual(rows.map((r) => r.alias), ['a', 'b'], "the other writer's change stands");
  for (const r of rows) assert.ok(r.last_seen_at, `${r.serial}: its last-seen time was not written by that flush`);
});
