// Issue 21: the punch and check-in history over real HTTP: filters, CSV, discard, re-link, and
// what admins did recorded beside the punch.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';
import { findEmployeesByIds } from '../../src/store/employees.js';

const RECEIVE = '/api/method/phr.phr.api.biometric_realtime_sync.receive_attendance_log';

describe(`punch history API on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;
  let device: ReturnType<typeof client>;

  before(async () => {
    s = await startTestServer({ timeZone: 'Asia/Riyadh' });
    admin = client(s, await s.authHeader('admin'));
    device = client(s, await s.authHeader('ingest'));
    const at = '2025-01-01 00:00:00';
    await s.running.services.db.knex('devices').insert([{ serial: 'NORTH-1', site: 'north', time_zone: 'Europe/London', state: 'approved', created_at: at, updated_at: at }]);
    for (const [employee, name, id, extra] of [
      ['H-1', 'Hana', '101', {}],
      ['H-2', 'Hadi', '102', {}],
      ['H-N', 'Nadia', '101', { site: 'north' }],
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
  const punch = async (employee_id: string, timestamp: string, device_id: string, log_type = 'IN') => {
    const r = await device.post(RECEIVE, { employee_id, timestamp, device_id, log_type });
    assert.ok(r.status < 300 || r.body.error_type === 'employee_not_found', JSON.stringify(r.body));
    return r.body as { punch_id?: number; checkin_id?: string | null };
  };

  test('filters by employee, device, site, status and dates, with totals; both times labelled with their zones', async () => {
    await punch('101', '2025-03-01 08:00:00', 'HIST-A');
    await punch('101', '2025-03-02 08:00:00', 'HIST-A', 'OUT');
    await punch('102', '2025-03-02 09:00:00', 'HIST-B');
    await punch('999', '2025-03-02 10:00:00', 'HIST-B');
    await s.running.services.ingest.ingest([
      { deviceSerial: 'NORTH-1', deviceId: null, site: 'north', deviceUserId: '101', localTime: '2025-03-02 07:00:00', instant: new Date('2025-03-02T07:00:00Z'), timeZone: 'Europe/London', logType: 'AUTO', punchState: 0, verifyMode: 1, workCode: null, latitude: null, longitude: null, source: 'adms' },
    ]);

    const byEmployee = await admin.get('/api/v1/punches?employee=H-1');
    assert.equal(byEmployee.body.total, 2);
    const day = await admin.get('/api/v1/punches?employee=H-1&from=2025-03-02&to=2025-03-02');
    assert.equal(day.body.total, 1);
    const p = day.body.data[0];
    assert.equal(p.local_time, '2025-03-02 08:00:00');
    assert.equal(p.time_zone, 'Asia/Riyadh');
    assert.equal(p.site_time, '2025-03-02 08:00:00');
    assert.equal(p.site_time_zone, 'Asia/Riyadh');
    assert.equal(p.employee_name, 'Hana');
    assert.match(p.checkin_id, /^CHECKIN-/);
    assert.equal(p.checkin_time, '2025-03-02T05:00:00.000Z');

    assert.equal((await admin.get('/api/v1/punches?device=HIST-B')).body.total, 2);
    assert.equal((await admin.get('/api/v1/punches?device=HIST-B&status=unmatched')).body.total, 1);
    const north = await admin.get('/api/v1/punches?site=north');
    assert.equal(north.body.total, 1);
    assert.equal(north.body.data[0].employee, 'H-N');
    assert.equal(north.body.data[0].local_time, '2025-03-02 07:00:00');
    assert.equal(north.body.data[0].time_zone, 'Europe/London');
    assert.equal(north.body.data[0].site_time, '2025-03-02 10:00:00', 'the same instant in ICLOCKD_TZ');
    assert.equal((await admin.get('/api/v1/punches?employee=NOBODY')).body.total, 0);
    const paged = await admin.get('/api/v1/punches?device=HIST-A&page_size=1&page=2');
    assert.equal(paged.body.total, 2);
    assert.equal(paged.body.data.length, 1);
    assert.equal(paged.body.data[0].local_time, '2025-03-01 08:00:00');

    const checkins = await admin.get('/api/v1/checkins?employee=H-1&device=HIST-A&from=2025-03-01&to=2025-03-01');
    assert.equal(checkins.body.total, 1);
    assert.equal(checkins.body.data[0].time_zone, 'Asia/Riyadh');
    assert.equal(checkins.body.data[0].local_time, '2025-03-01 08:00:00');
    assert.ok('attendance' in checkins.body.data[0]);
    // By the employee's site and by log type.
    assert.equal((await admin.get('/api/v1/checkins?site=north')).body.total, 1);
    assert.equal((await admin.get('/api/v1/checkins?site=north')).body.data[0].employee, 'H-N');
    assert.equal((await admin.get('/api/v1/checkins?employee=H-1&log_type=OUT')).body.total, 1);
    assert.equal((await admin.get('/api/v1/checkins?employee=H-1&log_type=IN')).body.total, 1);
    assert.equal((await admin.get('/api/v1/checkins?log_type=SIDEWAYS')).status, 400);
  });

  test('format=csv answers every row of the filter, past one page, as CSV', async () => {
    const logs = Array.from({ length: 520 }, (_, i) => ({ employee_id: '102', timestamp: `2025-04-01 ${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00`, device_id: 'CSV-1', log_type: 'IN' }));
    const bulk = await device.post('/api/method/phr.phr.api.biometric_realtime_sync.receive_bulk_attendance_logs', { logs });
    assert.equal(bulk.status, 200, JSON.stringify(bulk.body).slice(0, 300));
    const csv = await admin.get('/api/v1/punches?device=CSV-1&format=csv&page_size=5');
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="punches.csv"/);
    const lines = (csv.body as string).trim().split('\r\n');
    assert.equal(lines.length, 521);
    assert.match(lines[0]!, /^id,status,employee,employee_name,employee_id,device_serial,device_id,site,local_time,time_zone,site_time,site_time_zone,time,/);
    assert.ok(lines.slice(1).every((l) => l.includes(',checked_in,H-2,Hadi,102,CSV-1,')));
    assert.equal(new Set(lines.slice(1).map((l) => l.split(',')[0])).size, 520, 'no row twice');

    const cin = await admin.get('/api/v1/checkins?device=CSV-1&from=2025-04-01&to=2025-04-01&format=csv');
    const clines = (cin.body as string).trim().split('\r\n');
    assert.equal(clines.length, 521);
    assert.match(clines[0]!, /^checkin_id,employee,employee_name,time,local_time,time_zone,log_type,device_id,shift,shift_start,shift_end,/);
    const none = await admin.get('/api/v1/checkins?employee=NOBODY&format=csv');
    assert.equal((none.body as string).trim().split('\r\n').length, 1, 'the header alone');
  });

  test('a discarded punch stays stored, never becomes a check-in, and its history says who discarded it', async () => {
    const held = await punch('101', '2099-01-01 08:00:00', 'DISC');
    assert.ok(held.punch_id);
    const stray = await punch('777', '2025-05-01 08:00:00', 'DISC');
    const checkinsBefore = await count('checkins');

    const d = await admin.post(`/api/v1/punches/${held.punch_id}/discard`, { note: 'clock reset' });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    assert.deepEqual(d.body, { success: true, punch_id: held.punch_id, status: 'discarded' });
    assert.equal((await admin.post(`/api/v1/punches/${held.punch_id}/accept`, {})).status, 409, 'no longer held');
    assert.equal((await admin.post(`/api/v1/punches/${held.punch_id}/discard`, {})).status, 409);
    assert.equal((await admin.post(`/api/v1/punches/${held.punch_id}/relink`, { employee: 'H-1' })).status, 409);

    assert.equal((await admin.post(`/api/v1/punches/${stray.punch_id}/discard`, {})).status, 200);
    // The employee the stray id was waiting for arrives: the discarded punch stays discarded.
    assert.equal((await admin.post('/api/v1/employees', { employee: 'H-777', name: 'Late', attendance_device_id: '777' })).status, 201);
    await s.running.services.ingest.settleForgottenPunches();
    // A resend is a duplicate of the discarded row, still no check-in.
    const resend = await device.post(RECEIVE, { employee_id: '777', timestamp: '2025-05-01 08:00:00', device_id: 'DISC', log_type: 'IN' });
    assert.equal(resend.status, 200, JSON.stringify(resend.body));
    assert.equal(resend.body.discarded, true);
    assert.equal(resend.body.checkin_id, null);
    // The same through the HRMS method (the sync tool): answered by the punch, said to be discarded.
    const hrms = await device.post('/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field', {
      employee_field_value: '777',
      timestamp: '2025-05-01 08:00:00',
      device_id: 'DISC',
      log_type: 'IN',
    });
    assert.equal(hrms.status, 200, JSON.stringify(hrms.body));
    assert.equal(hrms.body.message.name, `PUNCH-${stray.punch_id}`);
    assert.equal(hrms.body.message.iclockd_status, 'discarded');
    assert.equal(await count('checkins'), checkinsBefore);
    assert.equal(await count('punches', { device_serial: 'DISC' }), 2);

    const listed = await admin.get('/api/v1/punches?device=DISC&status=discarded');
    assert.equal(listed.body.total, 2);
    const one = await admin.get(`/api/v1/punches/${held.punch_id}`);
    assert.equal(one.body.status, 'discarded');
    assert.equal(one.body.reviews.length, 1);
    assert.deepEqual({ ...one.body.reviews[0], at: undefined }, { action: 'discard', from_status: 'suspect_time', to_status: 'discarded', detail: 'clock reset', actor: 'test admin', at: undefined });

    const checkedIn = await punch('101', '2025-05-02 08:00:00', 'DISC');
    const p = (await admin.get('/api/v1/punches?device=DISC&status=checked_in')).body.data[0];
    assert.equal(p.checkin_id, checkedIn.checkin_id);
    assert.equal((await admin.post(`/api/v1/punches/${p.id}/discard`, {})).status, 409, 'a punch with a check-in is not discarded');
  });

  test('a re-linked punch becomes exactly one check-in of that employee, recorded', async () => {
    const stray = await punch('555', '2025-06-01 08:00:00', 'RELINK');
    const also = await punch('555', '2025-06-01 08:00:00', 'RELINK-2');
    assert.equal(stray.checkin_id, undefined, 'unmatched');
    const before = await count('checkins');

    const r = await admin.post(`/api/v1/punches/${stray.punch_id}/relink`, { employee: 'H-2' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.outcome, 'created');
    assert.equal(r.body.status, 'checked_in');
    assert.equal(r.body.employee, 'H-2');
    assert.match(r.body.checkin_id, /^CHECKIN-/);
    assert.equal(await count('checkins'), before + 1);

    // The same second by another terminal, re-linked too: it joins that check-in, no second one.
    const again = await admin.post(`/api/v1/punches/${also.punch_id}/relink`, { employee: 'H-2' });
    assert.equal(again.body.outcome, 'duplicate');
    assert.equal(again.body.checkin_id, r.body.checkin_id);
    assert.equal(await count('checkins'), before + 1);
    assert.equal((await admin.post(`/api/v1/punches/${stray.punch_id}/relink`, { employee: 'H-1' })).status, 409, 'already a check-in');

    const list = await admin.get(`/api/v1/checkins?employee=H-2&from=2025-06-01&to=2025-06-01`);
    assert.equal(list.body.total, 1);
    const one = await admin.get(`/api/v1/punches/${stray.punch_id}`);
    assert.equal(one.body.employee, 'H-2');
    assert.equal(one.body.reviews[0].action, 'relink');
    assert.equal(one.body.reviews[0].from_status, 'unmatched');
    assert.equal(one.body.reviews[0].to_status, 'checked_in');

    assert.equal((await admin.post(`/api/v1/punches/${also.punch_id}/relink`, { employee: 'H-1' })).status, 409);
    assert.equal((await admin.post(`/api/v1/punches/999999/relink`, { employee: 'H-2' })).status, 404);
    const nobody = await punch('556', '2025-06-01 09:00:00', 'RELINK');
    assert.equal((await admin.post(`/api/v1/punches/${nobody.punch_id}/relink`, { employee: 'NOBODY' })).status, 404);
    assert.equal((await admin.post('/api/v1/employees', { employee: 'H-OFF', name: 'Off', status: 'Inactive' })).status, 201);
    assert.equal((await admin.post(`/api/v1/punches/${nobody.punch_id}/relink`, { employee: 'H-OFF' })).status, 409, 'not Active');
  });

  test('a punch discarded while an employee for its id is being settled stays discarded: no check-in behind the admin\'s back', async () => {
    const stray = await punch('888', '2025-09-01 08:00:00', 'RACE');
    const knex = s.running.services.db.knex;
    const at = '2025-01-01 00:00:00';
    // An employee for 888 written without settling its punches (as if its transaction had not got there yet).
    await knex('employees').insert({ employee: 'H-888', name: 'Racer', attendance_device_id: '888', site: 'main', status: 'Active', created_at: at, updated_at: at });
    const row = (await knex('employees').where({ employee: 'H-888' }).first()) as { id: number };
    const employee = (await findEmployeesByIds(knex, [Number(row.id)])).get(Number(row.id))!;
    // The admin's discard holds the punch, not yet committed, while the settle starts.
    const trx = await knex.transaction();
    await trx('punches').where({ id: stray.punch_id }).update({ status: 'discarded' });
    const settling = s.running.services.ingest.settleWaitingPunchesNow(employee);
    await new Promise((r) => setTimeout(r, 400));
    await trx.commit();
    assert.equal(await settling, 0);
    assert.equal(await count('punches', { id: stray.punch_id, status: 'discarded' }), 1);
    assert.equal(await count('checkins', { employee_id: row.id }), 0);
  });

  test('a punch discarded while an admin accepts it is not accepted behind the discard', async () => {
    const held = await punch('101', '2099-03-01 08:00:00', 'RACE-2');
    const knex = s.running.services.db.knex;
    const before = await count('checkins');
    const trx = await knex.transaction();
    await trx('punches').where({ id: held.punch_id }).update({ status: 'discarded' });
    const accepting = s.running.services.ingest.review(held.punch_id!).then(
      () => 'accepted',
      (err: { code?: string; type?: string }) => String(err.type ?? err.code ?? err),
    );
    await new Promise((r) => setTimeout(r, 400));
    await trx.commit();
    assert.equal(await accepting, 'conflict');
    assert.equal(await count('punches', { id: held.punch_id, status: 'discarded' }), 1);
    assert.equal(await count('checkins'), before);
  });

  test('accepting a suspect punch is recorded with the corrected time and the reason given', async () => {
    const held = await punch('101', '2099-02-01 08:00:00', 'ACC');
    const r = await admin.post(`/api/v1/punches/${held.punch_id}/accept`, { timestamp: '2025-07-01 08:00:00', note: 'clock reset' });
    assert.equal(r.status, 200);
    const one = await admin.get(`/api/v1/punches/${held.punch_id}`);
    assert.equal(one.body.reviews[0].action, 'accept');
    assert.equal(one.body.reviews[0].to_status, 'checked_in');
    assert.equal(one.body.reviews[0].detail, 'time corrected to 2025-07-01 08:00:00 (Asia/Riyadh): clock reset');
    // A re-link says why too; a reason past 400 characters is refused.
    const stray = await punch('7001', '2025-07-02 08:00:00', 'ACC');
    assert.equal((await admin.post(`/api/v1/punches/${stray.punch_id}/relink`, { employee: 'H-1', note: 'x'.repeat(401) })).status, 400);
    assert.equal((await admin.post(`/api/v1/punches/${stray.punch_id}/relink`, { employee: 'H-1', note: 'badge swapped' })).status, 200);
    const linked = await admin.get(`/api/v1/punches/${stray.punch_id}`);
    assert.equal(linked.body.reviews[0].detail, 'linked to H-1 (user id 7001 on main): badge swapped');
  });
  test('each accept, discard and re-link, and each refused one, is a row of the sync log (channel admin) named by the terminal', async () => {
    await s.running.services.ingest.ingest([
      { deviceSerial: 'AUDIT-1', deviceId: null, site: 'main', deviceUserId: '101', localTime: '2000-01-01 00:00:00', instant: new Date('2000-01-01T00:00:00Z'), timeZone: 'Asia/Riyadh', logType: 'IN', punchState: 0, verifyMode: 1, workCode: null, latitude: null, longitude: null, source: 'adms' },
      { deviceSerial: 'AUDIT-1', deviceId: null, site: 'main', deviceUserId: '7777', localTime: '2025-08-01 08:00:00', instant: new Date('2025-08-01T05:00:00Z'), timeZone: 'Asia/Riyadh', logType: 'IN', punchState: 0, verifyMode: 1, workCode: null, latitude: null, longitude: null, source: 'adms' },
    ]);
    const listed = (await admin.get('/api/v1/punches?device=AUDIT-1')).body.data as { id: number; status: string }[];
    const suspect = listed.find((p) => p.status === 'suspect_time')!;
    const stray = listed.find((p) => p.status === 'unmatched')!;
    assert.ok(suspect && stray, JSON.stringify(listed));
    assert.equal((await admin.post(`/api/v1/punches/${suspect.id}/discard`, { note: 'reset clock' })).status, 200);
    assert.equal((await admin.post(`/api/v1/punches/${suspect.id}/accept`, {})).status, 409);
    assert.equal((await admin.post(`/api/v1/punches/${stray.id}/relink`, { employee: 'H-2' })).status, 200);
    const log = await admin.get('/api/v1/sync-log?channel=admin&device=AUDIT-1');
    const rows = (log.body.data as { endpoint: string; status: string; error: string | null; device: string }[]).map((r) => [r.endpoint, r.status, r.device, r.error === null ? null : 'error']);
    assert.deepEqual(rows.sort(), [
      [`/api/v1/punches/${stray.id}/relink`, 'processed', 'AUDIT-1', null],
      [`/api/v1/punches/${suspect.id}/accept`, 'error', 'AUDIT-1', 'error'],
      [`/api/v1/punches/${suspect.id}/discard`, 'processed', 'AUDIT-1', null],
    ].sort());
  });
});
