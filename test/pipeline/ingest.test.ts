// The ingest pipeline against the database of this run, without HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EmployeeService } from '../../src/employees/service.js';
import { IngestService } from '../../src/pipeline/ingest.js';
import { parseTimestamp } from '../../src/pipeline/time.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';
import { makePunch, storedAll } from '../helpers/punch.js';

const NOW = new Date('2025-06-01T12:00:00Z');

const punch = makePunch;

describe(`ingest on ${testDialect()}`, () => {
  let t: TestDatabase;
  let ingest: IngestService;
  let employees: EmployeeService;
  before(async () => {
    t = await openTestDatabase();
    ingest = new IngestService({ knex: t.db.knex, settings: { timeZone: 'UTC', futureWindowHours: 24, timeFloor: '2010-01-01' }, clock: () => NOW });
    employees = new EmployeeService({ knex: t.db.knex, ingest, clock: () => NOW });
    await employees.create({ employee: 'E1', name: 'One', attendance_device_id: '1' });
    await employees.create({ employee: 'E2', name: 'Two', attendance_device_id: '2' });
  });
  after(async () => {
    await t.cleanup();
  });

  test('one result per punch, in order; copies within a batch are duplicates of the first', async () => {
    const results = storedAll(await ingest.ingest([
      punch('1', '2025-05-01 08:00:00'),
      punch('2', '2025-05-01 08:00:00'),
      punch('1', '2025-05-01 08:00:00'),
      punch('3', '2025-05-01 08:00:00'),
      punch('1', '2025-06-03 08:00:00'), // 44 hours ahead of NOW
      punch('1', '2009-12-31 23:59:59'),
    ]));
    assert.deepEqual(
      results.map((r) => [r.outcome, r.punchStatus, r.employee?.employee ?? null]),
      [
        ['created', 'checked_in', 'E1'],
        ['created', 'checked_in', 'E2'],
        ['duplicate', 'checked_in', 'E1'],
        ['unmatched', 'unmatched', null],
        ['suspect_time', 'suspect_time', null],
        ['suspect_time', 'suspect_time', null],
      ],
    );
    assert.equal(results[2]!.punchId, results[0]!.punchId);
    assert.equal(results[2]!.checkin!.id, results[0]!.checkin!.id);
    assert.deepEqual(results.slice(0, 2).map((r) => r.checkin!.name), ['CHECKIN-2025-00001', 'CHECKIN-2025-00002']);
  });

  test('a resent batch stores nothing new and answers the same check-ins', async () => {
    const batch = [punch('1', '2025-05-02 08:00:00'), punch('2', '2025-05-02 08:00:00')];
    const first = storedAll(await ingest.ingest(batch));
    const again = storedAll(await ingest.ingest(batch));
    assert.deepEqual(again.map((r) => r.outcome), ['duplicate', 'duplicate']);
    assert.deepEqual(again.map((r) => r.checkin!.name), first.map((r) => r.checkin!.name));
  });

  test('overlapping batches at the same time store each punch and check-in once', async () => {
    const a = Array.from({ length: 50 }, (_, i) => punch(String(1 + (i % 2)), `2025-05-03 09:${String(i).padStart(2, '0')}:00`));
    const b = [...a].reverse();
    const [ra, rb] = await Promise.all([ingest.ingest(a), ingest.ingest(b)]);
    const created = [...ra, ...rb].filter((r) => r.outcome === 'created').length;
    assert.equal(created, 50);
    const rows = (await t.db.knex('checkins').where('time', '>=', '2025-05-03 00:00:00').where('time', '<', '2025-05-04 00:00:00').count({ n: '*' }).first()) as { n: number | string };
    assert.equal(Number(rows.n), 50);
    const names = (await t.db.knex('checkins').pluck('name')) as string[];
    assert.equal(new Set(names).size, names.length, 'check-in names are unique');
  });

  test('waiting punches are settled when an employee appears, and only on their site', async () => {
    storedAll(await ingest.ingest([punch('9', '2025-05-04 08:00:00'), punch('9', '2025-05-04 17:00:00'), punch('9', '2025-05-04 08:00:00', { deviceSerial: 'SN-N', site: 'north' })]));
    const { employee, linked } = await employees.create({ name: 'Nine', attendance_device_id: '9' });
    assert.equal(linked, 2);
    const left = (await t.db.knex('punches').where({ device_user_id: '9', status: 'unmatched' }).pluck('site')) as string[];
    assert.deepEqual(left, ['north']);
    const { linked: none } = await employees.update(employee.employee, { name: 'Nine N.' });
    assert.equal(none, 0, 'a change that does not affect matching settles nothing');
  });

  test('a suspect punch is accepted or corrected once', async () => {
    const [held] = storedAll(await ingest.ingest([punch('2', '2030-01-01 08:00:00')]));
    const reviewed = await ingest.review(held!.punchId, parseTimestamp('2025-05-05 08:00:00', 'UTC'));
    assert.equal(reviewed.outcome, 'created');
    await assert.rejects(ingest.review(held!.punchId), /not held for review/);
  });
});
