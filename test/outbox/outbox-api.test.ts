// /api/v1/targets, /api/v1/outbox, the metrics, and `iclockd targets|outbox`, on the real app.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CliHarness, cliHarness } from '../helpers/cli.js';
import { testDialect } from '../helpers/db.js';
import { FakeErpnext } from '../helpers/fakeErpnext.js';
import { FakeWebhook } from '../helpers/fakeWebhook.js';
import { FAST_OUTBOX, until } from '../helpers/outbox.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

describe(`forwarding admin API on ${testDialect()}`, () => {
  let s: TestServer;
  let erp: FakeErpnext;
  let hook: FakeWebhook;
  before(async () => {
    s = await startTestServer({ ...FAST_OUTBOX, devicePolicy: 'approve' });
    erp = await FakeErpnext.start();
    hook = await FakeWebhook.start();
  });
  after(async () => {
    await s.stop();
    await erp.close();
    await hook.close();
  });

  test('targets: add, list and read with secrets masked, test, pause, resume, remove', async () => {
    const admin = client(s, await s.authHeader('admin'));
    const bad = await admin.post('/api/v1/targets', { kind: 'erpnext', url: 'ftp://erp' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.fields, ['name', 'url', 'api_key', 'api_secret']);

    const created = await admin.post('/api/v1/targets', { name: 'erp', kind: 'erpnext', url: erp.url, api_key: erp.apiKey, api_secret: erp.apiSecret, time_zone: 'Asia/Riyadh' });
    assert.equal(created.status, 201);
    assert.deepEqual(
      { ...created.body, created_at: undefined },
      {
        success: true,
        name: 'erp',
        kind: 'erpnext',
        url: erp.url,
        state: 'active',
        state_reason: null,
        api_key: erp.apiKey,
        api_secret: '********',
        method: 'hrms',
        employee_fieldname: 'attendance_device_id',
        employee_value: 'attendance_device_id',
        time_zone: 'Asia/Riyadh',
        queue: { pending: 0, rejected: 0, dead: 0 },
        last_delivered_at: null,
        last_error: null,
        last_error_at: null,
        created_at: undefined,
      },
    );
    assert.equal((await admin.post('/api/v1/targets', { name: 'erp', kind: 'erpnext', url: erp.url, api_key: 'k', api_secret: 's' })).status, 409);

    const webhook = await admin.post('/api/v1/targets', { name: 'hook', kind: 'webhook', url: hook.url });
    assert.equal(webhook.status, 201);
    assert.match(webhook.body.secret, /^[0-9a-f]{48}$/, 'a generated signing secret, shown once');
    hook.secret = webhook.body.secret;

    const list = await admin.get('/api/v1/targets');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.data.map((t: { name: string; state: string }) => [t.name, t.state]), [['erp', 'active'], ['hook', 'active']]);
    assert.equal(list.body.total, 2);
    const text = JSON.stringify(list.body) + JSON.stringify((await admin.get('/api/v1/targets/hook')).body);
    assert.ok(!text.includes(erp.apiSecret) && !text.includes(hook.secret), 'no secret in any answer');
    assert.equal((await admin.get('/api/v1/targets/hook')).body.secret, '********');

    assert.deepEqual((await admin.post('/api/v1/targets/erp/test')).body, { success: true, target: 'erp', status: 200, message: 'ERPNext accepts the API key; it belongs to iclockd-sync@example.com, who may read Employee Checkin' });
    assert.equal((await admin.post('/api/v1/targets/hook/test')).body.success, true);
    const paused = await admin.post('/api/v1/targets/hook/pause');
    assert.deepEqual([paused.body.state, paused.body.state_reason], ['paused', 'paused by an operator']);
    assert.equal((await admin.post('/api/v1/targets/hook/resume')).body.state, 'active');
    const patched = await admin.patch('/api/v1/targets/erp', { method: 'erpnext' });
    assert.equal(patched.body.method, 'erpnext');
    assert.equal((await admin.patch('/api/v1/targets/erp', { method: 'hrms', kind: 'webhook' })).status, 400);
    await admin.patch('/api/v1/targets/erp', { method: 'hrms' });
    assert.equal((await admin.get('/api/v1/targets/nope')).status, 404);
    assert.ok(!s.logs.map((l) => JSON.stringify(l)).join('\n').includes(erp.apiSecret), 'never logged');
  });

  test('a punch becomes one outbox row per target, delivered; rows are listed and counted in the metrics', async () => {
    const admin = client(s, await s.authHeader('admin'));
    const device = client(s, await s.authHeader('ingest'));
    erp.addEmployee('HR-EMP-1', '5001');
    await admin.post('/api/v1/employees', { employee: 'EMP-5001', name: 'Noor', attendance_device_id: '5001' });
    await admin.post('/api/v1/employees', { employee: 'EMP-5002', name: 'Sami', attendance_device_id: '5002' });
    const punched = await device.post('/api/v1/punches', { employee_id: '5001', timestamp: '2025-07-01 08:00:00', device_id: 'GATE-1', log_type: 'IN' });
    assert.equal(punched.status, 200);
    await device.post('/api/v1/punches', { employee_id: '5002', timestamp: '2025-07-01 08:00:00', device_id: 'GATE-1', log_type: 'IN' });

    await until('3 delivered, 1 rejected', async () => {
      const r = await admin.get('/api/v1/outbox?state=delivered,rejected');
      return r.body.total === 4;
    });
    const rejected = await admin.get('/api/v1/outbox?state=rejected');
    assert.equal(rejected.body.total, 1);
    const row = rejected.body.data[0];
    assert.deepEqual(
      [row.target, row.employee, row.state, row.failure_reason, row.last_status, row.last_error],
      ['erp', 'EMP-5002', 'rejected', 'employee_not_found', 417, "No Employee found for the given employee field value. 'attendance_device_id': 5002"],
    );
    assert.match(row.checkin, /^CHECKIN-\d{4}-\d{5}$/);
    assert.equal((await admin.get(`/api/v1/outbox/${row.id}`)).body.id, row.id);
    assert.equal((await admin.get('/api/v1/outbox?state=delivered&target=erp')).body.data[0].remote_ref, erp.checkins[0]!.name);
    assert.equal((await admin.get('/api/v1/outbox?employee=EMP-5001')).body.total, 2);
    assert.equal((await admin.get('/api/v1/outbox?state=lost')).status, 400);
    assert.equal((await admin.get('/api/v1/outbox/999999')).status, 404);
    assert.deepEqual((await admin.get('/api/v1/targets/erp')).body.queue, { pending: 0, rejected: 1, dead: 0 });

    // Sent again by hand: still no such employee in ERPNext, refused again.
    const retried = await admin.post(`/api/v1/outbox/${row.id}/retry`);
    assert.equal(retried.body.state, 'pending');
    await until('refused again', async () => (await admin.get(`/api/v1/outbox/${row.id}`)).body.state === 'rejected');
    assert.deepEqual((await admin.post('/api/v1/outbox/retry', { state: 'dead' })).body, { success: true, state: 'dead', requeued: 0 });
    const delivered = (await admin.get('/api/v1/outbox?state=delivered&target=erp')).body.data[0];
    assert.equal((await admin.post(`/api/v1/outbox/${delivered.id}/retry`)).status, 409);

    const metrics = await (await fetch(`${s.baseUrl}/metrics`)).text();
    assert.match(metrics, /^iclockd_outbox_attempts_total\{target="erp",outcome="delivered"\} 1$/m);
    assert.match(metrics, /^iclockd_outbox_attempts_total\{target="hook",outcome="delivered"\} 2$/m);
    assert.match(metrics, /^iclockd_outbox_failures_total\{target="erp",reason="employee_not_found"\} 2$/m);
    assert.match(metrics, /^iclockd_outbox_rows\{target="erp",state="rejected"\} 1$/m);
    assert.match(metrics, /^iclockd_outbox_delivery_latency_seconds_count\{target="hook"\} 2$/m);
    assert.match(metrics, /^iclockd_outbox_request_duration_seconds_count\{target="erp"\} 3$/m);
    assert.match(metrics, /^iclockd_outbox_target_up\{target="erp",state="active"\} 1$/m);

    assert.equal((await admin.call('DELETE', '/api/v1/targets/hook')).status, 200);
    assert.equal((await admin.get('/api/v1/targets/hook')).status, 404);
    assert.equal((await admin.get('/api/v1/outbox?target=erp')).body.total, 2);
  });
});

describe(`iclockd targets and outbox on ${testDialect()}`, () => {
  let h: CliHarness;
  let erp: FakeErpnext;
  before(async () => {
    erp = await FakeErpnext.start();
    h = await cliHarness({ ICLOCKD_OUTBOX_MAX_TRIES: '1', ICLOCKD_OUTBOX_POLL_MS: '10' });
  });
  after(async () => {
    await h.services.outbox.stop();
    await h.cleanup();
    await erp.close();
  });
  const cli = (...argv: string[]) => h.cli(...argv);

  test('add, list, test, pause, resume; dead rows listed and sent again', async () => {
    const added = await cli('targets', 'add', 'erp', '--kind', 'erpnext', '--url', erp.url, '--api-key', erp.apiKey, '--api-secret', erp.apiSecret, '--time-zone', 'Asia/Riyadh');
    assert.equal(added.code, 0, added.err.join('\n'));
    assert.deepEqual(added.out, [`added erpnext target erp (active) → ${erp.url}`, 'check it with: iclockd targets test erp']);
    const hook = await cli('targets', 'add', 'hook', '--kind', 'webhook', '--url', 'http://127.0.0.1:9/hook', '--paused');
    assert.match(hook.out[1]!, /^signing secret: [0-9a-f]{48}$/);
    const secret = hook.out[1]!.split(' ').at(-1)!;

    const list = await cli('targets', 'list');
    assert.match(list.out[0]!, /^NAME\s+KIND\s+STATE\s+PENDING\s+REJECTED\s+DEAD\s+LAST DELIVERED\s+URL$/);
    assert.match(list.out[1]!, /^erp\s+erpnext\s+active\s+0\s+0\s+0\s+-\s+http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(list.out[2]!, /^hook\s+webhook\s+paused\s+0/);
    const json = (await cli('targets', 'list', '--json')).out.join('\n');
    assert.ok(!json.includes(erp.apiSecret) && !json.includes(secret), 'secrets never printed by list');

    assert.deepEqual((await cli('targets', 'test', 'erp')).out, ['erp: ok: ERPNext accepts the API key; it belongs to iclockd-sync@example.com, who may read Employee Checkin']);
    await cli('targets', 'set', 'erp', '--api-secret', 'wrong-secret-value');
    const failed = await cli('targets', 'test', 'erp');
    assert.equal(failed.code, 1);
    assert.deepEqual(failed.err, ['iclockd: erp: ERPNext refused the API key and secret (HTTP 401)']);
    await cli('targets', 'set', 'erp', '--api-secret', erp.apiSecret);
    assert.deepEqual((await cli('targets', 'pause', 'erp')).out, ['paused erp']);
    assert.deepEqual((await cli('targets', 'resume', 'erp')).out, ['resumed erp']);
    assert.deepEqual((await cli('targets', 'remove', 'hook')).out, ['removed hook']);

    // ERPNext down and one try allowed: the row goes dead.
    erp.down = true;
    erp.addEmployee('HR-1', '7001');
    await h.services.employees.create({ employee: 'EMP-7001', name: 'Lina', attendance_device_id: '7001' });
    await h.services.ingest.ingest([
      {
        deviceSerial: 'SN-9', deviceId: null, site: 'main', deviceUserId: '7001', localTime: '2025-08-01 08:00:00', instant: new Date('2025-08-01T08:00:00Z'), timeZone: 'UTC',
        logType: 'IN', punchState: null, verifyMode: null, workCode: null, latitude: null, longitude: null, source: 'json',
      },
    ]);
    h.services.outbox.start();
    await until('dead', async () => (await h.services.outbox.list({ states: ['dead'] }, { offset: 0, limit: 10 })).total === 1);
    await h.services.outbox.stop();

    const dead = await cli('outbox', 'list', '--state', 'dead');
    assert.match(dead.out[0]!, /^ID\s+TARGET\s+CHECK-IN\s+EMPLOYEE\s+STATE\s+TRIES\s+REASON\s+LAST ERROR$/);
    assert.match(dead.out[1]!, /^\d+\s+erp\s+CHECKIN-\d{4}-00001\s+EMP-7001\s+dead\s+1\s+http_503\s+503 Service Temporarily Unavailable$/);
    assert.deepEqual((await cli('outbox', 'list', '--state', 'pending')).out, ['no pending rows']);
    const id = dead.out[1]!.split(/\s+/)[0]!;
    assert.deepEqual((await cli('outbox', 'retry', id)).out, [`row ${id} is pending again; it goes out on the next pass`]);
    assert.equal((await cli('outbox', 'retry')).code, 1);
    assert.deepEqual((await cli('outbox', 'retry', '--all-dead')).out, ['0 dead row(s) queued again']);

    erp.down = false;
    h.services.outbox.start();
    await until('delivered', async () => (await h.services.outbox.list({ states: ['delivered'] }, { offset: 0, limit: 10 })).total === 1);
    await h.services.outbox.stop();
    assert.equal(erp.checkins.length, 1);
    assert.match((await cli('outbox', 'list')).out[1]!, /\sdelivered\s+1\s+-\s+-$/);
  });
});
