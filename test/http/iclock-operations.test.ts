// The device channel's operational limits: back-pressure, archive retention, templates.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IngestGate } from '../../src/pipeline/gate.js';
import { loadCapture } from '../helpers/captures.js';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

test('IngestGate: runs up to the limit, queues up to the queue limit, refuses beyond', async () => {
  const gate = new IngestGate(1, 1);
  let release!: () => void;
  const first = gate.run(() => new Promise<string>((r) => (release = () => r('first'))));
  const second = gate.run(async () => 'second');
  assert.deepEqual(gate.load, { active: 1, waiting: 1 });
  await assert.rejects(gate.run(async () => 'third'), /Ingest is saturated/);
  release();
  assert.deepEqual(await Promise.all([first, second]), ['first', 'second']);
  assert.deepEqual(gate.load, { active: 0, waiting: 0 });
});

describe(`device channel operations on ${testDialect()}`, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ devicePolicy: 'approve', storeTemplates: true, ingestConcurrency: 1, ingestQueue: 0, archiveDays: 30 });
  });
  after(async () => {
    await s.stop();
  });

  const post = (name: string) => {
    const c = loadCapture(name);
    return fetch(`${s.baseUrl}${c.path}?${c.search}`, { method: 'POST', body: c.body });
  };

  test('a saturated server answers 503 at once, with Retry-After, and stores nothing', async () => {
    let release!: () => void;
    const held = s.running.services.gate.run(() => new Promise<void>((r) => (release = r)));
    try {
      const res = await post('35');
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '10');
      assert.match(await res.text(), /^ERROR: /);
      const json = await client(s, await s.authHeader('ingest')).post('/api/v1/punches', { employee_id: '1', timestamp: '2025-01-01 08:00:00', device_id: 'D' });
      assert.equal(json.status, 503);
      assert.equal(json.body.error_type, 'service_unavailable');
    } finally {
      release();
      await held;
    }
    assert.equal((await post('35')).status, 200);
  });

  test('templates are kept when ICLOCKD_STORE_TEMPLATES=1', async () => {
    assert.equal(await (await post('07')).text(), 'OK:5');
    const rows = (await s.running.services.db.knex('device_templates').select('kind', 'pin')) as { kind: string }[];
    assert.equal(rows.length, 5);
    assert.ok(rows.every((r) => r.kind === 'BIODATA'));
  });

  test('central enrolment: copy-users fans a terminal\'s users and templates out; sync-users pushes the employees', async () => {
    const admin = client(s, await s.authHeader('admin'));
    assert.equal(await (await post('06')).text(), 'OK:1'); // one USER from CKJF201960996 (templates came from 07 above)
    await fetch(`${s.baseUrl}/iclock/cdata?SN=TARGET01&options=all&pushver=2.4.1`);
    const copy = await admin.post('/api/v1/devices/TARGET01/commands', { command: 'copy-users', from: 'CKJF201960996' });
    assert.equal(copy.status, 201);
    assert.equal(copy.body.queued, 1 + 5);
    const texts: string[] = copy.body.commands.map((c: { command: string }) => c.command);
    assert.match(texts[0]!, /^DATA UPDATE USERINFO PIN=\S+\tName=/);
    assert.ok(texts.slice(1).every((t) => t.startsWith('DATA UPDATE BIODATA Pin=')));
    let handed = '';
    for (let i = 0; i < 30 && !handed.startsWith('C:'); i++) {
      handed = await (await fetch(`${s.baseUrl}/iclock/getrequest?SN=TARGET01`)).text();
      if (!handed.startsWith('C:')) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(handed.trim().split('\n').length, 6);
    await admin.post('/api/v1/employees', { name: 'Ana Lima', attendance_device_id: '41' });
    await admin.post('/api/v1/employees', { name: 'Left Person', attendance_device_id: '42', status: 'Left' });
    const sync = await admin.post('/api/v1/devices/TARGET01/commands', { command: 'sync-users' });
    assert.equal(sync.status, 201);
    assert.equal(sync.body.command, 'DATA UPDATE USERINFO PIN=41\tName=Ana Lima\tPri=0\tPasswd=\tCard=\tGrp=1', 'only Active employees');
    assert.equal((await admin.post('/api/v1/devices/TARGET01/commands', { command: 'copy-users' })).status, 400);
  });

  test('the archive keeps uploads for ICLOCKD_ARCHIVE_DAYS (held ones until approval), the sync log for ICLOCKD_SYNC_LOG_DAYS', async () => {
    const knex = s.running.services.db.knex;
    const count = async (table: string) => Number(((await knex(table).count({ n: '*' }).first()) as { n: number | string }).n);
    await knex('device_requests').update({ received_at: '2020-01-01 00:00:00' });
    await knex('device_requests').insert({ method: 'POST', path: '/iclock/cdata', query: 'SN=HELD', body: Buffer.from('x'), received_at: '2020-01-01 00:00:00', outcome: 'quarantined' });
    // More old sync-log rows than one delete batch, and some recent ones that stay.
    const at = (received_at: string) => ({ channel: 'adms', endpoint: '/iclock/cdata', status: 'processed', received_at });
    for (let i = 0; i < 30; i++) await knex('sync_log').insert(Array.from({ length: 200 }, () => at('2020-01-01 00:00:00')));
    const recentSync = await count('sync_log') - 6000;
    const archived = await count('device_requests');
    const removed = await s.running.services.retention.purge();
    assert.deepEqual(removed, { archive: archived - 1, syncLog: 6000, heartbeats: 0, sessions: 0 });
    const left = (await knex('device_requests').select('outcome')) as { outcome: string }[];
    assert.deepEqual(left.map((r) => r.outcome), ['quarantined']);
    assert.equal(await count('sync_log'), recentSync);
    assert.ok(recentSync > 0);
  });
});

describe(`what terminals say of themselves on ${testDialect()}`, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ devicePolicy: 'approve', deviceRate: 0 });
  });
  after(async () => {
    await s.stop();
  });

  test("a terminal's INFO answer is merged into its options, as table=options is", async () => {
    const admin = client(s, await s.authHeader('admin'));
    const post = (path: string, body: string) => fetch(`${s.baseUrl}${path}`, { method: 'POST', body });
    assert.equal((await post('/iclock/cdata?SN=INFO1&table=options', '~DeviceName=Gate,TransFlag=1111')).status, 200);
    const queued = await admin.post('/api/v1/devices/INFO1/commands', { command: 'info' });
    assert.equal(queued.status, 201);
    assert.equal(await (await fetch(`${s.baseUrl}/iclock/getrequest?SN=INFO1`)).text(), `C:${queued.body.id}:INFO\n`);
    // As capture 16 answers it: the result line, then one option per line (CRLF here).
    const answer = [`ID=${queued.body.id}&Return=0&CMD=INFO`, '~DeviceName=Front door', 'FWVersion=Ver 6.60 Apr 30 2021', 'UserCount=12', 'IPAddress=10.0.0.7', ''].join('\r\n');
    assert.equal(await (await post('/iclock/devicecmd?SN=INFO1', answer)).text(), 'OK');
    const device = await admin.get('/api/v1/devices/INFO1');
    assert.deepEqual(device.body.options, { '~DeviceName': 'Front door', TransFlag: '1111', FWVersion: 'Ver 6.60 Apr 30 2021', UserCount: '12', IPAddress: '10.0.0.7' });
    assert.equal(device.body.firmware, 'Ver 6.60 Apr 30 2021');
  });

  test('an Arabic-language terminal writing CP1256 and a Latin one writing CP1252 have their names stored as written', async () => {
    const iconv = (await import('iconv-lite')).default;
    for (const [sn, language, name, encoding] of [
      ['ARAB1', 66, 'محمد علي', 'windows-1256'],
      ['LATIN1', 69, 'José Müller', 'windows-1252'],
    ] as const) {
      assert.equal((await fetch(`${s.baseUrl}/iclock/cdata?SN=${sn}&options=all&language=${language}&pushver=2.4.1`)).status, 200);
      const body = Buffer.concat([Buffer.from('USER PIN=31\tName='), iconv.encode(name, encoding), Buffer.from('\tPri=0\tPasswd=\tCard=\tGrp=1\n')]);
      assert.equal(await (await fetch(`${s.baseUrl}/iclock/cdata?SN=${sn}&table=OPERLOG&Stamp=1`, { method: 'POST', body })).text(), 'OK:1');
      const user = (await s.running.services.db.knex('device_users').where({ device_serial: sn, pin: '31' }).first()) as { name: string };
      assert.equal(user.name, name);
    }
  });
});
