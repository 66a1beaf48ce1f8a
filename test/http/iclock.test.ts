// A terminal's life over real HTTP, driven by captured device requests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { DateTime } from 'luxon';
import { loadCapture } from '../helpers/captures.js';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

describe(`ADMS device channel on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;

  before(async () => {
    // An admin key exists, so new devices start pending (ICLOCKD_DEVICE_POLICY unset).
    s = await startTestServer({ timeZone: 'Asia/Riyadh' });
    admin = client(s, await s.authHeader('admin'));
  });
  after(async () => {
    await s.stop();
  });

  /** Sends a capture as the device did (optionally with another SN or body). */
  async function send(name: string, change: { sn?: string; body?: Buffer | string; search?: string } = {}) {
    const c = loadCapture(name);
    let search = change.search ?? c.search;
    if (change.sn) search = search.replace(/SN=[^&]*/i, `SN=${change.sn}`);
    const body = change.body ?? c.body;
    const res = await fetch(`${s.baseUrl}${c.path}?${search}`, {
      method: c.method,
      headers: c.method === 'POST' ? { 'content-type': 'text/plain', 'user-agent': 'iClock Proxy/1.09' } : { 'user-agent': 'iClock Proxy/1.09' },
      body: c.method === 'POST' ? body : undefined,
    });
    return { status: res.status, text: await res.text(), headers: res.headers };
  }

  const count = async (table: string, where: Record<string, unknown> = {}) =>
    Number(((await s.running.services.db.knex(table).where(where).count({ n: '*' }).first()) as { n: number | string }).n);

  test('first contact and handshake: the option block, a Date header, TimeZone for the device zone', async () => {
    const r = await send('01');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(r.text)));
    const lines = r.text.split('\n');
    assert.equal(lines[0], 'GET OPTION FROM: CKJF201960996');
    assert.ok(lines.includes('TimeZone=3'), 'Asia/Riyadh is UTC+3');
    assert.ok(lines.includes('PushOptionsFlag=1'));
    assert.ok(lines.includes('ATTLOGStamp=None'));
    assert.ok(!lines.includes('Stamp=None'), 'a 2.4.1 device gets the new stamp names only');
    const date = Date.parse(r.headers.get('date')!);
    assert.ok(Math.abs(date - Date.now()) < 5000, 'Date header is now, in GMT');
    const device = await admin.get('/api/v1/devices/CKJF201960996');
    assert.equal(device.body.state, 'pending');
    assert.equal(device.body.push_version, '2.4.1');
    assert.equal(device.body.language, 69);
    const approved = await admin.post('/api/v1/devices/CKJF201960996/approve');
    assert.equal(approved.body.state, 'approved');
  });

  test('TimeZone follows the device zone: half-hour and DST zones', async () => {
    for (const zone of ['Asia/Kolkata', 'America/New_York', 'Australia/Adelaide']) {
      await admin.patch('/api/v1/devices/CKJF201960996', { time_zone: zone });
      const r = await send('01');
      const offset = DateTime.now().setZone(zone).offset;
      const expected = offset % 60 === 0 ? String(offset / 60) : String(offset);
      assert.ok(r.text.split('\n').includes(`TimeZone=${expected}`), `${zone}: TimeZone=${expected}`);
    }
    await admin.patch('/api/v1/devices/CKJF201960996', { time_zone: null });
    assert.equal((await admin.patch('/api/v1/devices/CKJF201960996', { time_zone: 'Nowhere/Land' })).status, 400);
  });

  test('legacy firmware without pushver gets the old stamp names too', async () => {
    const r = await send('01', { search: 'SN=OLD0001&options=all' });
    assert.match(r.text, /^GET OPTION FROM: OLD0001\nStamp=None\nOpStamp=None\nPhotoStamp=None\n/);
  });

  test('options and INFO are recorded', async () => {
    assert.equal((await send('02')).text, 'OK');
    assert.equal((await send('04')).text, 'OK');
    const d = await admin.get('/api/v1/devices/CKJF201960996');
    assert.equal(d.body.options['~DeviceName'], 'SpeedFace-V5L[TD]');
    assert.equal(d.body.firmware, 'ZAM170-NF-Ver1.1.27');
    assert.equal(d.body.info.users, 1);
    assert.equal(d.body.info.ip, '192.168.54.216');
    const again = await send('01');
    assert.ok(!again.text.includes('PushOptionsFlag=1'), 'no need to ask for options again');
  });

  test('ATTLOG upload: check-ins created and OK:N after commit; the same upload again changes nothing', async () => {
    const body = loadCapture('35').body;
    const pins = [...new Set(body.toString().trim().split('\n').map((l) => l.split('\t')[0]!))];
    for (const pin of pins) await admin.post('/api/v1/employees', { name: `Person ${pin}`, attendance_device_id: pin });
    const first = await send('35', { sn: 'CKJF201960996' });
    assert.equal(first.status, 200);
    assert.equal(first.text, 'OK:9');
    const checkins = await count('checkins');
    assert.ok(checkins > 0);
    assert.equal(await count('punches', { device_serial: 'CKJF201960996', source: 'adms' }), 9);
    const again = await send('35', { sn: 'CKJF201960996' });
    assert.equal(again.text, 'OK:9');
    assert.equal(await count('checkins'), checkins);
    assert.equal(await count('punches', { device_serial: 'CKJF201960996' }), 9);
    const punches = await admin.get('/api/v1/punches?device=CKJF201960996&page_size=20');
    const p = punches.body.data[0];
    assert.equal(p.time_zone, 'Asia/Riyadh');
    assert.equal(new Date(p.time).getTime(), DateTime.fromFormat(p.local_time, 'yyyy-MM-dd HH:mm:ss', { zone: 'Asia/Riyadh' }).toMillis());
    const log = await admin.get('/api/v1/sync-log?device=CKJF201960996&channel=adms');
    assert.ok(log.body.data.some((r: { endpoint: string; records_total: number }) => r.endpoint === '/iclock/cdata?table=ATTLOG' && r.records_total === 9));
  });

  test('every ATTLOG variant: 4 fields (legacy, no table=), 8 fields with CRLF; a bad line is rejected alone', async () => {
    assert.equal((await send('12', { sn: 'CKJF201960996' })).text, 'OK:63');
    assert.equal((await send('19', { sn: 'CKJF201960996' })).text, 'OK:3');
    const mixed = await send('19', { sn: 'CKJF201960996', body: '77\t2025-02-30 08:00:00\t0\t1\n78\t2025-03-01 08:00:00\t0\t1\ngarbage\n' });
    assert.equal(mixed.text, 'OK:1');
    const archived = (await s.running.services.db.knex('device_requests').where({ outcome: 'unparsed' }).orderBy('id', 'desc').first()) as { rejected_lines: number; error: string };
    assert.equal(archived.rejected_lines, 2);
    assert.match(archived.error, /line 1: .*not a real date/);
  });

  test('OPERLOG and BIODATA uploads are kept and counted', async () => {
    assert.equal((await send('38', { sn: 'CKJF201960996' })).text, 'OK:2');
    assert.equal((await send('03')).text, 'OK:6');
    assert.equal((await send('07')).text, 'OK:5');
    assert.equal((await send('13', { sn: 'CKJF201960996' })).text, `OK:${loadCapture('13').body.toString().trim().split('\n').length}`);
    const d = await admin.get('/api/v1/devices/CKJF201960996');
    assert.equal(d.body.stamps.operlog, '289504127');
    const users = (await s.running.services.db.knex('device_users').where({ device_serial: 'CKJF201960996' }).orderBy('pin')) as { pin: string }[];
    assert.ok(users.length >= 2, 'OPERLOG USER records fill the device user directory');
    assert.equal(await count('device_templates'), 0, 'templates are not kept unless ICLOCKD_STORE_TEMPLATES=1');
  });

  test('a command is queued, handed out on getrequest, and closed by devicecmd', async () => {
    const queued = await admin.post('/api/v1/devices/CKJF201960996/commands', { command: 'info' });
    assert.equal(queued.status, 201);
    const id = queued.body.id;
    const reboot = await admin.post('/api/v1/devices/CKJF201960996/commands', { command: 'reboot' });
    const later = await admin.post('/api/v1/devices/CKJF201960996/commands', { command: 'check' });
    // The queue view is read every 2 s at most; wait for it.
    let poll = '';
    for (let i = 0; i < 30 && !poll.startsWith('C:'); i++) {
      poll = (await send('05')).text;
      if (!poll.startsWith('C:')) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(poll, `C:${id}:INFO\nC:${reboot.body.id}:REBOOT\n`, 'nothing after a REBOOT');
    const result = await send('16', { sn: 'CKJF201960996', body: loadCapture('16').body.toString().replace('ID=4&', `ID=${id}&`) });
    assert.equal(result.text, 'OK');
    await send('32', { sn: 'CKJF201960996', body: `ID=${reboot.body.id}\nReturn=0\nCMD=REBOOT` });
    const cmds = await admin.get('/api/v1/devices/CKJF201960996/commands');
    const byId = new Map(cmds.body.data.map((c: { id: number }) => [c.id, c]));
    const info = byId.get(id) as { state: string; return_code: number; result: string };
    assert.equal(info.state, 'succeeded');
    assert.equal(info.return_code, 0);
    assert.ok(info.result.split('\n').length > 100, 'the INFO content is kept');
    assert.equal((byId.get(reboot.body.id) as { state: string }).state, 'succeeded');
    assert.equal((await send('05')).text, `C:${later.body.id}:CHECK\n`);
    assert.equal((await admin.post('/api/v1/devices/CKJF201960996/commands', { command: 'fly' })).status, 400);
    assert.equal((await admin.post('/api/v1/devices/NOPE/commands', { command: 'info' })).status, 404);
  });

  test('user names go out in GB18030 to Chinese-language firmware (language=83)', async () => {
    await send('34'); // language=83
    await admin.post('/api/v1/devices/0316144680030/approve');
    await admin.post('/api/v1/devices/0316144680030/commands', { command: 'add-user', pin: '8', name: '张三' });
    let bytes = Buffer.alloc(0);
    for (let i = 0; i < 30 && !bytes.toString('latin1').startsWith('C:'); i++) {
      const res = await fetch(`${s.baseUrl}/iclock/getrequest?SN=0316144680030`);
      bytes = Buffer.from(await res.arrayBuffer());
      if (!bytes.toString('latin1').startsWith('C:')) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(bytes.includes(iconv.encode('Name=张三', 'gb18030')), 'GB18030 bytes');
    assert.ok(!bytes.includes(Buffer.from('张三', 'utf8')));
  });

  test('a pending device is answered normally, its uploads held; approval ingests them in order', async () => {
    const sn = 'PENDING001';
    assert.match((await send('01', { sn })).text, /^GET OPTION FROM: PENDING001/);
    const r = await send('35', { sn });
    assert.equal(r.text, 'OK:9');
    assert.equal(await count('punches', { device_serial: sn }), 0);
    const diagnosis = (await admin.get(`/api/v1/devices/${sn}`)).body.diagnosis;
    assert.equal(diagnosis.delivering, false);
    assert.match(diagnosis.findings[0], /^Pending approval: 1 upload\(s\) with 9 record\(s\) are held/);
    assert.equal(await count('device_requests', { device_serial: sn, outcome: 'quarantined' }), 1);
    const approved = await admin.post(`/api/v1/devices/${sn}/approve`);
    assert.equal(approved.status, 200);
    assert.deepEqual(approved.body.released, { requests: 1, records: 9, created: 9, duplicate: 0, rejected: 0, failed: 0 });
    assert.equal(await count('punches', { device_serial: sn }), 9);
    assert.equal(await count('device_requests', { device_serial: sn, outcome: 'quarantined' }), 0);
  });

  test('a device approved by another server process is not held here on a stale cache', async () => {
    const sn = 'OTHERPROC1';
    await send('01', { sn }); // cached here as pending
    await s.running.services.db.knex('devices').where({ serial: sn }).update({ state: 'approved' }); // another process approves it
    assert.equal((await send('35', { sn })).text, 'OK:9');
    assert.equal(await count('punches', { device_serial: sn }), 9);
    assert.equal(await count('device_requests', { device_serial: sn, outcome: 'quarantined' }), 0);
  });

  test('a terminal talking for seconds only is not judged on its clock (test/devices/clock.test.ts); an unknown serial is never seen', async () => {
    const tenMinutesAgo = DateTime.now().setZone('Asia/Riyadh').minus({ minutes: 10 }).toFormat('yyyy-MM-dd HH:mm:ss');
    await send('35', { sn: 'CKJF201960996', body: `900\t${tenMinutesAgo}\t0\t1\n` });
    const d = await admin.get('/api/v1/devices/CKJF201960996');
    assert.equal(d.body.clock_drift_seconds, null, 'what it held from before it connected was taken for a clock 10 minutes behind');
    assert.ok(!d.body.diagnosis.findings.some((f: string) => f.startsWith('Clock ')));
    const unknown = await admin.get('/api/v1/devices/NEVER-SEEN');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error, /^Never seen/);
  });

  test('a blocked device is refused with 401 Device Unauthorized', async () => {
    await send('01', { sn: 'BLOCKED01' });
    await admin.post('/api/v1/devices/BLOCKED01/block');
    for (const name of ['01', '35', '05']) {
      const r = await send(name, { sn: 'BLOCKED01' });
      assert.equal(r.status, 401);
      assert.equal(r.text, 'ERROR: Device Unauthorized');
    }
    assert.equal(await count('punches', { device_serial: 'BLOCKED01' }), 0);
  });

  test('a storage failure mid-upload is not acknowledged; the resend lands exactly once', async () => {
    const knex = s.running.services.db.knex;
    const body = '501\t2025-04-01 08:00:00\t0\t1\n502\t2025-04-01 08:01:00\t0\t1\n';
    await knex.schema.renameTable('device_requests', 'device_requests_away');
    try {
      const failed = await send('35', { sn: 'CKJF201960996', body });
      assert.equal(failed.status, 503);
      assert.doesNotMatch(failed.text, /^OK/);
    } finally {
      await knex.schema.renameTable('device_requests_away', 'device_requests');
    }
    assert.equal(await count('punches', { device_user_id: '501' }), 0, 'nothing half-stored');
    assert.equal((await send('35', { sn: 'CKJF201960996', body })).text, 'OK:2');
    assert.equal((await send('35', { sn: 'CKJF201960996', body })).text, 'OK:2');
    assert.equal(await count('punches', { device_user_id: '501' }), 1);
  });

  /** Polls getrequest until the device is handed a command. */
  async function nextCommands(sn: string): Promise<string> {
    for (let i = 0; i < 40; i++) {
      const r = await send('05', { sn });
      if (r.text.startsWith('C:')) return r.text;
      await new Promise((res) => setTimeout(res, 150));
    }
    return 'OK';
  }

  test('a reconciliation finds a day the device holds more of, and recovers it', async () => {
    const sn = 'CKJF201960996';
    const day = ['1\t2025-06-10 08:00:00\t0\t1', '1\t2025-06-10 12:00:00\t1\t1', '1\t2025-06-10 17:00:00\t1\t1'];
    assert.equal((await send('35', { sn, body: `${day[0]}\n${day[2]}\n` })).text, 'OK:2'); // the noon punch never arrived
    const queued = await admin.post(`/api/v1/devices/${sn}/reconcile`, { from: '2025-06-10' });
    assert.equal(queued.status, 202);
    assert.deepEqual(queued.body.days, ['2025-06-10']);
    const verify = await nextCommands(sn);
    const m = /^C:(\d+):VERIFY SUM ATTLOG StartTime=2025-06-10 00:00:00\tEndTime=2025-06-10 23:59:59\n$/.exec(verify);
    assert.ok(m, verify);
    await send('32', { sn, body: `ID=${m[1]}&Return=0&CMD=VERIFY SUM&StartTime=2025-06-10 00:00:00&EndTime=2025-06-10 23:59:59&AttlogSum=3\n` });
    const query = await nextCommands(sn);
    const q = /^C:(\d+):DATA QUERY ATTLOG StartTime=2025-06-10 00:00:00\tEndTime=2025-06-10 23:59:59\n$/.exec(query);
    assert.ok(q, query);
    // The device answers the query with the whole day, as an ordinary upload.
    assert.equal((await send('35', { sn, body: `${day.join('\n')}\n` })).text, 'OK:3');
    await send('32', { sn, body: `ID=${q[1]}&Return=0&CMD=DATA\n` });
    const stored = (await s.running.services.db.knex('punches').where({ device_serial: sn, device_user_id: '1' }).where('local_time', 'like', '2025-06-10%').pluck('local_time')) as string[];
    assert.deepEqual(stored.sort(), ['2025-06-10 08:00:00', '2025-06-10 12:00:00', '2025-06-10 17:00:00']);
    // A day that matches asks for nothing more.
    await admin.post(`/api/v1/devices/${sn}/reconcile`, { from: '2025-06-10' });
    const again = /^C:(\d+):VERIFY SUM/.exec(await nextCommands(sn))!;
    await send('32', { sn, body: `ID=${again[1]}&Return=0&CMD=VERIFY SUM&AttlogSum=3\n` });
    assert.equal(await nextCommands(sn), 'OK');
  });

  test('reprocess after a codec change: archived lines the old codec could not read are stored now', async () => {
    const sn = 'CKJF201960996';
    const knex = s.running.services.db.knex;
    // As an older codec left it: archived whole, its lines not read.
    await knex('device_requests').insert({
      device_serial: sn,
      method: 'POST',
      path: '/iclock/cdata',
      query: `SN=${sn}&table=ATTLOG&Stamp=9999`,
      body: Buffer.from('31\t2025-07-01 08:00:00\t0\t1\t\t0\t0\t\t\t\t\t\n32\t2025-07-01 08:05:00\t0\t1\n'),
      remote_address: '10.0.0.5',
      received_at: '2025-07-01 05:06:00',
      outcome: 'unparsed',
      records: 0,
      rejected_lines: 2,
      error: 'older codec: 12 fields not supported',
    });
    const r = await admin.post(`/api/v1/devices/${sn}/reprocess`, { from: '2025-07-01', to: '2025-07-01' });
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.requests, r.body.records, r.body.created, r.body.rejected], [1, 2, 2, 0]);
    assert.equal(await count('device_requests', { device_serial: sn, outcome: 'unparsed', received_at: '2025-07-01 05:06:00' }), 0);
    const again = await admin.post(`/api/v1/devices/${sn}/reprocess`, { from: '2025-07-01', to: '2025-07-01' });
    assert.deepEqual([again.body.created, again.body.duplicate], [0, 2], 'idempotent');
  });

  test('unknown paths and tables are archived and answered', async () => {
    const r = await fetch(`${s.baseUrl}/iclock/something-new?SN=CKJF201960996`, { method: 'POST', body: 'x=1' });
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'OK');
    const t = await send('35', { sn: 'CKJF201960996', search: 'SN=CKJF201960996&table=FUTURETABLE', body: 'a\tb\n' });
    assert.equal(t.text, 'OK');
    assert.equal(await count('device_requests', { outcome: 'unknown' }), 2);
    const noSn = await fetch(`${s.baseUrl}/iclock/cdata?options=all`);
    assert.equal(noSn.status, 400);
  });

  test('push 3.x: registry handshake, registry code, rtlog punches, tabledata counts', async () => {
    const init = await send('39');
    assert.match(init.text, /^registry=ok\nRegistryCode=[0-9a-f]{16}\n/);
    assert.ok(init.text.split('\n').includes('TransFlag=111111111111'), '3.x gets the digit TransFlag');
    assert.ok(init.text.split('\n').includes('PushProtVer=3.1.2'));
    // 3.x firmware that announces 2.4.1: the per-device override.
    await send('01', { sn: 'OVERRIDE3' });
    await admin.patch('/api/v1/devices/OVERRIDE3', { push_generation: '3' });
    const overridden = await send('01', { sn: 'OVERRIDE3' });
    assert.match(overridden.text, /^registry=ok\n/);
    assert.ok(overridden.text.split('\n').includes('TransFlag=111111111111'));
    await admin.post('/api/v1/devices/3383154200002/approve');
    const reg = await send('40');
    assert.match(reg.text, /^RegistryCode=[0-9a-f]{16}$/);
    assert.equal(await count('device_requests', { path: '/iclock/registry' }), 1, 'registry POSTs are archived too');
    assert.equal((await send('43')).text, 'user=1');
    await send('39', { sn: 'NYU7251601501' });
    await admin.post('/api/v1/devices/NYU7251601501/approve');
    assert.equal((await send('29')).text, 'OK');
    assert.equal(await count('punches', { device_serial: 'NYU7251601501', device_user_id: '445966' }), 1);
    assert.equal((await send('41', { sn: 'NYU7251601501' })).text, 'OK');
    assert.equal(await count('punches', { device_serial: 'NYU7251601501' }), 1, 'door events are not punches');
    const ping = await fetch(`${s.baseUrl}/iclock/ping?SN=NYU7251601501`);
    assert.equal(await ping.text(), 'OK');
    const time = await (await fetch(`${s.baseUrl}/iclock/rtdata?SN=NYU7251601501&type=time`)).text();
    assert.match(time, /^DateTime=\d+,ServerTZ=\+0300$/);
  });
});
