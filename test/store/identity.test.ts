// The identity rules (src/store/identity.ts) are the migrations' unique keys: read back from the
// migrated database on whichever dialect this run is for.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { CHECKIN_KEY_COLUMNS, PUNCH_KEY_COLUMNS, checkinKey, checkinKeyOfPunch, checkinRowKey, punchKey, punchRowKey } from '../../src/store/identity.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';

/** Every unique index of a table but the primary key, each as its columns in index order. */
async function uniqueIndexes(knex: Knex, table: string): Promise<string[][]> {
  if (testDialect() === 'mysql') {
    const rows = (await knex('information_schema.STATISTICS')
      .where({ TABLE_SCHEMA: knex.raw('DATABASE()'), TABLE_NAME: table, NON_UNIQUE: 0 })
      .whereNot('INDEX_NAME', 'PRIMARY')
      .orderBy(['INDEX_NAME', 'SEQ_IN_INDEX'])
      .select({ index: 'INDEX_NAME', column: 'COLUMN_NAME' })) as { index: string; column: string }[];
    const byIndex = new Map<string, string[]>();
    for (const r of rows) byIndex.set(r.index, [...(byIndex.get(r.index) ?? []), r.column]);
    return [...byIndex.values()];
  }
  const indexes = (await knex('sqlite_master').where({ type: 'index', tbl_name: table }).select('name')) as { name: string }[];
  const found: string[][] = [];
  for (const { name } of indexes) {
    const [listed] = ((await knex.raw(`PRAGMA index_list(${table})`)) as { name: string; unique: number; origin: string }[]).filter((i) => i.name === name);
    if (!listed || listed.unique !== 1 || listed.origin === 'pk') continue;
    const columns = (await knex.raw(`PRAGMA index_info(${name})`)) as { seqno: number; name: string }[];
    found.push(columns.sort((a, b) => a.seqno - b.seqno).map((c) => c.name));
  }
  return found;
}

describe(`identity rules on ${testDialect()}`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase();
  });
  after(async () => {
    await t.cleanup();
  });

  test("the punches table's one unique key is the punch key's columns", async () => {
    assert.deepEqual(await uniqueIndexes(t.db.knex, 'punches'), [[...PUNCH_KEY_COLUMNS]]);
  });

  test("the checkins table's unique keys: the check-in key's columns, and the name", async () => {
    const found = await uniqueIndexes(t.db.knex, 'checkins');
    assert.deepEqual(found.filter((columns) => columns.join() !== 'name'), [[...CHECKIN_KEY_COLUMNS]]);
    assert.equal(found.length, 2, 'the name is unique too, and nothing else is');
  });
});

describe('identity keys', () => {
  const punch = { deviceSerial: 'CQZ7224460348', deviceUserId: '1001', localTime: '2025-03-30 08:00:00', logType: 'IN' as const };

  test('a punch is the same punch when all four agree, its stored row included', () => {
    assert.equal(punchKey(punch), punchKey({ ...punch }));
    assert.notEqual(punchKey(punch), punchKey({ ...punch, logType: 'OUT' }));
    assert.notEqual(punchKey(punch), punchKey({ ...punch, deviceUserId: '1002' }));
    // No separator confusion between fields.
    assert.notEqual(punchKey({ ...punch, deviceSerial: 'A|B', deviceUserId: 'C' }), punchKey({ ...punch, deviceSerial: 'A', deviceUserId: 'B|C' }));
    assert.equal(punchRowKey({ device_serial: punch.deviceSerial, device_user_id: punch.deviceUserId, local_time: punch.localTime, log_type: 'IN' }), punchKey(punch));
  });

  test("a punch's check-in: its instant to the whole second; a stored row's key agrees", () => {
    const a = checkinKeyOfPunch({ instant: new Date('2025-03-30T05:00:00.900Z'), logType: 'IN' }, 7);
    assert.deepEqual(a, { employeeId: 7, time: new Date('2025-03-30T05:00:00.000Z'), logType: 'IN' });
    assert.equal(checkinKey(a), checkinKey(checkinKeyOfPunch({ instant: new Date('2025-03-30T05:00:00.000Z'), logType: 'IN' }, 7)));
    assert.notEqual(checkinKey(a), checkinKey({ ...a, logType: 'OUT' }));
    assert.equal(checkinRowKey({ employee_id: '7', time: '2025-03-30 05:00:00', log_type: 'IN' }), checkinKey(a));
  });
});
