// /api/v1/pollers over real HTTP: an admin adds a terminal by address, reads it now, changes and
// removes it; the comm key is never shown; other roles are refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ZkDevice, emulatedLog, wallTimeOfUtc } from '../../src/simulator/zkDevice.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

let server: TestServer;
let device: ZkDevice;
let port: number;
before(async () => {
  server = await startTestServer();
  // Its clock runs in Dubai (UTC+4), as the poller is told: a clock right, not held.
  device = new ZkDevice({ serialNumber: 'ZKAPI0001', commKey: 777, clock: () => wallTimeOfUtc(new Date(Date.now() + 4 * 3600_000)) });
  const log = emulatedLog(40, 4, { year: 2026, month: 11, day: 2, hour: 7, minute: 0, second: 0 });
  device.records = log.records;
  device.users = log.users;
  port = await device.listen();
});
after(async () => {
  await device.close();
  await server.stop();
});

test('add, read now, change, remove', async () => {
  const admin = client(server, await server.authHeader('admin'));
  const created = await admin.call('POST', '/api/v1/pollers', { serial: 'ZKAPI0001', host: '127.0.0.1', port, comm_key: 777, interval_seconds: 3600, time_zone: 'Asia/Dubai' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual([created.body.success, created.body.serial, created.body.comm_key_set, created.body.interval_seconds, 'comm_key' in created.body], [true, 'ZKAPI0001', true, 3600, false]);
  // Added while serving: the scheduler may read it first; either way every record is stored once.
  const polled = await admin.call('POST', '/api/v1/pollers/ZKAPI0001/poll');
  assert.equal(polled.status, 200);
  assert.equal(polled.body.ok, true, JSON.stringify(polled.body));
  assert.equal(polled.body.records, 40);
  const shown = await admin.call('GET', '/api/v1/pollers/ZKAPI0001');
  assert.deepEqual([shown.body.records, shown.body.cursor.count, shown.body.last_error_kind], [40, 40, null]);
  assert.equal(Number((await server.running.services.db.knex('punches').where({ time_zone: 'Asia/Dubai' }).count({ n: '*' }))[0]!.n), 40);
  // Prometheus: how full its log is and whether the last poll read it, from one read of the pollers a scrape.
  const knex = server.running.services.db.knex;
  let reads = 0;
  const count = (q: { sql: string }) => {
    if (/^select \* from .zk_pollers. order by/i.test(q.sql)) reads++;
  };
  knex.on('query', count);
  const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
  knex.off('query', count);
  assert.match(metrics, /^iclockd_zk_terminal_up\{device="ZKAPI0001",reason="ok"\} 1$/m);
  assert.match(metrics, /^iclockd_zk_terminal_records\{device="ZKAPI0001",kind="stored"\} 40$/m);
  assert.match(metrics, /^iclockd_zk_terminal_records\{device="ZKAPI0001",kind="capacity"\} 100000$/m);
  assert.equal(reads, 1);
  const list = await admin.call('GET', '/api/v1/pollers');
  assert.deepEqual(list.body.pollers.map((p: { serial: string }) => p.serial), ['ZKAPI0001']);
  const device = await admin.call('GET', '/api/v1/devices/ZKAPI0001');
  assert.match(device.body.diagnosis.findings[0], /^Delivering \(read over TCP 4370/);
  assert.deepEqual([device.body.poller.records, device.body.poller.comm_key_set, device.body.online], [40, true, true]);
  // The users it holds name its unmatched ids on the console, as an ADMS terminal's user list does.
  const unmatched = await admin.call('GET', '/api/v1/unmatched?attendance_device_id=3');
  assert.deepEqual(unmatched.body.data.map((u: { attendance_device_id: string; device_names: string[] }) => [u.attendance_device_id, u.device_names]), [['3', ['User 3']]]);
  const changed = await admin.call('PATCH', '/api/v1/pollers/ZKAPI0001', { comm_key: 1, enabled: false });
  assert.deepEqual([changed.status, changed.body.enabled], [200, false]);
  const wrong = await admin.call('POST', '/api/v1/pollers/ZKAPI0001/poll');
  assert.deepEqual([wrong.body.ok, wrong.body.failure], [false, 'wrong_key']);
  assert.equal((await admin.call('PATCH', '/api/v1/pollers/ZKAPI0001', {})).status, 400);
  assert.equal((await admin.call('POST', '/api/v1/pollers', { serial: 'ZKAPI0001', host: '127.0.0.1' })).status, 409);
  const bad = await admin.call('POST', '/api/v1/pollers', { serial: 'X', host: 'a b', port: 0, comm_key: 1_000_000 });
  assert.equal(bad.status, 400);
  assert.deepEqual([bad.body.success, bad.body.error_type, bad.body.fields], [false, 'validation_error', ['host', 'port', 'comm_key']]);
  assert.equal((await admin.call('DELETE', '/api/v1/pollers/ZKAPI0001')).status, 200);
  assert.equal((await admin.call('GET', '/api/v1/pollers/ZKAPI0001')).status, 404);
  assert.equal((await admin.call('POST', '/api/v1/pollers/ZKAPI0001/poll')).status, 404);
});

test('an ingest key or none is refused', async () => {
  const ingest = client(server, await server.authHeader('ingest'));
  assert.equal((await ingest.call('GET', '/api/v1/pollers')).status, 403);
  assert.equal((await client(server).call('POST', '/api/v1/pollers', { serial: 'Z', host: '127.0.0.1' })).status, 401);
});
