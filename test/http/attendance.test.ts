// Attendance from check-ins, over real HTTP: shift types, assignments, default shifts,
// holidays, and records that follow each new punch (JSON and ADMS).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

describe(`attendance on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;
  let device: ReturnType<typeof client>;

  before(async () => {
    s = await startTestServer({ timeZone: 'Asia/Riyadh', devicePolicy: 'approve' });
    admin = client(s, await s.authHeader('admin'));
    device = client(s, await s.authHeader('ingest'));
    const general = await admin.post('/api/v1/shift-types', {
      name: 'General',
      start_time: '09:00',
      end_time: '17:00',
      enable_auto_attendance: true,
      enable_late_entry_marking: true,
      late_entry_grace_period: 10,
      working_hours_threshold_for_half_day: 4,
      holiday_list: 'KSA 2025',
    });
    assert.equal(general.status, 201, JSON.stringify(general.body));
    await admin.post('/api/v1/shift-types', { name: 'Night', start_time: '22:00', end_time: '06:00', enable_auto_attendance: true, determine_check_in_and_check_out: 'strict' });
    await admin.post('/api/v1/shift-types', { name: 'Manual', start_time: '09:00', end_time: '17:00' });
    for (const [employee, id] of [['E-A', '101'], ['E-B', '102'], ['E-C', '103'], ['E-D', '104'], ['E-M', '105']]) {
      await admin.post('/api/v1/employees', { employee, name: employee, attendance_device_id: id });
    }
    assert.equal((await admin.post('/api/v1/shift-assignments', { employee: 'E-A', shift_type: 'General', start_date: '2025-05-01' })).status, 201);
    await admin.patch('/api/v1/employees/E-B', { default_shift: 'General' });
    await admin.post('/api/v1/shift-assignments', { employee: 'E-C', shift_type: 'Night', start_date: '2025-05-01', end_date: '2025-05-31' });
    await admin.post('/api/v1/shift-assignments', { employee: 'E-M', shift_type: 'Manual', start_date: '2025-05-01' });
    await admin.call('PUT', '/api/v1/holidays/KSA 2025', { holidays: [{ date: '2025-05-07', description: 'Holiday' }] });
  });
  after(async () => {
    await s.stop();
  });

  const punch = (employee_id: string, timestamp: string, log_type = 'AUTO', device_id = 'GATE') =>
    device.post('/api/v1/punches', { employee_id, timestamp, device_id, log_type });
  const day = async (employee: string, date: string) => (await admin.get(`/api/v1/attendance?employee=${employee}&from=${date}&to=${date}`)).body.data[0];

  test('each punch updates the record: one punch is in-time only, the check-out completes it', async () => {
    const first = await punch('101', '2025-05-05 08:55:00');
    assert.equal(first.status, 200);
    assert.equal(first.body.attendance_created, true);
    let a = await day('E-A', '2025-05-05');
    assert.deepEqual([a.status, a.working_hours, a.in_time, a.out_time, a.shift], ['Half Day', 0, '2025-05-05T05:55:00.000Z', null, 'General']);
    const out = await punch('101', '2025-05-05 17:05:00');
    assert.equal(out.body.attendance_created, true);
    a = await day('E-A', '2025-05-05');
    assert.deepEqual([a.status, a.working_hours, a.late_entry, a.out_time], ['Present', 8.17, false, '2025-05-05T14:05:00.000Z']);
    assert.match(a.name, /^HR-ATT-2025-\d{5}$/);
    const resend = await punch('101', '2025-05-05 17:05:00');
    assert.equal(resend.body.duplicate, true);
    assert.equal(resend.body.attendance_created, false);
    const checkins = await admin.get('/api/v1/checkins?employee=E-A');
    assert.ok(checkins.body.data.every((c: { shift: string }) => c.shift === 'General'));
  });

  test('a late punch corrects the record; the default shift applies without an assignment', async () => {
    await punch('102', '2025-05-05 09:30:00');
    await punch('102', '2025-05-05 16:00:00');
    let b = await day('E-B', '2025-05-05');
    assert.deepEqual([b.status, b.working_hours, b.late_entry], ['Present', 6.5, true]);
    // A punch that arrived late (device offline) moves the in-time earlier.
    await punch('102', '2025-05-05 09:05:00');
    b = await day('E-B', '2025-05-05');
    assert.deepEqual([b.working_hours, b.late_entry, b.in_time], [6.92, false, '2025-05-05T06:05:00.000Z']);
  });

  test('a night shift is dated by its start, through the ADMS path too', async () => {
    await fetch(`${s.baseUrl}/iclock/cdata?SN=NIGHTGATE&options=all&pushver=2.4.1`);
    const body = '103\t2025-05-05 21:58:00\t0\t1\n103\t2025-05-06 06:03:00\t1\t1\n';
    const r = await fetch(`${s.baseUrl}/iclock/cdata?SN=NIGHTGATE&table=ATTLOG&Stamp=9999`, { method: 'POST', body });
    assert.equal(await r.text(), 'OK:2');
    const c = await day('E-C', '2025-05-05');
    assert.deepEqual([c.attendance_date, c.shift, c.working_hours, c.status], ['2025-05-05', 'Night', 8.08, 'Present']);
    assert.equal(await day('E-C', '2025-05-06'), undefined);
  });

  test('a holiday makes no record and leaves its check-in unlinked (HRMS test_mark_auto_attendance_on_holiday_disabled); no shift, or a shift without auto attendance, makes no record', async () => {
    const holiday = await punch('101', '2025-05-07 09:00:00');
    assert.equal(holiday.body.attendance_created, false);
    assert.equal(await day('E-A', '2025-05-07'), undefined, "HRMS has no 'On Holiday' status");
    const [kept] = (await admin.get('/api/v1/checkins?employee=E-A&from=2025-05-07&to=2025-05-07')).body.data;
    assert.equal(kept.shift, null, 'the check-in is kept, counted nowhere');
    const noShift = await punch('104', '2025-05-05 09:00:00');
    assert.equal(noShift.status, 200);
    assert.equal(noShift.body.attendance_created, false);
    assert.equal((await punch('105', '2025-05-05 09:00:00')).body.attendance_created, false);
    assert.equal(noShift.body.attendance_note, undefined, 'an employee without shifts gets no note');
    const outside = await punch('101', '2025-05-05 03:00:00');
    assert.equal(outside.body.attendance_created, false, 'outside every shift window');
    assert.equal(outside.body.attendance_note, 'No shift covers this time: the check-in is kept but makes no attendance');
  });

  test('attendance lists filter by employee, dates and status', async () => {
    const all = await admin.get('/api/v1/attendance?from=2025-05-01&to=2025-05-31');
    assert.ok(all.body.total >= 3);
    const present = await admin.get('/api/v1/attendance?status=Present&from=2025-05-05&to=2025-05-05');
    assert.deepEqual(present.body.data.map((a: { employee: string }) => a.employee).sort(), ['E-A', 'E-B', 'E-C']);
    assert.equal((await admin.get('/api/v1/attendance?from=05/05/2025')).status, 400);
  });

  test('shift types and assignments: HRMS names, validation, conflicts', async () => {
    const g = await admin.get('/api/v1/shift-types/General');
    assert.equal(g.body.start_time, '09:00:00');
    assert.equal(g.body.begin_check_in_before_shift_start_time, 60);
    assert.equal(g.body.determine_check_in_and_check_out, 'alternating');
    const bad = await admin.post('/api/v1/shift-types', { name: 'X', start_time: '25:00', end_time: '09:00', determine_check_in_and_check_out: 'sometimes', late_entry_grace_period: -5 });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.fields, ['start_time', 'determine_check_in_and_check_out', 'late_entry_grace_period']);
    assert.equal((await admin.post('/api/v1/shift-types', { name: 'General', start_time: '09:00', end_time: '17:00' })).status, 409);
    assert.equal((await admin.post('/api/v1/shift-types', { name: 'Zero', start_time: '09:00', end_time: '09:00' })).status, 400);
    const patched = await admin.patch('/api/v1/shift-types/Manual', { enable_auto_attendance: true, late_entry_grace_period: 5 });
    assert.deepEqual([patched.body.enable_auto_attendance, patched.body.late_entry_grace_period], [true, 5]);
    assert.equal((await admin.get('/api/v1/shift-types/Nope')).status, 404);
    const assignments = await admin.get('/api/v1/shift-assignments?employee=E-C');
    assert.deepEqual(assignments.body.data.map((a: { shift_type: string; end_date: string }) => [a.shift_type, a.end_date]), [['Night', '2025-05-31']]);
    const wrong = await admin.post('/api/v1/shift-assignments', { employee: 'E-A', shift_type: 'General', start_date: '2025-06-10', end_date: '2025-06-01' });
    assert.deepEqual(wrong.body.fields, ['end_date']);
    const ended = await admin.patch(`/api/v1/shift-assignments/${assignments.body.data[0].id}`, { end_date: '2025-05-20' });
    assert.equal(ended.body.end_date, '2025-05-20');
    assert.equal((await admin.call('DELETE', '/api/v1/shift-types/Night')).status, 409, 'assigned shift types stay');
    const holidays = await admin.get('/api/v1/holidays/KSA 2025');
    assert.deepEqual(holidays.body.holidays, [{ date: '2025-05-07', description: 'Holiday' }]);
  });

  test("GET /api/v1/attendance/holidays: each employee's holidays from the list that applies (iclockd's own view, for the grid); the summary counts them", async () => {
    const r = await admin.get('/api/v1/attendance/holidays?from=2025-05-01&to=2025-05-31');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const holiday = { date: '2025-05-07', description: 'Holiday', holiday_list: 'KSA 2025' };
    assert.deepEqual(r.body, {
      from: '2025-05-01',
      to: '2025-05-31',
      data: [
        { employee: 'E-A', employee_name: 'E-A', holidays: [holiday] },
        { employee: 'E-B', employee_name: 'E-B', holidays: [holiday] },
      ],
    });
    assert.deepEqual((await admin.get('/api/v1/attendance/holidays?from=2025-05-01&to=2025-05-31&employee=E-C')).body.data, [], 'a shift without a list');
    const summary = await admin.get('/api/v1/attendance/summary?from=2025-05-01&to=2025-05-31&employee=E-A');
    assert.equal(summary.body.data[0].on_holiday, 1, 'the holiday E-A punched on has no record and counts');
    for (const q of ['from=2025-05-31&to=2025-05-01', 'from=2025-01-01&to=2026-01-03', 'from=2025-05-01', 'from=05/01/2025&to=2025-05-31']) {
      assert.equal((await admin.get(`/api/v1/attendance/holidays?${q}`)).status, 400, q);
    }
  });
});
