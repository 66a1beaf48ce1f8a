// GET /metrics: Prometheus text with the counters operators watch.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

describe(`metrics on ${testDialect()}`, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ devicePolicy: 'approve' });
  });
  after(async () => {
    await s.stop();
  });

  test('requests, punches by outcome, ingest latency, devices seen, command queue, pool', async () => {
    const admin = client(s, await s.authHeader('admin'));
    const device = client(s, await s.authHeader('ingest'));
    await admin.post('/api/v1/employees', { name: 'M', attendance_device_id: '1' });
    await device.post('/api/v1/punches', { employee_id: '1', timestamp: '2025-01-01 08:00:00', device_id: 'D' });
    await device.post('/api/v1/punches', { employee_id: '1', timestamp: '2025-01-01 08:00:00', device_id: 'D' });
    await device.post('/api/v1/punches', { employee_id: '2', timestamp: '2025-01-01 08:00:00', device_id: 'D' });
    await device.post('/api/v1/punches', { employee_id: '2', timestamp: 'never', device_id: 'D' });
    await fetch(`${s.baseUrl}/iclock/cdata?SN=MET1&options=all&pushver=2.4.1`);
    await fetch(`${s.baseUrl}/iclock/cdata?SN=MET1&table=ATTLOG&Stamp=9999`, { method: 'POST', body: '5\t2025-01-01 09:00:00\t0\t1\nbad line\n' });
    // Polls, answered in front of Koa (the fast path), are counted and logged the same way.
    for (let i = 0; i < 2; i++) assert.equal(await (await fetch(`${s.baseUrl}/iclock/getrequest?SN=MET1`)).text(), 'OK');
    assert.equal((await fetch(`${s.baseUrl}/iclock/getrequest`)).status, 400);
    await admin.post('/api/v1/devices/MET1/commands', { command: 'info' });

    const res = await fetch(`${s.baseUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    const value = (line: RegExp) => {
      const m = text.split('\n').find((l) => line.test(l));
      return m ? Number(m.split(' ').at(-1)) : undefined;
    };
    assert.equal(value(/^iclockd_punches_total\{source="json",outcome="created"\}/), 1);
    assert.equal(value(/^iclockd_punches_total\{source="json",outcome="duplicate"\}/), 1);
    assert.equal(value(/^iclockd_punches_total\{source="json",outcome="unmatched"\}/), 1);
    assert.equal(value(/^iclockd_punches_total\{source="json",outcome="invalid"\}/), 1);
    assert.equal(value(/^iclockd_punches_total\{source="adms",outcome="unmatched"\}/), 1);
    assert.equal(value(/^iclockd_punches_total\{source="adms",outcome="invalid"\}/), 1);
    assert.equal(value(/^iclockd_http_requests_total\{channel="json",route="\/api\/v1\/punches",method="POST",status="200"\}/), 2);
    assert.equal(value(/^iclockd_http_requests_total\{channel="adms",route="\/iclock\/cdata",method="POST",status="200"\}/), 1);
    assert.equal(value(/^iclockd_http_requests_total\{channel="adms",route="\/iclock\/getrequest",method="GET",status="200"\}/), 2);
    assert.equal(value(/^iclockd_http_requests_total\{channel="adms",route="\/iclock\/getrequest",method="GET",status="400"\}/), 1);
    assert.ok(s.logs.some((l) => l.msg === 'request' && l.path === '/iclock/getrequest' && l.status === 400), 'a failed poll is logged');
    assert.ok((value(/^iclockd_ingest_duration_seconds_count\{source="json"\}/) ?? 0) >= 3);
    assert.equal(value(/^iclockd_devices_seen /), 1);
    assert.equal(value(/^iclockd_command_queue\{state="pending"\}/), 1);
    assert.ok(value(/^iclockd_db_pool_connections\{state="used"\}/) !== undefined);
    assert.ok(text.includes('iclockd_process_cpu_user_seconds_total'), 'default process metrics');
  });

  test('the fleet-health gauges the alert rules read: ready, silent terminals, clocks off; Galera gauges only on Galera', async () => {
    const knex = s.running.services.db.knex;
    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo).toISOString().slice(0, 19).replace('T', ' ');
    // Heard 5 min ago with the default Delay (10 s): silent. Heard 5 min ago, Delay 600 s: not.
    // Heard 5 s ago: not. Never heard: not. Blocked: not counted.
    const base = { state: 'approved', created_at: at(3_600_000), updated_at: at(0) };
    await knex('devices').insert([
      { ...base, serial: 'SILENT1', last_seen_at: at(300_000) },
      { ...base, serial: 'SLOWPOLL', last_seen_at: at(300_000), options: JSON.stringify({ Delay: '600' }) },
      { ...base, serial: 'FRESH1', last_seen_at: at(5_000), clock_drift_seconds: 7200 },
      { ...base, serial: 'NEVER1' },
      { ...base, serial: 'BLOCKED1', state: 'blocked', last_seen_at: at(300_000), clock_drift_seconds: -7200 },
    ]);
    const text = await (await fetch(`${s.baseUrl}/metrics`)).text();
    const value = (name: string) => {
      const m = text.split('\n').find((l) => l.startsWith(`${name} `));
      return m ? Number(m.split(' ').at(-1)) : undefined;
    };
    assert.equal(value('iclockd_ready'), 1);
    assert.equal(value('iclockd_devices_silent'), 1);
    assert.equal(value('iclockd_devices_clock_off'), 1, 'FRESH1 is off by 2 h; the blocked one is not counted');
    assert.equal(value('iclockd_database_cluster_size'), undefined, 'not a Galera node: no cluster gauges');
    assert.equal(value('iclockd_database_node_synced'), undefined);
    await knex('devices').whereIn('serial', ['SILENT1', 'SLOWPOLL', 'FRESH1', 'NEVER1', 'BLOCKED1']).del();
  });
});
