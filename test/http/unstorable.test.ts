// Records a column cannot hold, at every door: each is rejected alone (archived, counted, named
// in the sync log), the good records beside it are stored, the terminal is answered 200 (so it
// never sends the same upload for ever), and a quarantine holding one still releases the rest.
// On both databases: SQLite enforces no length, MySQL refuses; iclockd must answer the same.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

let s: TestServer;
let admin: ReturnType<typeof client>;
let ingest: ReturnType<typeof client>;

before(async () => {
  // An admin key exists and no policy is set: new terminals wait for approval.
  s = await startTestServer({ deviceRate: 0 });
  admin = client(s, await s.authHeader('admin'));
  ingest = client(s, await s.authHeader('ingest'));
});
after(async () => {
  await s.stop();
});

const knex = () => s.running.services.db.knex;
const pinsOf = async (serial: string) => ((await knex()('punches').where({ device_serial: serial }).orderBy('device_user_id').pluck('device_user_id')) as string[]);

async function up(sn: string, body: string, stamp = '1') {
  const r = await fetch(`${s.baseUrl}/iclock/cdata?SN=${sn}&table=ATTLOG&Stamp=${stamp}`, { method: 'POST', body });
  return { status: r.status, text: await r.text(), rejected: r.headers.get('x-iclockd-rejected') };
}

const ZEROS_40 = '0'.repeat(40);

describe(`records a column cannot hold, on ${testDialect()}`, () => {
  test('a held upload with one refused line: approval stores the others, names the line, and releases later uploads', async () => {
    // As the issue has it: OK:2, then OK:1, while pending.
    assert.deepEqual(await up('QUAR1', `5001\t2026-12-03 08:00:00\t0\t1\t0\n5002\t2026-12-03 08:00:01\t0\t1\t${ZEROS_40}\n`), { status: 200, text: 'OK:2', rejected: '0' });
    assert.equal((await up('QUAR1', '5003\t2026-12-03 08:30:00\t0\t1\t0\n')).text, 'OK:1');
    assert.deepEqual(await pinsOf('QUAR1'), []);
    const approved = await admin.post('/api/v1/devices/QUAR1/approve');
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.deepEqual(approved.body.released, { requests: 2, records: 2, created: 2, duplicate: 0, rejected: 1, failed: 0 });
    assert.deepEqual(await pinsOf('QUAR1'), ['5001', '5003']);
    const archived = (await knex()('device_requests').where({ device_serial: 'QUAR1' }).orderBy('id')) as { outcome: string; rejected_lines: number; error: string | null }[];
    assert.deepEqual(archived.map((a) => [a.outcome, Number(a.rejected_lines)]), [['unparsed', 1], ['processed', 0]]);
    assert.match(archived[0]!.error!, /line 2: work_code is longer than 32 characters/);
    const device = await admin.get('/api/v1/devices/QUAR1');
    assert.equal(device.body.state, 'approved');
    assert.ok(device.body.diagnosis.findings.some((f: string) => /could not read/.test(f)), JSON.stringify(device.body.diagnosis));
    // Approving again releases nothing twice; a live upload after it is stored.
    assert.equal((await admin.post('/api/v1/devices/QUAR1/approve')).body.released.requests, 0);
    assert.equal((await up('QUAR1', '5004\t2026-12-03 09:00:00\t0\t1\t0\n')).text, 'OK:1');
    assert.deepEqual(await pinsOf('QUAR1'), ['5001', '5003', '5004']);
  });

  test('a live upload: each line no column can hold is rejected alone, the others stored, 200 on every resend', async () => {
    await admin.post('/api/v1/devices/LIVE1/approve').catch(() => undefined);
    assert.equal((await up('LIVE1', '')).status, 200); // registers it
    assert.equal((await admin.post('/api/v1/devices/LIVE1/approve')).status, 200);
    assert.equal((await admin.patch('/api/v1/devices/LIVE1', { time_zone: 'America/New_York' })).status, 200);
    const lines = [
      '6001\t2026-12-03 08:00:00\t0\t1\t0',
      `6002\t2026-12-03 08:00:01\t0\t1\t${'W'.repeat(33)}`, // work code: 33 characters
      `6003\t2026-12-03 08:00:02\t${2 ** 31}\t1\t0`, // state past INT
      `6004\t2026-12-03 08:00:03\t0\t${2 ** 31}\t0`, // verify mode past INT
      '6005\t9999-12-31 23:59:59\t0\t1\t0', // year 10000 in UTC
      `6006\t2026-12-03 08:00:04\t${2 ** 31 - 1}\t${-(2 ** 31)}\t${'W'.repeat(32)}`, // the boundaries themselves
      `${'7'.repeat(65)}\t2026-12-03 08:00:05\t0\t1`, // a PIN past 64 characters
      '6008\t2026-12-03 08:00:06\t1\t1\t0',
    ].join('\n');
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await up('LIVE1', `${lines}\n`);
      assert.deepEqual(r, { status: 200, text: 'OK:3', rejected: '5' }, `attempt ${attempt + 1}`);
    }
    assert.deepEqual(await pinsOf('LIVE1'), ['6001', '6006', '6008']);
    const boundary = (await knex()('punches').where({ device_serial: 'LIVE1', device_user_id: '6006' }).first()) as { punch_state: number; verify_mode: number; work_code: string };
    assert.deepEqual([Number(boundary.punch_state), Number(boundary.verify_mode), boundary.work_code], [2 ** 31 - 1, -(2 ** 31), 'W'.repeat(32)]);
    const log = await admin.get('/api/v1/sync-log?device=LIVE1&status=error');
    assert.equal(log.body.data[0].records_failed, 5);
    assert.match(log.body.data[0].error, /5 line\(s\)/);
    const archived = (await knex()('device_requests').where({ device_serial: 'LIVE1', outcome: 'unparsed' }).orderBy('id', 'desc').first()) as { error: string };
    for (const [line, why] of [
      [2, 'work_code is longer than 32 characters'],
      [3, 'punch_state 2147483648 is outside'],
      [4, 'verify_mode 2147483648 is outside'],
      [5, '9999-12-31 23:59:59 in America/New_York is outside the years 0001 to 9999'],
    ] as const)
      assert.ok(archived.error.includes(`line ${line}: ${why}`), archived.error);
    // The terminal's next punches are not held up behind it.
    assert.equal((await up('LIVE1', '6009\t2026-12-03 17:00:00\t1\t1\t0\n')).text, 'OK:1');
  });

  test('a Stamp no column can hold: the upload is stored and answered OK, the stamp not remembered', async () => {
    await up('STAMP1', '');
    await admin.post('/api/v1/devices/STAMP1/approve');
    assert.equal((await up('STAMP1', '8001\t2026-12-03 08:00:00\t0\t1\n', '100')).text, 'OK:1');
    const r = await up('STAMP1', '8002\t2026-12-03 08:00:01\t0\t1\n', '9'.repeat(40));
    assert.deepEqual([r.status, r.text], [200, 'OK:1']);
    assert.deepEqual(await pinsOf('STAMP1'), ['8001', '8002']);
    assert.equal((await admin.get('/api/v1/devices/STAMP1')).body.stamps.attlog, '100');
  });

  test('JSON bulk: an item no column can hold fails alone as validation_error, the others are stored', async () => {
    const logs = [
      { employee_id: '9001', timestamp: '2026-12-03 08:00:00', device_id: 'JSB1' },
      { employee_id: '9002', timestamp: '9999-12-31T23:59:59-10:00', device_id: 'JSB1' },
      { employee_id: 'x\ud800', timestamp: '2026-12-03 08:00:00', device_id: 'JSB1' },
      { employee_id: 'B\u0000C', timestamp: '2026-12-03 08:00:00', device_id: 'JSB1' },
      { employee_id: 12345678901234567890, timestamp: '2026-12-03 08:00:00', device_id: 'JSB1' },
      { employee_id: '9006', timestamp: '2026-12-03 08:00:00', device_id: 'J'.repeat(65) },
      { employee_id: '9007', timestamp: '2026-12-03 08:00:00', device_id: 'JSB1', latitude: 91 },
      { employee_id: 9008, timestamp: '2026-12-03 08:00:00', device_id: 'JSB1' },
    ];
    const r = await ingest.post('/api/v1/punches/bulk', JSON.stringify({ logs }), { 'content-type': 'application/json' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(
      r.body.results.map((x: { error_type?: string; fields?: string[] }) => [x.error_type, x.fields?.[0]]),
      [
        ['employee_not_found', undefined],
        ['validation_error', 'timestamp'],
        ['validation_error', 'employee_id'],
        ['validation_error', 'employee_id'],
        ['validation_error', 'employee_id'],
        ['validation_error', 'device_id'],
        ['validation_error', 'latitude'],
        ['employee_not_found', undefined],
      ],
    );
    assert.match(r.body.results[1].error, /outside the years 0001 to 9999/);
    assert.match(r.body.results[3].error, /control character/);
    assert.match(r.body.results[4].error, /send it as text/);
    assert.deepEqual(await pinsOf('JSB1'), ['9001', '9008']);
  });

  test('JSON single: the same values are a 400 validation_error, nothing stored', async () => {
    for (const body of [
      { employee_id: '9102', timestamp: '9999-12-31T23:59:59-10:00', device_id: 'JSS1' },
      { employee_id: 'x\ud800', timestamp: '2026-12-03 08:00:00', device_id: 'JSS1' },
      { employee_id: '12345678901234567890', timestamp: '2026-12-03 08:00:00', device_id: 'J'.repeat(65) },
    ]) {
      const r = await ingest.post('/api/v1/punches', JSON.stringify(body), { 'content-type': 'application/json' });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.deepEqual([r.body.success, r.body.error_type], [false, 'validation_error']);
    }
    assert.deepEqual(await pinsOf('JSS1'), []);
  });

  test('accepting a held punch: a corrected time no column can hold is refused; one stored unstorable cannot be taken as it is', async () => {
    const held = await ingest.post('/api/v1/punches', { employee_id: '9401', device_id: 'JSACC', timestamp: '2099-01-01 08:00:00' });
    assert.equal(held.status, 202);
    const id = held.body.punch_id as number;
    const far = await admin.post(`/api/v1/punches/${id}/accept`, { timestamp: '9999-12-31T23:59:59-10:00' });
    assert.equal(far.status, 400);
    assert.deepEqual([far.body.error_type, far.body.fields], ['validation_error', ['timestamp']]);
    if (testDialect() === 'sqlite') {
      // As SQLite kept one before the checks (MySQL never could): a year past 9999.
      await knex()('punches').where({ id }).update({ punched_at: '+010000-01-01 04:59:59' });
      const asIs = await admin.post(`/api/v1/punches/${id}/accept`, {});
      assert.equal(asIs.status, 400, JSON.stringify(asIs.body));
    }
    const fixed = await admin.post(`/api/v1/punches/${id}/accept`, { timestamp: '2026-12-03 08:00:00' });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  });

  test('ids that differ only where a separator would be are two punches, never a duplicate', async () => {
    const a = await ingest.post('/api/v1/punches', { employee_id: 'B-C', device_id: 'JSA', timestamp: '2026-12-03 08:00:00' });
    const b = await ingest.post('/api/v1/punches', { employee_id: 'C', device_id: 'JSA-B', timestamp: '2026-12-03 08:00:00' });
    assert.equal(a.body.duplicate, undefined);
    assert.equal(b.body.duplicate, undefined);
    // Control characters in ids are refused outright.
    const nul = await ingest.post('/api/v1/punches', { employee_id: 'B\u0000C', device_id: 'JSA', timestamp: '2026-12-03 08:00:00' });
    assert.equal(nul.status, 400);
    const other = await ingest.post('/api/v1/punches', { employee_id: 'C', device_id: 'JSA\u0000B', timestamp: '2026-12-03 08:00:00' });
    assert.equal(other.status, 400);
  });

  test('an IN and an OUT at the same second are two punches and two check-ins; a resend of either is a duplicate', async () => {
    const created = await admin.post('/api/v1/employees', { name: 'Same Second', attendance_device_id: '9301' });
    assert.equal(created.status, 201);
    const punch = (log_type: string) => ingest.post('/api/v1/punches', { employee_id: '9301', device_id: 'JSIO', timestamp: '2026-12-03 12:00:00', log_type });
    const first = await punch('IN');
    const second = await punch('OUT');
    assert.equal(first.status, 200);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.duplicate, undefined);
    assert.notEqual(second.body.checkin_id, first.body.checkin_id);
    assert.equal((await punch('OUT')).body.duplicate, true);
    assert.equal((await knex()('punches').where({ device_serial: 'JSIO' }).count({ n: '*' }).first() as { n: number }).n, 2);
  });

  test("a JSON punch naming a blocked terminal's serial is refused (403), as the terminal's own uploads are", async () => {
    await up('BLOCK1', '');
    assert.equal((await admin.post('/api/v1/devices/BLOCK1/block')).status, 200);
    const single = await ingest.post('/api/v1/punches', { employee_id: '1', device_id: 'BLOCK1', timestamp: '2026-12-03 08:00:00' });
    assert.equal(single.status, 403);
    assert.equal(single.body.error_type, 'permission_error');
    const bulk = await ingest.post('/api/v1/punches/bulk', { logs: [{ employee_id: '1', device_id: 'X', device_serial: 'BLOCK1', timestamp: '2026-12-03 08:00:00' }] });
    assert.equal(bulk.body.results[0].error_type, 'permission_error');
    assert.deepEqual(await pinsOf('BLOCK1'), []);
  });

  test('serial numbers are letters, digits, "-", "_" and "."; anything else is refused and registers nothing', async () => {
    for (const sn of ['BAD%20SN', 'BAD%0ASN', `${'S'.repeat(65)}`, '%E2%98%83']) {
      const r = await fetch(`${s.baseUrl}/iclock/cdata?SN=${sn}&options=all`);
      assert.equal(r.status, 400, sn);
      const poll = await fetch(`${s.baseUrl}/iclock/getrequest?SN=${sn}`);
      assert.equal(poll.status, 400, sn);
    }
    assert.equal(((await knex()('devices').whereNotIn('serial', ['QUAR1', 'LIVE1', 'STAMP1', 'BLOCK1']).count({ n: '*' }).first()) as { n: number }).n, 0);
  });

  test('a lone CR between two records: two punches, OK:2', async () => {
    await up('CRONLY', '');
    await admin.post('/api/v1/devices/CRONLY/approve');
    const r = await up('CRONLY', '7001\t2026-12-03 08:00:00\t0\t1\r7002\t2026-12-03 08:00:01\t0\t1\r');
    assert.equal(r.text, 'OK:2');
    assert.deepEqual(await pinsOf('CRONLY'), ['7001', '7002']);
  });
});
