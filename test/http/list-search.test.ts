// Issue 21: the employees, devices, unmatched and sync-log lists page past 500 and search on
// the server (q), with totals, over real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

const BULK = '/api/v1/punches/bulk';
const EMPLOYEES = 620;
const UNMATCHED = 130;

const pad = (n: number) => String(n).padStart(5, '0');

describe(`list paging and search on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;

  before(async () => {
    s = await startTestServer();
    admin = client(s, await s.authHeader('admin'));
    const device = client(s, await s.authHeader('ingest'));
    const lines = ['employee,name,attendance_device_id'];
    for (let i = 1; i <= EMPLOYEES; i++) lines.push(`EMP-${pad(i)},Person ${i},${10_000 + i}`);
    lines.push('EMP-PCT,Fifty 50% Off,99999');
    const imported = await admin.call('POST', '/api/v1/employees/import', `${lines.join('\n')}\n`, { 'content-type': 'text/csv' });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    assert.equal(imported.body.created, EMPLOYEES + 1);
    const logs = Array.from({ length: UNMATCHED }, (_, i) => ({ employee_id: `U${700 + i}`, timestamp: '2025-06-02 09:00:00', device_id: 'GATE-1', log_type: 'IN' }));
    const bulk = await device.post(BULK, { logs });
    assert.equal(bulk.status, 200, JSON.stringify(bulk.body).slice(0, 500));
    const at = '2025-01-01 00:00:00';
    await s.running.services.db.knex('devices').insert([
      { serial: 'ZK-NORTH-01', alias: 'North gate', site: 'main', state: 'approved', created_at: at, updated_at: at },
      { serial: 'ZK-SOUTH-02', alias: 'Canteen', site: 'main', state: 'approved', created_at: at, updated_at: at },
    ]);
  });
  after(async () => {
    await s.stop();
  });

  test('employees: every page to the last, with the total', async () => {
    const pages = Math.ceil((EMPLOYEES + 1) / 200);
    const seen: string[] = [];
    for (let page = 1; page <= pages; page++) {
      const r = await admin.get(`/api/v1/employees?page=${page}&page_size=200`);
      assert.equal(r.status, 200);
      assert.equal(r.body.total, EMPLOYEES + 1);
      assert.equal(r.body.page, page);
      assert.equal(r.body.page_size, 200);
      seen.push(...r.body.data.map((e: { employee: string }) => e.employee));
    }
    assert.equal(seen.length, EMPLOYEES + 1);
    assert.equal(new Set(seen).size, EMPLOYEES + 1);
    assert.ok(seen.includes(`EMP-${pad(EMPLOYEES)}`));
    const past = await admin.get(`/api/v1/employees?page=${pages + 1}&page_size=200`);
    assert.deepEqual([past.body.data.length, past.body.total], [0, EMPLOYEES + 1]);
  });

  test('employees: q finds by id, by name and by biometric id, case-insensitive', async () => {
    const byId = await admin.get(`/api/v1/employees?q=emp-${pad(EMPLOYEES)}`);
    assert.deepEqual(byId.body.data.map((e: { employee: string }) => e.employee), [`EMP-${pad(EMPLOYEES)}`]);
    assert.equal(byId.body.total, 1);
    const byName = await admin.get('/api/v1/employees?q=person%20617');
    assert.deepEqual(byName.body.data.map((e: { name: string }) => e.name), ['Person 617']);
    const byBiometric = await admin.get(`/api/v1/employees?q=${10_000 + 613}`);
    assert.deepEqual(byBiometric.body.data.map((e: { employee: string }) => e.employee), [`EMP-${pad(613)}`]);
    const partial = await admin.get('/api/v1/employees?q=Person%2061&page_size=5');
    // Person 61 and Person 610..619
    assert.equal(partial.body.total, 11);
    assert.equal(partial.body.data.length, 5);
    const literal = await admin.get('/api/v1/employees?q=50%25');
    assert.deepEqual(literal.body.data.map((e: { employee: string }) => e.employee), ['EMP-PCT']);
  });

  test('devices: q finds by serial or alias', async () => {
    const bySerial = await admin.get('/api/v1/devices?q=south');
    assert.deepEqual(bySerial.body.data.map((d: { serial: string }) => d.serial), ['ZK-SOUTH-02']);
    assert.equal(bySerial.body.total, 1);
    const byAlias = await admin.get('/api/v1/devices?q=north%20GATE');
    assert.deepEqual(byAlias.body.data.map((d: { serial: string }) => d.serial), ['ZK-NORTH-01']);
    const all = await admin.get('/api/v1/devices?q=zk-&page_size=1&page=2');
    assert.equal(all.body.total, 2);
    assert.equal(all.body.data.length, 1);
  });

  test('unmatched: pages with the total, and q finds part of the id', async () => {
    const first = await admin.get('/api/v1/unmatched?page_size=100');
    assert.equal(first.body.total, UNMATCHED);
    assert.equal(first.body.data.length, 100);
    const second = await admin.get('/api/v1/unmatched?page_size=100&page=2');
    assert.equal(second.body.data.length, UNMATCHED - 100);
    const ids = new Set([...first.body.data, ...second.body.data].map((g: { attendance_device_id: string }) => g.attendance_device_id));
    assert.equal(ids.size, UNMATCHED);
    const found = await admin.get(`/api/v1/unmatched?q=u${700 + UNMATCHED - 1}`);
    assert.deepEqual(found.body.data.map((g: { attendance_device_id: string }) => g.attendance_device_id), [`U${700 + UNMATCHED - 1}`]);
    assert.equal(found.body.total, 1);
    const some = await admin.get('/api/v1/unmatched?q=U80');
    assert.equal(some.body.total, 10);
  });

  test('sync log: pages with the total under a filter', async () => {
    const all = await admin.get('/api/v1/sync-log?channel=json&page_size=1');
    assert.ok(all.body.total >= 1);
    const past = await admin.get(`/api/v1/sync-log?channel=json&page_size=1&page=${all.body.total + 1}`);
    assert.deepEqual([past.body.data.length, past.body.total], [0, all.body.total]);
  });

  test('a page size over 500 is refused, not cut silently', async () => {
    const r = await admin.get('/api/v1/employees?page_size=501');
    assert.equal(r.status, 400);
  });
});
