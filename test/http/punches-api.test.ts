// The seed's JSON attendance API over real HTTP: every reply shape, error type, resends,
// bulk limits, time forms, suspect times, sync log and statistics.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

const SEED = '/api/method/phr.phr.api.biometric_realtime_sync';
const RECEIVE = `${SEED}.receive_attendance_log`;
const BULK = `${SEED}.receive_bulk_attendance_logs`;

describe(`JSON attendance API on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;
  let device: ReturnType<typeof client>;
  let ingestKey: string;

  before(async () => {
    // Riyadh: UTC+3 all year, so naive device times are easy to check.
    s = await startTestServer({ timeZone: 'Asia/Riyadh', maxBodyBytes: 256 * 1024 });
    admin = client(s, await s.authHeader('admin'));
    ingestKey = await s.authHeader('ingest');
    device = client(s, ingestKey);
    const knex = s.running.services.db.knex;
    const at = '2025-01-01 00:00:00';
    await knex('devices').insert([
      { serial: 'NY-1', site: 'main', time_zone: 'America/New_York', state: 'approved', created_at: at, updated_at: at },
      { serial: 'NORTH-1', site: 'north', time_zone: null, state: 'approved', created_at: at, updated_at: at },
    ]);
    for (const [employee, name, id, extra] of [
      ['EMP-001', 'Amal', '12345', {}],
      ['EMP-002', 'Badr', '67890', {}],
      ['EMP-003', 'Carim', '555', { status: 'Inactive' }],
      ['EMP-N07', 'Nora (north)', '7', { site: 'north' }],
      ['EMP-M07', 'Malik (main)', '7', {}],
    ] as const) {
      const r = await admin.post('/api/v1/employees', { employee, name, attendance_device_id: id, ...extra });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
  });
  after(async () => {
    await s.stop();
  });

  const count = async (table: string, where: Record<string, unknown> = {}) =>
    Number(((await s.running.services.db.knex(table).where(where).count({ n: '*' }).first()) as { n: number | string }).n);

  describe('single log', () => {
    test('a punch becomes a check-in; the reply is the seed body', async () => {
      const r = await device.post(RECEIVE, {
        employee_id: '12345',
        timestamp: '2025-01-27 14:30:00',
        device_id: 'DEVICE-001',
        log_type: 'IN',
        device_serial: 'ZK123456',
        latitude: '24.7136',
        longitude: '46.6753',
      });
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.body), ['success', 'checkin_id', 'message', 'employee', 'attendance_created', 'timestamp']);
      assert.equal(r.body.success, true);
      assert.match(r.body.checkin_id, /^CHECKIN-\d{4}-\d{5}$/);
      assert.equal(r.body.message, 'Attendance logged successfully');
      assert.equal(r.body.employee, 'EMP-001');
      assert.equal(r.body.attendance_created, false);
      assert.equal(r.body.timestamp, '2025-01-27 14:30:00');
      const list = await admin.get('/api/v1/checkins?employee=EMP-001');
      const checkin = list.body.data.find((c: { checkin_id: string }) => c.checkin_id === r.body.checkin_id);
      assert.equal(checkin.time, '2025-01-27T11:30:00.000Z', 'naive time read in ICLOCKD_TZ (Asia/Riyadh)');
      assert.equal(checkin.log_type, 'IN');
      assert.equal(checkin.device_id, 'DEVICE-001');
      assert.equal(checkin.latitude, 24.7136);
      assert.equal(checkin.longitude, 46.6753);
    });

    test('a resend is a duplicate: 200, duplicate: true, the same check-in, nothing stored twice', async () => {
      const body = { employee_id: '67890', timestamp: '2025-01-27 08:00:00', device_id: 'DEVICE-001', log_type: 'IN' };
      const first = await device.post('/api/v1/punches', body);
      const punches = await count('punches');
      const checkins = await count('checkins');
      const again = await device.post(RECEIVE, body);
      assert.equal(again.status, 200);
      assert.equal(again.body.success, true);
      assert.equal(again.body.duplicate, true);
      assert.equal(again.body.checkin_id, first.body.checkin_id);
      assert.equal(again.body.employee, 'EMP-002');
      assert.equal(await count('punches'), punches);
      assert.equal(await count('checkins'), checkins);
    });

    test('the same punch sent five times at once makes one punch and one check-in', async () => {
      const body = { employee_id: '67890', timestamp: '2025-01-28 08:00:00', device_id: 'DEVICE-002', log_type: 'IN' };
      const replies = await Promise.all(Array.from({ length: 5 }, () => device.post(RECEIVE, body)));
      for (const r of replies) assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(new Set(replies.map((r) => r.body.checkin_id)).size, 1);
      assert.equal(await count('punches', { device_serial: 'DEVICE-002' }), 1);
    });

    test('IN and OUT in the same second are two check-ins; two devices in the same second with one log type are one', async () => {
      const base = { employee_id: '67890', timestamp: '2025-01-29 17:00:00', device_id: 'GATE-A' };
      const a = await device.post(RECEIVE, { ...base, log_type: 'IN' });
      const b = await device.post(RECEIVE, { ...base, device_id: 'GATE-B', log_type: 'OUT' });
      assert.notEqual(a.body.checkin_id, b.body.checkin_id);
      const c = await device.post(RECEIVE, { ...base, device_id: 'GATE-C', log_type: 'OUT' });
      assert.equal(c.status, 200);
      assert.equal(c.body.duplicate, true, 'as HRMS: one log per employee, second and log type');
      assert.equal(c.body.checkin_id, b.body.checkin_id);
    });

    test('missing and invalid fields: 400 validation_error naming every bad field', async () => {
      const r = await device.post(RECEIVE, { timestamp: '2025-02-30 10:00:00', log_type: 'SIDEWAYS', latitude: 123 });
      assert.equal(r.status, 400);
      assert.deepEqual(Object.keys(r.body).slice(0, 3), ['success', 'error', 'error_type']);
      assert.equal(r.body.success, false);
      assert.equal(r.body.error_type, 'validation_error');
      assert.deepEqual(r.body.fields, ['employee_id', 'device_id', 'timestamp', 'log_type', 'latitude']);
      assert.match(r.body.error, /^Missing required fields: employee_id, device_id\. Invalid fields: timestamp, log_type, latitude/);
      const seedExample = await device.post(RECEIVE, { timestamp: '2025-01-27 14:30:00', device_id: 'D' });
      assert.deepEqual(seedExample.body, {
        success: false,
        error: 'Missing required fields: employee_id',
        error_type: 'validation_error',
        fields: ['employee_id'],
      });
    });

    test('an unknown employee: 404 employee_not_found, and the punch is kept unmatched', async () => {
      const r = await device.post(RECEIVE, { employee_id: '4242', timestamp: '2025-01-27 09:00:00', device_id: 'DEVICE-001' });
      assert.equal(r.status, 404);
      assert.equal(r.body.success, false);
      assert.equal(r.body.error_type, 'employee_not_found');
      assert.match(r.body.error, /attendance_device_id 4242/);
      const unmatched = await admin.get('/api/v1/punches?unmatched=1');
      const stored = unmatched.body.data.find((p: { id: number }) => p.id === r.body.punch_id);
      assert.equal(stored.status, 'unmatched');
      assert.equal(stored.employee_id, '4242');
      const again = await device.post(RECEIVE, { employee_id: '4242', timestamp: '2025-01-27 09:00:00', device_id: 'DEVICE-001' });
      assert.equal(again.status, 404);
      assert.equal(again.body.duplicate, true);
      assert.equal(again.body.punch_id, r.body.punch_id);
    });

    test('an unmatched punch becomes a check-in when the employee is added', async () => {
      const r = await device.post(RECEIVE, { employee_id: '9001', timestamp: '2025-01-27 10:00:00', device_id: 'DEVICE-001', log_type: 'IN' });
      assert.equal(r.status, 404);
      const created = await admin.post('/api/v1/employees', { name: 'Dana', attendance_device_id: '9001' });
      assert.equal(created.status, 201);
      assert.match(created.body.employee, /^EMP-\d{5}$/);
      assert.equal(created.body.linked_punches, 1);
      const checkins = await admin.get(`/api/v1/checkins?employee=${created.body.employee}`);
      assert.equal(checkins.body.total, 1);
      assert.equal(checkins.body.data[0].time, '2025-01-27T07:00:00.000Z');
      const punches = await admin.get(`/api/v1/punches?employee=${created.body.employee}`);
      assert.equal(punches.body.data[0].status, 'checked_in');
      assert.equal(punches.body.data[0].checkin_id, checkins.body.data[0].checkin_id);
      // The resend now finds the check-in.
      const again = await device.post(RECEIVE, { employee_id: '9001', timestamp: '2025-01-27 10:00:00', device_id: 'DEVICE-001', log_type: 'IN' });
      assert.equal(again.status, 200);
      assert.equal(again.body.duplicate, true);
      assert.equal(again.body.checkin_id, checkins.body.data[0].checkin_id);
    });

    test('…and when an existing employee gets the biometric id later', async () => {
      await device.post(RECEIVE, { employee_id: '9002', timestamp: '2025-01-27 11:00:00', device_id: 'DEVICE-001' });
      const emp = await admin.post('/api/v1/employees', { name: 'Elif' });
      assert.equal(emp.body.linked_punches, 0);
      const patched = await admin.patch(`/api/v1/employees/${emp.body.employee}`, { attendance_device_id: '9002' });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.linked_punches, 1);
    });

    test('an Inactive employee: 409 inactive_employee, punch kept; reactivating makes the check-in', async () => {
      const r = await device.post(RECEIVE, { employee_id: '555', timestamp: '2025-01-27 12:00:00', device_id: 'DEVICE-001' });
      assert.equal(r.status, 409);
      assert.equal(r.body.error_type, 'inactive_employee');
      assert.equal(r.body.employee, 'EMP-003');
      const active = await admin.patch('/api/v1/employees/EMP-003', { status: 'Active' });
      assert.equal(active.body.linked_punches, 1);
    });

    test('the same biometric id on two sites is two people', async () => {
      const north = await device.post(RECEIVE, { employee_id: '7', timestamp: '2025-01-27 08:00:00', device_id: 'NORTH-1' });
      const main = await device.post(RECEIVE, { employee_id: '7', timestamp: '2025-01-27 08:00:00', device_id: 'DEVICE-001' });
      assert.equal(north.body.employee, 'EMP-N07');
      assert.equal(main.body.employee, 'EMP-M07');
    });

    test('log_type: IN/OUT/AUTO, device codes 0/1 and punch states', async () => {
      const sent: [unknown, string][] = [['in', 'IN'], ['OUT', 'OUT'], [undefined, 'AUTO'], [0, 'IN'], ['1', 'OUT'], [2, 'OUT'], [3, 'IN'], [4, 'IN'], [5, 'OUT'], [255, 'AUTO']];
      for (const [i, [raw, expected]] of sent.entries()) {
        const ts = `2025-03-01 08:${String(i).padStart(2, '0')}:00`;
        const r = await device.post(RECEIVE, { employee_id: '12345', timestamp: ts, device_id: 'LT', log_type: raw });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      const punches = await admin.get('/api/v1/punches?device=LT&page_size=20');
      const byTime = new Map(punches.body.data.map((p: { local_time: string; log_type: string; punch_state: number | null }) => [p.local_time, p]));
      for (const [i, [raw, expected]] of sent.entries()) {
        const p = byTime.get(`2025-03-01 08:${String(i).padStart(2, '0')}:00`) as { log_type: string; punch_state: number | null };
        assert.equal(p.log_type, expected, String(raw));
        assert.equal(p.punch_state, typeof raw === 'number' || /^\d+$/.test(String(raw)) ? Number(raw) : null);
      }
    });

    test('timestamps: offset and Z are instants; naive times use the device zone, else ICLOCKD_TZ', async () => {
      const cases: [string, string, string][] = [
        ['2025-04-01T10:00:00Z', 'TZ-A', '2025-04-01T10:00:00.000Z'],
        ['2025-04-01T10:00:00+05:30', 'TZ-B', '2025-04-01T04:30:00.000Z'],
        ['2025-04-01T10:00:00', 'TZ-C', '2025-04-01T07:00:00.000Z'],
        ['2025-04-01 10:00:00', 'NY-1', '2025-04-01T14:00:00.000Z'],
        // DST edges on the New York device: the gap moves forward, the repeated hour is the first.
        ['2025-03-09 02:30:00', 'NY-1', '2025-03-09T07:30:00.000Z'],
        ['2025-11-02 01:30:00', 'NY-1', '2025-11-02T05:30:00.000Z'],
      ];
      for (const [timestamp, deviceId, utc] of cases) {
        const r = await device.post(RECEIVE, { employee_id: '12345', timestamp, device_id: deviceId });
        assert.equal(r.status, 200, `${timestamp}: ${JSON.stringify(r.body)}`);
        const c = await admin.get('/api/v1/checkins?employee=EMP-001&page_size=500');
        assert.ok(c.body.data.some((x: { checkin_id: string; time: string }) => x.checkin_id === r.body.checkin_id && x.time === utc), `${timestamp} → ${utc}`);
      }
    });

    test('a future time or a reset clock is held as suspect_time; an admin accepts or corrects it', async () => {
      const future = await device.post(RECEIVE, { employee_id: '12345', timestamp: '2099-01-01 08:00:00', device_id: 'CLK' });
      assert.equal(future.status, 202);
      assert.equal(future.body.success, true);
      assert.equal(future.body.suspect_time, true);
      assert.equal(future.body.checkin_id, null);
      const reset = await device.post(RECEIVE, { employee_id: '12345', timestamp: '2000-01-01 00:05:00', device_id: 'CLK' });
      assert.equal(reset.status, 202);
      const held = await admin.get('/api/v1/punches?status=suspect_time&device=CLK');
      assert.equal(held.body.total, 2);

      const accepted = await admin.post(`/api/v1/punches/${future.body.punch_id}/accept`, {});
      assert.equal(accepted.status, 200);
      assert.equal(accepted.body.outcome, 'created');
      assert.equal(accepted.body.employee, 'EMP-001');
      assert.match(accepted.body.checkin_id, /^CHECKIN-/);

      const corrected = await admin.post(`/api/v1/punches/${reset.body.punch_id}/accept`, { timestamp: '2025-05-05 08:05:00' });
      assert.equal(corrected.status, 200);
      const punch = (await admin.get('/api/v1/punches?device=CLK&status=checked_in')).body.data.find((p: { id: number }) => p.id === reset.body.punch_id);
      assert.equal(punch.local_time, '2025-05-05 08:05:00');
      assert.equal(punch.time, '2025-05-05T05:05:00.000Z');

      const twice = await admin.post(`/api/v1/punches/${future.body.punch_id}/accept`, {});
      assert.equal(twice.status, 409);
      assert.equal(twice.body.error_type, 'conflict');
      assert.equal((await admin.post('/api/v1/punches/999999/accept', {})).status, 404);
    });
  });

  describe('bulk', () => {
    test('1000 logs are accepted', async () => {
      const logs = Array.from({ length: 1000 }, (_, i) => ({
        employee_id: i % 2 ? '12345' : '67890',
        timestamp: `2025-06-${String(1 + Math.floor(i / 60)).padStart(2, '0')} 10:${String(i % 60).padStart(2, '0')}:00`,
        device_id: 'BULK-1000',
        log_type: i % 2 ? 'IN' : 'OUT',
      }));
      const r = await device.post(BULK, { logs });
      assert.equal(r.status, 200);
      assert.equal(r.body.success, true);
      assert.equal(r.body.total, 1000);
      assert.equal(r.body.processed, 1000);
      assert.equal(r.body.failed, 0);
      assert.equal(r.body.results.length, 1000);
      assert.equal(await count('punches', { device_serial: 'BULK-1000' }), 1000);
      const again = await device.post('/api/v1/punches/bulk', { logs });
      assert.equal(again.body.processed, 1000);
      assert.ok(again.body.results.every((x: { duplicate?: boolean }) => x.duplicate === true));
      assert.equal(await count('punches', { device_serial: 'BULK-1000' }), 1000);
    });

    test('1001 logs are refused with 400 before anything is written', async () => {
      const punches = await count('punches');
      const logs = Array.from({ length: 1001 }, (_, i) => ({ employee_id: '12345', timestamp: `2025-07-01 10:00:${String(i % 60).padStart(2, '0')}`, device_id: `B${i}` }));
      const r = await device.post(BULK, { logs });
      assert.equal(r.status, 400);
      assert.equal(r.body.error_type, 'validation_error');
      assert.equal(r.body.error, 'Too many logs: 1001; at most 1000 per request');
      assert.equal(await count('punches'), punches);
    });

    test('a mix of good, bad and unknown items: each answered, none blocks the others', async () => {
      const r = await device.post(BULK, {
        logs: [
          { employee_id: '12345', timestamp: '2025-08-01 08:00:00', device_id: 'MIX', log_type: 'IN' },
          { employee_id: '12345', timestamp: 'not a time', device_id: 'MIX' },
          { employee_id: 'nobody', timestamp: '2025-08-01 08:01:00', device_id: 'MIX' },
          'not an object',
          { employee_id: '67890', timestamp: '2025-08-01T08:02:00+03:00', device_id: 'MIX', log_type: 'OUT' },
          { employee_id: '12345', timestamp: '2025-08-01 08:00:00', device_id: 'MIX', log_type: 'IN' },
        ],
      });
      assert.equal(r.status, 200);
      assert.deepEqual({ success: r.body.success, processed: r.body.processed, failed: r.body.failed, total: r.body.total }, { success: true, processed: 3, failed: 3, total: 6 });
      const [good, bad, unknown, notObject, offset, repeat] = r.body.results;
      assert.deepEqual(Object.keys(good), ['success', 'employee_id', 'checkin_id', 'employee']);
      assert.equal(good.employee, 'EMP-001');
      assert.equal(bad.success, false);
      assert.equal(bad.error_type, 'validation_error');
      assert.deepEqual(bad.fields, ['timestamp']);
      assert.equal(unknown.error_type, 'employee_not_found');
      assert.equal(notObject.error_type, 'validation_error');
      assert.equal(offset.employee, 'EMP-002');
      assert.equal(repeat.duplicate, true);
      assert.equal(repeat.checkin_id, good.checkin_id);
    });

    test('logs must be an array', async () => {
      const r = await device.post(BULK, { logs: 'x' });
      assert.equal(r.status, 400);
      assert.deepEqual(r.body.fields, ['logs']);
    });
  });

  describe('transport and auth', () => {
    test('no key, a wrong secret, a revoked key: 401 authentication_error', async () => {
      const body = { employee_id: '12345', timestamp: '2025-01-27 14:30:00', device_id: 'D' };
      assert.equal((await client(s).post(RECEIVE, body)).body.error_type, 'authentication_error');
      const [key] = ingestKey.split(' ')[1]!.split(':');
      const wrong = await client(s, `token ${key}:wrong`).post(RECEIVE, body);
      assert.equal(wrong.status, 401);
      const revokable = await s.authHeader('ingest');
      assert.equal((await client(s, revokable).get('/api/v1/ping')).status, 200);
      await s.running.services.apiKeys.revoke(revokable.split(' ')[1]!.split(':')[0]!);
      const revoked = await client(s, revokable).post(RECEIVE, body);
      assert.equal(revoked.status, 401);
      assert.deepEqual(revoked.body, { success: false, error: 'Invalid API key or secret', error_type: 'authentication_error' });
    });

    test('an ingest key may post punches and test the connection, nothing else', async () => {
      assert.equal((await device.get(`${SEED}.get_realtime_sync_statistics`)).status, 403);
      assert.equal((await device.get('/api/v1/checkins')).status, 403);
      assert.equal((await device.get('/api/v1/employees')).status, 403);
      assert.equal((await device.post('/api/v1/employees', { name: 'x' })).status, 403);
    });

    test('a body over the limit is 413, a wrong content type 415', async () => {
      const big = await device.post(BULK, { logs: [{ employee_id: 'x'.repeat(300 * 1024) }] });
      assert.equal(big.status, 413);
      assert.equal(big.body.error_type, 'payload_too_large');
      const text = await device.post(RECEIVE, 'employee_id=1', { 'content-type': 'text/plain' });
      assert.equal(text.status, 415);
      assert.equal(text.body.error_type, 'unsupported_media_type');
    });

    test('test_connection answers GET and POST with server_time and version', async () => {
      for (const r of [await device.get(`${SEED}.test_connection`), await device.post(`${SEED}.test_connection`), await device.get('/api/v1/ping')]) {
        assert.equal(r.status, 200);
        assert.deepEqual(Object.keys(r.body), ['success', 'message', 'server_time', 'version']);
        assert.equal(r.body.message, 'Connection successful');
        assert.match(r.body.server_time, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      }
    });

    test('?wrap=frappe and X-Frappe-Compat: 1 put the body under "message"', async () => {
      const wrapped = await device.get(`${SEED}.test_connection?wrap=frappe`);
      assert.equal(wrapped.body.message.message, 'Connection successful');
      const body = { employee_id: '12345', timestamp: '2025-09-01 08:00:00', device_id: 'W' };
      const r = await device.post(RECEIVE, body, { 'x-frappe-compat': '1' });
      assert.equal(r.status, 200);
      assert.equal(r.body.message.success, true);
      assert.match(r.body.message.checkin_id, /^CHECKIN-/);
      const failed = await device.post(`${RECEIVE}?wrap=frappe`, { timestamp: '2025-09-01 08:00:00', device_id: 'W' });
      assert.equal(failed.status, 400);
      assert.equal(failed.body.error_type, 'validation_error', 'errors are not wrapped');
    });
  });

  describe('sync log and statistics', () => {
    test('every request is logged with its device, outcome and counts, never a secret', async () => {
      const log = await admin.get('/api/v1/sync-log?device=MIX');
      assert.equal(log.status, 200);
      const row = log.body.data[0];
      assert.equal(row.channel, 'json');
      assert.equal(row.endpoint, BULK);
      assert.equal(row.status, 'processed');
      assert.deepEqual([row.records_total, row.records_created, row.records_duplicate, row.records_failed], [6, 2, 1, 3]);
      assert.equal(row.remote_address, '127.0.0.1');
      assert.equal(typeof row.duration_ms, 'number');

      const errors = await admin.get('/api/v1/sync-log?status=error&page_size=500');
      // A refused key writes nothing: no row, and nothing for statistics to count.
      assert.ok(!errors.body.data.some((e: { error: string }) => /API key|Authorization/.test(e.error)));
      assert.ok(errors.body.data.some((e: { error: string }) => e.error === 'Too many logs: 1001; at most 1000 per request'));
      const all = JSON.stringify((await admin.get('/api/v1/sync-log?page_size=500')).body);
      assert.ok(!all.includes(ingestKey.split(':')[1]!), 'no secret in the sync log');
      assert.equal((await admin.get('/api/v1/sync-log?status=nope')).status, 400);
    });

    test('statistics over a date range, per device and channel, at the seed path and the alias', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const seed = await admin.get(`${SEED}.get_realtime_sync_statistics?from_date=2000-01-01&to_date=2100-01-01`);
      assert.equal(seed.status, 200);
      assert.equal(seed.body.success, true);
      for (const k of ['total_requests', 'successful', 'errors', 'success_rate']) assert.equal(typeof seed.body[k], 'number', k);
      assert.ok(seed.body.total_requests >= seed.body.successful + seed.body.errors);
      assert.ok(seed.body.errors > 0);
      const mix = seed.body.by_device.find((d: { device: string }) => d.device === 'MIX');
      assert.deepEqual(mix, { device: 'MIX', total_requests: 1, successful: 1, errors: 0, success_rate: 100 });
      assert.ok(seed.body.by_channel.some((c: { channel: string }) => c.channel === 'json'));
      const none = await admin.get('/api/v1/stats?from=2000-01-01&to=2000-01-02');
      assert.deepEqual([none.body.total_requests, none.body.success_rate], [0, 0]);
      const alias = await admin.get(`/api/v1/stats?from_date=${today}`);
      assert.ok(alias.body.total_requests > 0);
      assert.equal((await admin.get('/api/v1/stats?from_date=01-01-2025')).status, 400);
    });

    test('statistics count neither their own calls nor refused keys', async () => {
      const stats = () => admin.get(`${SEED}.get_realtime_sync_statistics?from_date=2000-01-01&to_date=2100-01-01`).then((r) => r.body.total_requests as number);
      const first = await stats();
      await admin.get('/api/v1/stats');
      assert.equal((await client(s).post(RECEIVE, {})).status, 401);
      assert.equal((await client(s, 'token nosuchkey:nosecret').post(BULK, { logs: [] })).status, 401);
      assert.equal((await client(s, ingestKey).get('/api/v1/stats')).status, 403);
      assert.equal(await stats(), first);
    });
  });
});
