// The HRMS add_log_based_on_employee_field method (as ERPNext's biometric sync tool calls it)
// and the employees admin API, over real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

const HRMS = '/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field';
const ERPNEXT = '/api/method/erpnext.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field';

/** The messages in a Frappe error body, as the sync tool substring-matches them. */
function serverMessages(body: { _server_messages: string }): string[] {
  return (JSON.parse(body._server_messages) as string[]).map((m) => (JSON.parse(m) as { message: string }).message);
}

describe(`HRMS method and employees API on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;
  let tool: ReturnType<typeof client>;
  let toolKey: string;

  before(async () => {
    s = await startTestServer({ timeZone: 'Europe/Berlin' });
    admin = client(s, await s.authHeader('admin'));
    toolKey = await s.authHeader('ingest');
    tool = client(s, toolKey);
    await admin.post('/api/v1/employees', { employee: 'HR-EMP-00001', name: 'Greta', attendance_device_id: '101' });
    await admin.post('/api/v1/employees', { employee: 'HR-EMP-00002', name: 'Hans', attendance_device_id: '102', status: 'Inactive' });
  });
  after(async () => {
    await s.stop();
  });

  describe('add_log_based_on_employee_field', () => {
    // Exactly what erpnext_sync.py sends.
    const toolBody = (ts: string, extra: Record<string, unknown> = {}) => ({
      employee_field_value: '101',
      timestamp: ts,
      device_id: 'gate-1',
      log_type: 'IN',
      latitude: null,
      longitude: null,
      ...extra,
    });

    test('success: the Employee Checkin document under "message"', async () => {
      const r = await tool.post(HRMS, toolBody('2025-05-06 08:00:00'), { accept: 'application/json' });
      assert.equal(r.status, 200);
      const doc = r.body.message;
      assert.match(doc.name, /^CHECKIN-\d{4}-\d{5}$/);
      assert.equal(doc.doctype, 'Employee Checkin');
      assert.equal(doc.employee, 'HR-EMP-00001');
      assert.equal(doc.employee_name, 'Greta');
      assert.equal(doc.log_type, 'IN');
      assert.equal(doc.time, '2025-05-06 08:00:00', 'naive, in the site zone');
      assert.equal(doc.device_id, 'gate-1');
      assert.equal(doc.docstatus, 0);
      assert.equal(doc.skip_auto_attendance, 0);
      const checkins = await admin.get('/api/v1/checkins?employee=HR-EMP-00001');
      assert.equal(checkins.body.data[0].time, '2025-05-06T06:00:00.000Z', 'Berlin summer time is UTC+2');
    });

    test('a clock-reset punch: 200 with a name the sync tool can log, and the punch held for review', async () => {
      for (const ts of ['2000-01-01 00:00:05', '2099-06-01 08:00:00']) {
        const r = await tool.post(HRMS, toolBody(ts), { accept: 'application/json' });
        assert.equal(r.status, 200);
        // erpnext_sync.py joins message.name into its success log: it must be text.
        assert.equal(typeof r.body.message.name, 'string');
        assert.match(r.body.message.name, /^PUNCH-\d+$/);
        assert.equal(r.body.message.iclockd_status, 'suspect_time');
        const held = await admin.get(`/api/v1/punches?status=suspect_time`);
        assert.ok(held.body.data.some((p: { id: number }) => `PUNCH-${p.id}` === r.body.message.name));
      }
      // And the next punch goes through as usual.
      const next = await tool.post(HRMS, toolBody('2025-05-04 17:31:00', { log_type: 'OUT' }));
      assert.match(next.body.message.name, /^CHECKIN-/);
    });

    test("the sync tool's Shift Type update: last_sync_of_checkin stored, as a Frappe resource; unknown shift 404, other fields 417", async () => {
      assert.equal((await admin.post('/api/v1/shift-types', { name: 'Day Shift', start_time: '09:00', end_time: '17:00' })).status, 201);
      // As erpnext_sync.py sends it: PUT, a JSON body, no Content-Type, str(datetime) with microseconds.
      const put = (name: string, body: string) =>
        fetch(`${s.baseUrl}/api/resource/Shift%20Type/${encodeURIComponent(name)}`, { method: 'PUT', headers: { authorization: toolKey, accept: 'application/json' }, body });
      const r = await put('Day Shift', JSON.stringify({ last_sync_of_checkin: '2025-05-06 18:00:00.123456' }));
      assert.equal(r.status, 200);
      const doc = (await r.json()) as { data: { name: string; doctype: string; last_sync_of_checkin: string } };
      assert.deepEqual([doc.data.name, doc.data.doctype, doc.data.last_sync_of_checkin], ['Day Shift', 'Shift Type', '2025-05-06 18:00:00']);
      assert.equal((await admin.get('/api/v1/shift-types/Day%20Shift')).body.last_sync_of_checkin, '2025-05-06T16:00:00.000Z', 'Berlin summer time');
      const missing = await put('Night', JSON.stringify({ last_sync_of_checkin: '2025-05-06 18:00:00' }));
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { exc_type: string }).exc_type, 'DoesNotExistError');
      const other = await put('Day Shift', JSON.stringify({ start_time: '08:00' }));
      assert.equal(other.status, 417);
      assert.equal((await put('Day Shift', JSON.stringify({ last_sync_of_checkin: 'yesterday' }))).status, 417);
      assert.equal((await fetch(`${s.baseUrl}/api/resource/Shift%20Type/Day%20Shift`, { method: 'PUT', body: '{}' })).status, 401);
    });

    test('a resend: 417 with ERPNext\'s exact duplicate message', async () => {
      const r = await tool.post(HRMS, toolBody('2025-05-06 08:00:00'));
      assert.equal(r.status, 417);
      assert.equal(r.body.exc_type, 'ValidationError');
      const [message] = serverMessages(r.body);
      assert.ok(message!.startsWith('This employee already has a log with the same timestamp.<Br>'), message);
      assert.ok(JSON.stringify(r.body).includes('This employee already has a log with the same timestamp'));
    });

    test('an unknown biometric id: 417 "No Employee found…", and the punch is kept', async () => {
      const r = await tool.post(HRMS, toolBody('2025-05-06 08:00:00', { employee_field_value: '999' }));
      assert.equal(r.status, 417);
      assert.equal(r.body.exc_type, 'ValidationError');
      assert.deepEqual(serverMessages(r.body), ["No Employee found for the given employee field value. 'attendance_device_id': 999"]);
      const unmatched = await admin.get('/api/v1/punches?unmatched=1');
      assert.ok(unmatched.body.data.some((p: { employee_id: string; source: string }) => p.employee_id === '999' && p.source === 'hrms'));
      // The sync log says why it was refused, as it does for the JSON API's errors.
      const logged = (await admin.get('/api/v1/sync-log?channel=json&status=error')).body.data as { endpoint: string; error: string | null }[];
      const row = logged.find((l) => l.endpoint === HRMS);
      assert.ok(row, JSON.stringify(logged));
      assert.match(row.error ?? '', /No Employee found for the given employee field value/);
    });

    test('an Inactive employee: 417 InactiveEmployeeStatusError with ERPNext\'s text', async () => {
      const r = await tool.post(HRMS, toolBody('2025-05-06 09:00:00', { employee_field_value: '102' }));
      assert.equal(r.status, 417);
      assert.equal(r.body.exc_type, 'InactiveEmployeeStatusError');
      assert.match(serverMessages(r.body)[0]!, /^Transactions cannot be created for an Inactive Employee <a href="\/app\/employee\/HR-EMP-00002">HR-EMP-00002<\/a>\.$/);
    });

    test('missing parameters: 417 with ERPNext\'s text', async () => {
      const r = await tool.post(HRMS, { employee_field_value: '101' });
      assert.equal(r.status, 417);
      assert.deepEqual(serverMessages(r.body), ["'employee_field_value' and 'timestamp' are required."]);
    });

    test('the older erpnext.* path, form-encoded arguments and skip_auto_attendance', async () => {
      const form = new URLSearchParams({ employee_field_value: '101', timestamp: '2025-05-06 17:00:00', log_type: 'OUT', skip_auto_attendance: '1' });
      const r = await tool.post(ERPNEXT, form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.message.log_type, 'OUT');
      assert.equal(r.body.message.skip_auto_attendance, 1);
      assert.equal(r.body.message.device_id, null);
    });

    test('no log_type is an AUTO punch (null log_type in the document)', async () => {
      const r = await tool.post(HRMS, toolBody('2025-05-07 08:00:00', { log_type: null }));
      assert.equal(r.status, 200);
      assert.equal(r.body.message.log_type, null);
    });

    test('bad credentials: 401 AuthenticationError in Frappe\'s shape', async () => {
      const r = await client(s, 'token nope:nope').post(HRMS, toolBody('2025-05-06 08:00:00'));
      assert.equal(r.status, 401);
      assert.equal(r.body.exc_type, 'AuthenticationError');
    });
  });

  describe('employees API', () => {
    test('creates with a generated id, lists, reads, updates', async () => {
      const created = await admin.post('/api/v1/employees', { name: 'Ines', attendance_device_id: 300 });
      assert.equal(created.status, 201);
      assert.match(created.body.employee, /^EMP-\d{5}$/);
      assert.equal(created.body.attendance_device_id, '300');
      assert.equal(created.body.status, 'Active');
      assert.equal(created.body.site, 'main');

      const one = await admin.get(`/api/v1/employees/${created.body.employee}`);
      assert.equal(one.status, 200);
      assert.equal(one.body.name, 'Ines');

      const patched = await admin.patch(`/api/v1/employees/${created.body.employee}`, { status: 'left', name: 'Ines K.' });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.status, 'Left');
      assert.equal(patched.body.name, 'Ines K.');

      const list = await admin.get('/api/v1/employees?status=Left');
      assert.deepEqual(list.body.data.map((e: { employee: string }) => e.employee), [created.body.employee]);
      const search = await admin.get('/api/v1/employees?q=greta');
      assert.deepEqual(search.body.data.map((e: { employee: string }) => e.employee), ['HR-EMP-00001']);
      const page = await admin.get('/api/v1/employees?page=2&page_size=1');
      assert.equal(page.body.page, 2);
      assert.equal(page.body.data.length, 1);
      assert.ok(page.body.total >= 3);
    });

    test('a generated id skips ids given explicitly', async () => {
      await admin.post('/api/v1/employees', { employee: 'EMP-00099', name: 'Explicit' });
      const ids = new Set<string>();
      for (let i = 0; i < 3; i++) ids.add((await admin.post('/api/v1/employees', { name: `Gen ${i}` })).body.employee);
      assert.equal(ids.size, 3);
      assert.ok(!ids.has('EMP-00099'));
    });

    test('conflicts: the same employee id, the same biometric id on one site', async () => {
      const dupId = await admin.post('/api/v1/employees', { employee: 'HR-EMP-00001', name: 'Again' });
      assert.equal(dupId.status, 409);
      assert.equal(dupId.body.error_type, 'conflict');
      const dupDevice = await admin.post('/api/v1/employees', { name: 'Clash', attendance_device_id: '101' });
      assert.equal(dupDevice.status, 409);
      assert.equal(dupDevice.body.error, 'attendance_device_id 101 already belongs to HR-EMP-00001 on site main');
      const otherSite = await admin.post('/api/v1/employees', { name: 'Elsewhere', attendance_device_id: '101', site: 'plant-2' });
      assert.equal(otherSite.status, 201);
    });

    test('validation names every bad field; unknown ids are 404', async () => {
      const r = await admin.post('/api/v1/employees', { name: '', status: 'Retired', attendance_device_id: { x: 1 } });
      assert.equal(r.status, 400);
      assert.deepEqual(r.body.fields, ['name', 'attendance_device_id', 'status']);
      assert.equal((await admin.get('/api/v1/employees/EMP-NOPE')).status, 404);
      assert.equal((await admin.patch('/api/v1/employees/EMP-NOPE', { name: 'x' })).status, 404);
      const rename = await admin.patch('/api/v1/employees/HR-EMP-00001', { employee: 'OTHER' });
      assert.equal(rename.status, 400);
    });
  });

  describe('admin reads', () => {
    test('check-ins filter by employee, device and dates (in ICLOCKD_TZ)', async () => {
      const all = await admin.get('/api/v1/checkins?employee=HR-EMP-00001');
      assert.ok(all.body.total >= 3);
      const byDevice = await admin.get('/api/v1/checkins?device=gate-1');
      assert.ok(byDevice.body.data.every((c: { device_id: string }) => c.device_id === 'gate-1'));
      const day = await admin.get('/api/v1/checkins?employee=HR-EMP-00001&from=2025-05-06&to=2025-05-06');
      assert.deepEqual(day.body.data.map((c: { local_time: string }) => c.local_time).sort(), ['2025-05-06 08:00:00', '2025-05-06 17:00:00']);
      assert.equal((await admin.get('/api/v1/checkins?employee=NOBODY')).body.total, 0);
      assert.equal((await admin.get('/api/v1/checkins?from=2025/05/06')).status, 400);
    });

    test('punches filter by device, status and dates', async () => {
      const r = await admin.get('/api/v1/punches?device=gate-1&from=2025-05-06&to=2025-05-07');
      assert.ok(r.body.total >= 2);
      for (const p of r.body.data) {
        assert.deepEqual(Object.keys(p), ['id', 'device_serial', 'device_id', 'site', 'employee_id', 'local_time', 'time', 'time_zone', 'log_type', 'punch_state', 'verify_mode', 'work_code', 'latitude', 'longitude', 'source', 'status', 'site_time', 'site_time_zone', 'employee', 'employee_name', 'checkin_id', 'checkin_time', 'received_at']);
      }
      assert.equal((await admin.get('/api/v1/punches?status=bogus')).status, 400);
    });
  });
});
