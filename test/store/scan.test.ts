// An export reads every row of its filter once, even while punches arrive: it walks the list
// by a cursor (time, id) instead of by offset. With an offset, a punch arriving at the top
// pushes the page boundary down and the next page repeats a row.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Punch } from '../../src/pipeline/punch.js';
import type { ScanCursor } from '../../src/store/list.js';
import { type TestServices, openTestServices, testDialect } from '../helpers/db.js';

const ZONE = 'UTC';

function punch(user: string, at: string): Punch {
  return { deviceSerial: 'SCAN-1', deviceId: null, site: 'main', deviceUserId: user, localTime: at.replace('T', ' ').slice(0, 19), instant: new Date(`${at}Z`), timeZone: ZONE, logType: 'IN', punchState: 0, verifyMode: 1, workCode: null, latitude: null, longitude: null, source: 'json' };
}

describe(`scanning a list while punches arrive on ${testDialect()}`, () => {
  let t: TestServices;
  before(async () => {
    t = await openTestServices({ ICLOCKD_TZ: ZONE });
    for (const [employee, id] of [['S-1', '1'], ['S-2', '2'], ['S-3', '3']]) await t.s.employees.create({ employee, name: `Scan ${id}`, attendance_device_id: id });
    const first: Punch[] = [];
    // 24 punches a minute apart, and 6 more that share one second (ordered by id among themselves).
    for (let i = 0; i < 24; i++) first.push(punch(String((i % 3) + 1), `2025-05-01T08:${String(i).padStart(2, '0')}:00`));
    for (let i = 0; i < 6; i++) first.push(punch(`X${i}`, '2025-05-01T07:30:00'));
    await t.s.ingest.ingest(first);
  });
  after(async () => {
    await t.cleanup();
  });

  test('punches: each stored row once, in order, though newer and older ones arrive between reads', async () => {
    const filter = { device: 'SCAN-1' };
    const seen: number[] = [];
    let after: ScanCursor | null = null;
    for (let read = 0; ; read++) {
      const rows = await t.s.records.scanPunches(filter, after, 7);
      seen.push(...rows.map((p) => p.id));
      if (read === 0) {
        // Newer than everything read so far (they sort first), and one older than all (it sorts last).
        await t.s.ingest.ingest([punch('1', '2025-05-01T09:00:00'), punch('2', '2025-05-01T09:01:00'), punch('Y', '2025-05-01T06:00:00')]);
      }
      if (rows.length < 7) break;
      const last = rows[rows.length - 1]!;
      after = { at: last.instant, id: last.id };
    }
    assert.equal(new Set(seen).size, seen.length, 'no row twice');
    const all = (await t.s.records.listPunches(filter, { offset: 0, limit: 1000 })).rows;
    const expected = all.filter((p) => p.instant < new Date('2025-05-01T09:00:00Z')).map((p) => p.id);
    assert.deepEqual(seen, expected, 'every row older than the first read, in the list order');
    assert.equal(seen.length, 31);
  });

  test('check-ins: the same, and the filters by site and log type', async () => {
    const filter = { device: 'SCAN-1' };
    const seen: number[] = [];
    let after: ScanCursor | null = null;
    for (let read = 0; ; read++) {
      const rows = await t.s.records.scanCheckins(filter, after, 5);
      seen.push(...rows.map((c) => c.id));
      if (read === 0) await t.s.ingest.ingest([punch('3', '2025-05-01T10:00:00')]);
      if (rows.length < 5) break;
      const last = rows[rows.length - 1]!;
      after = { at: last.time, id: last.id };
    }
    assert.equal(new Set(seen).size, seen.length, 'no row twice');
    assert.equal(seen.length, 26, 'the 24 and the two newer ones of the first test, not the one after the first read');
    assert.equal((await t.s.records.listCheckins({ site: 'main' }, { offset: 0, limit: 100 })).total, 27);
    assert.equal((await t.s.records.listCheckins({ site: 'elsewhere' }, { offset: 0, limit: 100 })).total, 0);
    assert.equal((await t.s.records.listCheckins({ logType: 'OUT' }, { offset: 0, limit: 100 })).total, 0);
    assert.equal((await t.s.records.listCheckins({ logType: 'IN' }, { offset: 0, limit: 100 })).total, 27);
  });
});
