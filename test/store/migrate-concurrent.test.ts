// Several instances starting at once on an empty database each migrate it (systemd starts them
// together; on Galera each writes through its own node). Every one must come up: one applies
// the migrations, the others wait for it and find nothing left to do. knex's own table setup
// raced (two CREATE TABLEs, or two lock rows, after which the lock could never be taken again).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { migrations } from '../../migrations/index.js';
import { type Database, closeDatabase, migrateToLatest, migrationStatus, openDatabase } from '../../src/store/db.js';
import { freshDatabaseUrl, testDialect } from '../helpers/db.js';

const fresh = freshDatabaseUrl();
const opened: Database[] = [];
after(async () => {
  for (const db of opened) await closeDatabase(db).catch(() => undefined);
  await fresh.drop();
});

test(`four instances migrating one empty ${testDialect()} database at once all come up`, { timeout: 120_000 }, async () => {
  for (let i = 0; i < 4; i++) opened.push(await openDatabase(fresh.url));
  const results = await Promise.allSettled(opened.map((db) => migrateToLatest(db)));
  for (const r of results) assert.equal(r.status, 'fulfilled', r.status === 'rejected' ? String((r.reason as Error).stack) : '');
  const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  assert.deepEqual([...applied].sort(), migrations.map((m) => m.name).sort(), 'each migration applied once, by one instance');

  const knex = opened[0]!.knex;
  const done = (await knex('knex_migrations').select('name')) as { name: string }[];
  assert.equal(done.length, migrations.length, 'each migration recorded once');
  const locks = (await knex('knex_migrations_lock').select('is_locked')) as { is_locked: number }[];
  assert.deepEqual(locks.map((l) => Number(l.is_locked)), [0], 'one lock row, free');
  for (const db of opened) assert.deepEqual((await migrationStatus(db)).pending, []);
  // And the lock can still be taken: a later migration run goes through.
  assert.deepEqual(await migrateToLatest(opened[1]!), []);
});

test('an instance finding the lock held waits for it rather than failing', { timeout: 60_000 }, async () => {
  const db = opened[0]!;
  await db.knex('knex_migrations_lock').update({ is_locked: 1 });
  // A migration "in progress" elsewhere: it ends after a second.
  const release = setTimeout(() => void db.knex('knex_migrations_lock').update({ is_locked: 0 }).then(() => undefined), 1000);
  await db.knex('knex_migrations').where({ name: migrations.at(-1)!.name }).del();
  await db.knex.schema.dropTable('zk_pollers');
  try {
    const started = Date.now();
    assert.deepEqual(await migrateToLatest(opened[2]!), [migrations.at(-1)!.name]);
    assert.ok(Date.now() - started >= 900, 'it waited for the lock');
  } finally {
    clearTimeout(release);
  }
});

test('a lock held past the wait is a clear error naming the way out', { timeout: 60_000 }, async () => {
  const db = opened[0]!;
  await db.knex('knex_migrations_lock').update({ is_locked: 1 });
  await db.knex('knex_migrations').where({ name: migrations.at(-1)!.name }).del();
  try {
    await assert.rejects(migrateToLatest(opened[3]!, { lockWaitSeconds: 1 }), /migration lock.*held.*iclockd migrate --unlock/s);
  } finally {
    await db.knex('knex_migrations_lock').update({ is_locked: 0 });
    await db.knex('knex_migrations').insert({ name: migrations.at(-1)!.name, batch: 99, migration_time: new Date() });
  }
});
