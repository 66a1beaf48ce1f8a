// Punches without a log type in a shift strictly based on log type (issue 20.7), over real HTTP.
// HRMS refuses such a check-in (EmployeeCheckin.fetch_shift: "Log Type is required for
// check-ins falling in the shift: {shift}."; no HRMS test covers it). The HRMS method answers
// exactly that and stores nothing (the sync tool keeps the punch and sends it again); the seed's
// JSON API and terminals keep the punch and its check-in, count it in no attendance, and say so.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

const HRMS = '/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field';
const NOTE = /^Shift Strict determines check-in and check-out strictly by log type and this punch has none: the check-in is kept but not counted in its attendance/;

function serverMessages(body: { _server_messages: string }): string[] {
  return (JSON.parse(body._server_messages) as string[]).map((m) => (JSON.parse(m) as { message: string }).message);
}

describe(`punches without a log type in a strict shift on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;
  let device: ReturnType<typeof client>;

  before(async () => {
    s = await startTestServer({ timeZone: 'Asia/Riyadh', devicePolicy: 'approve' });
    admin = client(s, await s.authHeader('admin'));
    device = client(s, await s.authHeader('ingest'));
    const shift = await admin.post('/api/v1/shift-types', { name: 'Strict', start_time: '09:00', end_time: '17:00', enable_auto_attendance: true, determine_check_in_and_check_out: 'strict' });
    assert.equal(shift.status, 201, JSON.stringify(shift.body));
    for (const n of ['1', '2', '3']) {
      await admin.post('/api/v1/employees', { employee: `S-${n}`, name: `Strict ${n}`, attendance_device_id: `20${n}` });
      assert.equal((await admin.post('/api/v1/shift-assignments', { employee: `S-${n}`, shift_type: 'Strict', start_date: '2025-05-01' })).status, 201);
    }
  });
  after(async () => {
    await s.stop();
  });

  const day = async (employee: string, date: string) => (await admin.get(`/api/v1/attendance?employee=${employee}&from=${date}&to=${date}`)).body.data as Record<string, unknown>[];
  const checkins = async (employee: string) => (await admin.get(`/api/v1/checkins?employee=${employee}`)).body.data as { local_time: string; log_type: string; shift: string | null }[];

  test('the seed API keeps the punch as a check-in counted nowhere and says why; IN and OUT make the record (was: Present with 0 hours)', async () => {
    const untyped = await device.post('/api/v1/punches', { employee_id: '201', timestamp: '2025-05-05 08:58:00', device_id: 'GATE' });
    assert.equal(untyped.status, 200, JSON.stringify(untyped.body));
    assert.equal(untyped.body.success, true);
    assert.match(untyped.body.checkin_id, /^CHECKIN-/);
    assert.equal(untyped.body.attendance_created, false);
    assert.match(untyped.body.attendance_note, NOTE);
    assert.deepEqual(await day('S-1', '2025-05-05'), [], 'no record from a log HRMS would have refused');

    const bulk = await device.post('/api/v1/punches/bulk', {
      logs: [
        { employee_id: '201', timestamp: '2025-05-05 09:00:00', device_id: 'GATE', log_type: 'IN' },
        { employee_id: '201', timestamp: '2025-05-05 17:00:00', device_id: 'GATE', log_type: 'OUT' },
        { employee_id: '201', timestamp: '2025-05-05 17:20:00', device_id: 'GATE' },
      ],
    });
    assert.deepEqual([bulk.body.processed, bulk.body.failed], [3, 0]);
    assert.deepEqual(
      bulk.body.results.map((r: { attendance_note?: string }) => NOTE.test(r.attendance_note ?? '')),
      [false, false, true],
    );
    const [record] = await day('S-1', '2025-05-05');
    assert.deepEqual([record!.status, record!.working_hours, record!.in_time, record!.out_time], ['Present', 8, '2025-05-05T06:00:00.000Z', '2025-05-05T14:00:00.000Z']);
    assert.deepEqual(
      (await checkins('S-1')).map((c) => [c.local_time, c.log_type, c.shift]).reverse(),
      [
        ['2025-05-05 08:58:00', 'AUTO', null],
        ['2025-05-05 09:00:00', 'IN', 'Strict'],
        ['2025-05-05 17:00:00', 'OUT', 'Strict'],
        ['2025-05-05 17:20:00', 'AUTO', null],
      ],
    );
  });

  test("a terminal's punch without a state (255) is stored and counted nowhere, and iclockd_checkins_uncounted_total says so", async () => {
    await fetch(`${s.baseUrl}/iclock/cdata?SN=STRICTGATE&options=all&pushver=2.4.1`);
    const r = await fetch(`${s.baseUrl}/iclock/cdata?SN=STRICTGATE&table=ATTLOG&Stamp=9999`, { method: 'POST', body: '202\t2025-05-05 09:01:00\t255\t1\n' });
    assert.equal(await r.text(), 'OK:1');
    const punches = await admin.get('/api/v1/punches?device=STRICTGATE');
    assert.deepEqual(punches.body.data.map((p: { status: string }) => p.status), ['checked_in']);
    assert.deepEqual((await checkins('S-2')).map((c) => [c.log_type, c.shift]), [['AUTO', null]]);
    assert.deepEqual(await day('S-2', '2025-05-05'), []);
    const metrics = await (await fetch(`${s.baseUrl}/metrics`)).text();
    assert.match(metrics, /^iclockd_checkins_uncounted_total\{source="adms",reason="log_type_required"\} 1$/m);
    assert.match(metrics, /^iclockd_checkins_uncounted_total\{source="json",reason="log_type_required"\} 2$/m);
  });

  test('the HRMS method answers as HRMS: 417 ValidationError "Log Type is required for check-ins falling in the shift: Strict.", nothing stored', async () => {
    const tool = device;
    const punchesBefore = (await admin.get('/api/v1/punches')).body.total as number;
    for (const log_type of [undefined, '']) {
      const r = await tool.post(HRMS, { employee_field_value: '203', timestamp: '2025-05-05 09:00:00', device_id: 'gate-1', log_type, latitude: null, longitude: null });
      assert.equal(r.status, 417, JSON.stringify(r.body));
      assert.equal(r.body.exc_type, 'ValidationError');
      assert.deepEqual(serverMessages(r.body), ['Log Type is required for check-ins falling in the shift: Strict.']);
    }
    assert.equal((await admin.get('/api/v1/punches')).body.total, punchesBefore, 'no punch stored');
    assert.deepEqual(await checkins('S-3'), []);
    const failed = await admin.get('/api/v1/sync-log?status=error');
    assert.ok(failed.body.data.some((e: { endpoint: string }) => e.endpoint.includes('add_log_based_on_employee_field')), 'the sync log shows the refused call');

    // Sent again with a direction (HRMS test_add_log_based_on_employee_field), it is taken.
    const typed = await tool.post(HRMS, { employee_field_value: '203', timestamp: '2025-05-05 09:00:00', device_id: 'gate-1', log_type: 'IN' });
    assert.equal(typed.status, 200, JSON.stringify(typed.body));
    assert.equal(typed.body.message.log_type, 'IN');
    // HRMS checks only logs that fall in the shift and count for attendance.
    const skipped = await tool.post(HRMS, { employee_field_value: '203', timestamp: '2025-05-05 12:00:00', device_id: 'gate-1', skip_auto_attendance: 1 });
    assert.equal(skipped.status, 200, JSON.stringify(skipped.body));
    const outside = await tool.post(HRMS, { employee_field_value: '203', timestamp: '2025-05-05 03:00:00', device_id: 'gate-1' });
    assert.equal(outside.status, 200, JSON.stringify(outside.body));
    assert.equal(outside.body.message.log_type, null);
  });
});
