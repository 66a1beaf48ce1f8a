// The bench's workforce, with and without auto attendance: `bench --no-auto-attendance` measures
// ingest with nothing recomputed, so it must really make none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedStaff } from '../../src/bench/seed.js';
import { makePunch, storedAll } from '../helpers/punch.js';
import { openTestServices } from '../helpers/db.js';

for (const autoAttendance of [true, false]) {
  test(`seedStaff(autoAttendance: ${autoAttendance}): a check-in in the bench shift ${autoAttendance ? 'makes' : 'makes no'} attendance`, async () => {
    const { s, cleanup } = await openTestServices({ ICLOCKD_TZ: 'UTC', ICLOCKD_LOG_LEVEL: 'silent' });
    try {
      await seedStaff(s, 3, '2025-01-01', autoAttendance);
      const [r] = storedAll(await s.ingest.ingest([makePunch('2', '2025-06-02 07:55:00', { logType: 'IN' })]));
      assert.equal(r!.outcome, 'created');
      assert.equal(r!.attendanceCreated, autoAttendance);
      const checkin = await s.db.knex('checkins').where({ id: r!.checkin!.id }).first();
      assert.equal(checkin.shift_type, autoAttendance ? 'Bench Day' : null);
      assert.equal((await s.db.knex('attendance').count({ n: '*' }))[0]!.n, autoAttendance ? 1 : 0);
    } finally {
      await cleanup();
    }
  });
}
