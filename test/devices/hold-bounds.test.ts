// What nobody with a key can make iclockd keep: a terminal awaiting approval holds at most so
// many uploads, bytes and days (beyond, its uploads are refused with a 503 and stay on the
// terminal), only so many terminals may await approval, an address may introduce only so many
// new serials, and a request without a serial is archived nowhere. Over real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

describe(`bounds on what unapproved terminals leave behind, on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;
  before(async () => {
    s = await startTestServer({
      devicePolicy: 'pending',
      deviceRate: 0,
      pendingMaxUploads: 3,
      pendingMaxBytes: 2000,
      pendingMaxDays: 2,
      pendingMaxDevices: 5,
      newDevicesPerHour: 0,
    });
    admin = client(s, await s.authHeader('admin'));
  });
  after(async () => {
    await s.stop();
  });

  const knex = () => s.running.services.db.knex;
  const archived = async (serial: string) => Number(((await knex()('device_requests').where({ device_serial: serial }).count({ n: '*' }).first()) as { n: number }).n);
  const up = (sn: string, body: string) => fetch(`${s.baseUrl}/iclock/cdata?SN=${sn}&table=ATTLOG&Stamp=1`, { method: 'POST', body });
  const line = (pin: number) => `${pin}\t2026-12-03 08:${String(pin % 60).padStart(2, '0')}:00\t0\t1\n`;
  const refusedMetric = async (reason: string) => {
    const text = await (await fetch(`${s.baseUrl}/metrics`)).text();
    return Number(new RegExp(`^iclockd_pending_refused_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  };

  test('a full hold refuses further uploads with a 503 (the terminal keeps them), says so in devices show, and approval takes them all', async () => {
    for (let i = 1; i <= 3; i++) assert.equal(await (await up('HOLD1', line(i))).text(), 'OK:1');
    const refused = await up('HOLD1', line(4));
    assert.equal(refused.status, 503);
    assert.ok(refused.headers.get('retry-after'));
    assert.match(await refused.text(), /^ERROR: HOLD1 awaits approval and already has 3 uploads held/);
    assert.equal(await archived('HOLD1'), 3, 'nothing more was stored');
    assert.equal(await refusedMetric('uploads'), 1);
    const shown = await admin.get('/api/v1/devices/HOLD1');
    assert.ok(shown.body.diagnosis.findings.some((f: string) => /^Hold full: it already has 3 uploads held .*stay on the terminal until it is approved/.test(f)), JSON.stringify(shown.body.diagnosis));
    const approved = await admin.post('/api/v1/devices/HOLD1/approve');
    assert.equal(approved.body.released.created, 3);
    // Approved, it sends what it kept.
    assert.equal(await (await up('HOLD1', line(4))).text(), 'OK:1');
    assert.equal(Number(((await knex()('punches').where({ device_serial: 'HOLD1' }).count({ n: '*' }).first()) as { n: number }).n), 4);
  });

  test('bytes: an upload that would take the hold past its bytes is refused', async () => {
    const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => line(from + i)).join('');
    assert.equal((await up('HOLD2', lines(100, 30))).status, 200); // ~900 bytes
    assert.equal((await up('HOLD2', lines(200, 30))).status, 200);
    const over = await up('HOLD2', lines(300, 30));
    assert.equal(over.status, 503);
    assert.match(await over.text(), /MB held \(ICLOCKD_PENDING_MAX_BYTES/);
    assert.equal(await archived('HOLD2'), 2);
    assert.equal(await refusedMetric('bytes'), 1);
  });

  test('age: a terminal waiting longer than ICLOCKD_PENDING_MAX_DAYS has its uploads refused, its hold kept', async () => {
    assert.equal((await up('HOLD3', line(1))).status, 200);
    await knex()('devices').where({ serial: 'HOLD3' }).update({ created_at: '2000-01-01 00:00:00' });
    const old = await up('HOLD3', line(2));
    assert.equal(old.status, 503);
    assert.match(await old.text(), /has waited more than 2 days/);
    assert.equal(await archived('HOLD3'), 1, 'what it held is kept');
  });

  test('only so many terminals may await approval: a new serial beyond is refused and leaves no row', async () => {
    const pending = Number(((await knex()('devices').where({ state: 'pending' }).count({ n: '*' }).first()) as { n: number }).n);
    for (let i = pending; i < 5; i++) assert.equal((await fetch(`${s.baseUrl}/iclock/cdata?SN=CAP${i}&options=all`)).status, 200);
    const beyond = await fetch(`${s.baseUrl}/iclock/getrequest?SN=CAPBEYOND`);
    assert.equal(beyond.status, 503);
    assert.match(await beyond.text(), /terminals already await approval \(ICLOCKD_PENDING_MAX_DEVICES\)/);
    assert.equal(await knex()('devices').where({ serial: 'CAPBEYOND' }).first(), undefined);
    assert.ok((await refusedMetric('pending_devices')) >= 1);
    // Blocking one makes room.
    assert.equal((await admin.post('/api/v1/devices/CAP4/block')).status, 200);
    assert.equal((await fetch(`${s.baseUrl}/iclock/getrequest?SN=CAPBEYOND`)).status, 200);
  });

  test('a request under /iclock/ without a serial is refused and archived nowhere', async () => {
    const before = Number(((await knex()('device_requests').count({ n: '*' }).first()) as { n: number }).n);
    const r = await fetch(`${s.baseUrl}/iclock/anything`, { method: 'POST', body: 'x'.repeat(100_000) });
    assert.equal(r.status, 400);
    assert.equal(Number(((await knex()('device_requests').count({ n: '*' }).first()) as { n: number }).n), before);
  });
});

describe(`new serials per address, on ${testDialect()}`, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ devicePolicy: 'approve', deviceRate: 0, newDevicesPerHour: 3 });
  });
  after(async () => {
    await s.stop();
  });

  test('an address introduces at most ICLOCKD_NEW_DEVICES_PER_HOUR serials; known ones go on as usual', async () => {
    const poll = (sn: string) => fetch(`${s.baseUrl}/iclock/getrequest?SN=${sn}`);
    for (const sn of ['NEW1', 'NEW2', 'NEW3']) assert.equal((await poll(sn)).status, 200, sn);
    const fourth = await poll('NEW4');
    assert.equal(fourth.status, 429);
    assert.match(await fourth.text(), /ICLOCKD_NEW_DEVICES_PER_HOUR/);
    assert.equal(await s.running.services.db.knex('devices').where({ serial: 'NEW4' }).first(), undefined);
    for (const sn of ['NEW1', 'NEW2', 'NEW3']) assert.equal((await poll(sn)).status, 200, sn);
  });
});
