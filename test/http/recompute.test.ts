// POST /api/v1/attendance/recompute and final records (issue 20.8), over real HTTP: without
// force nothing final changes and final_changes says what would; with force: true it changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

describe(`recomputing final attendance over HTTP on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;

  before(async () => {
    s = await startTestServer({ timeZone: 'Asia/Riyadh' });
    admin = client(s, await s.authHeader('admin'));
    assert.equal((await admin.post('/api/v1/shift-types', { name: 'Day', start_time: '09:00', end_time: '17:00', enable_auto_attendance: true })).status, 201);
    await admin.post('/api/v1/employees', { employee: 'R-1', name: 'Rana', attendance_device_id: '301' });
    await admin.post('/api/v1/shift-assignments', { employee: 'R-1', shift_type: 'Day', start_date: '2025-05-01' });
    for (const [timestamp, log_type] of [['2025-05-05 09:00:00', 'IN'], ['2025-05-05 13:00:00', 'OUT']]) {
      assert.equal((await admin.post('/api/v1/punches', { employee_id: '301', timestamp, device_id: 'GATE', log_type })).status, 200);
    }
    // The finalizing pass's verdict, given directly.
    await s.running.services.db.knex('attendance').update({ finalized: true });
    await admin.patch('/api/v1/shift-types/Day', { working_hours_threshold_for_half_day: 5 });
  });
  after(async () => {
    await s.stop();
  });

  const record = async () => (await admin.get('/api/v1/attendance?employee=R-1&from=2025-05-05&to=2025-05-05')).body.data[0];

  test('without force: the final record stays, final_changes says what would change', async () => {
    const name = (await record()).name as string;
    const r = await admin.post('/api/v1/attendance/recompute', { from: '2025-05-01', to: '2025-05-31' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, {
      success: true,
      employee_shifts: 1,
      changed: 0,
      forced: false,
      final_changes_total: 1,
      final_changes: [{ name, employee: 'R-1', attendance_date: '2025-05-05', shift: 'Day', applied: false, removed: false, changes: { status: { from: 'Present', to: 'Half Day' } } }],
    });
    assert.deepEqual([(await record()).status, (await record()).finalized], ['Present', true]);
  });

  test('force: true changes it, and it stays final; a force that is not a boolean is refused', async () => {
    const r = await admin.post('/api/v1/attendance/recompute', { from: '2025-05-01', to: '2025-05-31', employee: 'R-1', force: true });
    assert.deepEqual([r.body.forced, r.body.changed, r.body.final_changes_total, r.body.final_changes[0].applied], [true, 1, 1, true]);
    assert.deepEqual([(await record()).status, (await record()).finalized], ['Half Day', true]);
    const again = await admin.post('/api/v1/attendance/recompute', { from: '2025-05-01', to: '2025-05-31' });
    assert.deepEqual([again.body.changed, again.body.final_changes_total], [0, 0]);
    const bad = await admin.post('/api/v1/attendance/recompute', { from: '2025-05-01', to: '2025-05-31', force: 'yes' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_type, 'validation_error');
  });
});
