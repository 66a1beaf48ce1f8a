// INSERT … RETURNING where the server takes it: the rows handed back are the rows stored, the
// same as reading them back by key would give.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findCheckinsByKeys, findPunchesByKeys, insertCheckins, insertPunches } from '../../src/store/punches.js';
import { boundStatement, insertReturning, multiRowInsert, selectByTuples, takesInsertReturning, upsertRows } from '../../src/store/direct.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';
import { makePunch } from '../helpers/punch.js';

test('which servers take INSERT … RETURNING: MariaDB from 10.5, not MySQL', () => {
  assert.equal(takesInsertReturning('10.11.6-MariaDB-0+deb12u1'), true);
  assert.equal(takesInsertReturning('10.5.0-MariaDB'), true);
  assert.equal(takesInsertReturning('11.4.2-MariaDB-log'), true);
  assert.equal(takesInsertReturning('10.4.32-MariaDB'), false);
  assert.equal(takesInsertReturning('8.0.36'), false);
  assert.equal(takesInsertReturning('8.4.0-0ubuntu0.24.04.1'), false);
});

describe(`inserts that return their rows on ${testDialect()}`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase();
  });
  after(async () => {
    await t.cleanup();
  });

  test('punches and check-ins come back as a read of them gives: ids and statuses of punches, whole check-ins', async () => {
    const at = new Date('2026-12-04T06:00:00Z');
    const punches = Array.from({ length: 30 }, (_, i) => makePunch(String(i + 1), `2026-12-03 08:${String(i).padStart(2, '0')}:00`, { deviceSerial: 'RET-1' }));
    const stored = await t.db.knex.transaction((trx) =>
      insertPunches(
        trx,
        punches.map(({ skipAutoAttendance: _s, timeUntrusted: _u, ...p }) => ({ ...p, status: 'unmatched' as const, employeeId: null, checkinId: null, receivedAt: at })),
      ),
    );
    const read = await findPunchesByKeys(t.db.knex, punches);
    assert.equal(stored.size, 30);
    assert.deepEqual(new Map([...stored].sort()), new Map([...read].sort().map(([key, p]) => [key, { id: p.id, status: p.status }])), 'each punch\'s id and status, by its key');

    const [employee] = (await t.db.knex('employees').insert({ employee: 'RET-E', name: 'R', status: 'Active', site: 'main', created_at: '2026-12-01 00:00:00', updated_at: '2026-12-01 00:00:00' }).returning('id')) as ({ id: number } | number)[];
    const employeeId = typeof employee === 'number' ? employee : employee!.id;
    const checkins = punches.slice(0, 5).map((p, i) => ({ name: `RET-CHK-${i}`, employeeId, time: p.instant, logType: 'IN' as const, deviceId: 'RET-1', skipAutoAttendance: false, latitude: null, longitude: null, createdAt: at }));
    const byName = await t.db.knex.transaction((trx) => insertCheckins(trx, checkins));
    const again = await findCheckinsByKeys(t.db.knex, checkins.map((c) => ({ employeeId, time: c.time, logType: c.logType })));
    assert.equal(byName.size, 5);
    assert.deepEqual([...byName.values()].sort((a, b) => a.id - b.id), [...again.values()].sort((a, b) => a.id - b.id));
  });

  test("a batch's rows built directly are stored as knex's builder stores them, defaults, NULLs, booleans and odd text included", async () => {
    const k = t.db.knex;
    for (const table of ['ret_direct', 'ret_knex']) {
      await k.schema.dropTableIfExists(table);
      await k.schema.createTable(table, (tb) => {
        tb.increments('id');
        tb.string('label', 64).notNullable();
        tb.integer('n').nullable();
        tb.boolean('flag').nullable().defaultTo(true);
        tb.string('note', 64).nullable().defaultTo('none');
      });
    }
    const rows = [
      { label: "it's `quoted` ? and ??", n: 2_147_483_647, flag: false, note: null },
      { label: 'ünïcödé 😀', n: null, flag: true, note: undefined },
      { label: '', n: -2_147_483_648, flag: undefined, note: 'x' },
    ];
    const direct = multiRowInsert(k, 'ret_direct', rows)!;
    assert.equal(direct.bindings.length, rows.length * 4 - (testDialect() === 'mysql' ? 2 : 0), 'an undefined value is DEFAULT on MySQL, a NULL binding on SQLite');
    const seen: { sql: string; bindings: unknown[] }[] = [];
    const listen = (q: { sql: string; bindings: unknown[] }) => seen.push(q);
    k.on('query', listen);
    await boundStatement(k, direct.sql, direct.bindings);
    k.off('query', listen);
    assert.deepEqual(seen.map((q) => [q.sql, q.bindings]), [[direct.sql, direct.bindings]], 'run as written, and told to query listeners (the statement profile)');
    await k('ret_knex').insert(rows);
    const read = async (table: string) =>
      (await k(table).select('label', 'n', 'flag', 'note').orderBy('id')).map((r: Record<string, unknown>) => ({ ...r, flag: r.flag === null ? null : Boolean(r.flag) }));
    assert.deepEqual(await read('ret_direct'), await read('ret_knex'));

    // Rows of different shapes are left to knex's builder, which fills in each row's missing columns.
    const mixed = [{ label: 'a' }, { label: 'b', n: 1 }];
    assert.equal(multiRowInsert(k, 'ret_direct', mixed), null);
    const returned = await k.transaction((trx) => insertReturning<{ label: string }>(trx, 'ret_direct', mixed));
    if (returned) assert.deepEqual(returned.map((r) => r.label), ['a', 'b']);
    await k('ret_knex').insert(mixed);
    assert.deepEqual(await read('ret_direct'), await read('ret_knex'));
    for (const table of ['ret_direct', 'ret_knex']) await k.schema.dropTable(table);
  });

  test('reads by many keys find what knex\'s whereIn finds, for one column and for several', async () => {
    const k = t.db.knex;
    await k.schema.dropTableIfExists('ret_keys');
    await k.schema.createTable('ret_keys', (tb) => {
      tb.increments('id');
      tb.string('a', 32).notNullable();
      tb.integer('b').notNullable();
    });
    const rows = Array.from({ length: 60 }, (_, i) => ({ a: i % 3 === 0 ? `it's ?${i}` : `ünï-${i}`, b: i % 7 }));
    await k('ret_keys').insert(rows);
    const pairs = rows.filter((_, i) => i % 2 === 0).map((r) => [r.a, r.b] as [string, number]);
    pairs.push(['absent', 1], [rows[1]!.a, 99]);
    const byId = (list: { id: number }[]) => list.map((r) => Number(r.id)).sort((x, y) => x - y);
    assert.deepEqual(byId(await selectByTuples(k, 'ret_keys', ['a', 'b'], pairs)), byId(await k('ret_keys').whereIn(['a', 'b'], pairs)));
    assert.equal((await selectByTuples(k, 'ret_keys', ['a', 'b'], pairs)).length, 30);
    const names = rows.slice(0, 10).map((r) => [r.a] as [string]);
    assert.deepEqual(byId(await selectByTuples(k, 'ret_keys', ['a'], names)), byId(await k('ret_keys').whereIn('a', names.flat())));
    assert.deepEqual(await selectByTuples(k, 'ret_keys', ['a', 'b'], []), []);
    await assert.rejects(selectByTuples(k, 'ret_keys', ['a', 'b'], [['x']]), /a key of 1 values for 2 columns/);
    await assert.rejects(selectByTuples(k, 'ret_keys; drop', ['a'], [['x']]), /not a table and columns/);
    await k.schema.dropTable('ret_keys');
  });

  test('an upsert built directly leaves the rows knex\'s onConflict().merge() leaves: matches changed in the named columns only, the rest inserted', async () => {
    const k = t.db.knex;
    for (const table of ['ups_direct', 'ups_knex']) {
      await k.schema.dropTableIfExists(table);
      await k.schema.createTable(table, (tb) => {
        tb.increments('id');
        tb.string('name', 32).notNullable().unique();
        tb.integer('n').nullable();
        tb.string('kept', 32).notNullable();
      });
      await k(table).insert([{ name: 'a', n: 1, kept: 'first a' }, { name: 'b', n: 2, kept: 'first b' }]);
    }
    const rows = [
      { name: 'a', n: 10, kept: 'second a' },
      { name: 'c', n: null, kept: "it's c ?" },
      { name: 'b', n: 20, kept: 'second b' },
    ];
    await upsertRows(k, 'ups_direct', rows, ['name'], ['n']);
    await k('ups_knex').insert(rows).onConflict(['name']).merge(['n']);
    const read = (table: string) => k(table).select('name', 'n', 'kept').orderBy('name');
    assert.deepEqual(await read('ups_direct'), await read('ups_knex'));
    assert.deepEqual(await read('ups_direct'), [
      { name: 'a', n: 10, kept: 'first a' },
      { name: 'b', n: 20, kept: 'first b' },
      { name: 'c', n: null, kept: "it's c ?" },
    ]);
    for (const table of ['ups_direct', 'ups_knex']) await k.schema.dropTable(table);
  });
});

