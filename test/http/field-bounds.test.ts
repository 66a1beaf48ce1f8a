// Every field of every JSON body, at what its column cannot hold: far too long, a lone UTF-16
// surrogate (which no utf8mb4 column stores as given), a control character. Each operation is
// sent a valid body with one field replaced, and must answer as a client error or a success,
// never a 500, on both databases: SQLite stores anything, MySQL refuses, iclockd must refuse
// first. Walks the OpenAPI document, so a new operation with a body must be listed here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

interface Operation {
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
}

const HUGE = 'x'.repeat(70_000);
const VALUES: [string, unknown][] = [
  ['70,000 characters', HUGE],
  ['a lone surrogate', 'a\ud800b'],
  ['a control character', 'a\u0000b'],
  ['a number past 2^53', 12345678901234567890],
];

describe(`every body field at its column's limit, on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;
  let ingest: ReturnType<typeof client>;
  let n = 0;
  const next = () => ++n;
  const ids: Record<string, string> = {};

  before(async () => {
    s = await startTestServer({ devicePolicy: 'approve', deviceRate: 0, timeZone: 'UTC' });
    admin = client(s, await s.authHeader('admin'));
    ingest = client(s, await s.authHeader('ingest'));
    await fetch(`${s.baseUrl}/iclock/cdata?SN=FB1&options=all`);
    ids.employee = (await admin.post('/api/v1/employees', { name: 'Field Bounds', attendance_device_id: '9999' })).body.employee;
    assert.equal((await admin.post('/api/v1/shift-types', { name: 'FB Shift', start_time: '09:00', end_time: '17:00' })).status, 201);
    ids.assignment = String((await admin.post('/api/v1/shift-assignments', { employee: ids.employee, shift_type: 'FB Shift', start_date: '2026-01-01' })).body.id);
    assert.equal((await admin.post('/api/v1/targets', { name: 'fb-hook', kind: 'webhook', url: 'https://example.test/hook' })).status, 201);
    ids.held = String((await ingest.post('/api/v1/punches', { employee_id: '9998', device_id: 'FBJ', timestamp: '2099-01-01 08:00:00' })).body.punch_id);
  });
  after(async () => {
    await s.stop();
  });

  /** A valid body for each operation (made anew per call: some create records with unique names). */
  const cases = (): Record<string, { path: string; body: () => Record<string, unknown>; as: 'admin' | 'ingest' }> => ({
    'POST /api/v1/keys': { path: '/api/v1/keys', as: 'admin', body: () => ({ label: 'k', role: 'ingest' }) },
    'POST /api/method/phr.phr.api.biometric_realtime_sync.receive_attendance_log': { path: '/api/v1/punches', as: 'ingest', body: () => ({ employee_id: `P${next()}`, device_id: 'FBJ', timestamp: '2026-12-03 08:00:00' }) },
    'POST /api/v1/punches': { path: '/api/v1/punches', as: 'ingest', body: () => ({ employee_id: `P${next()}`, device_id: 'FBJ', timestamp: '2026-12-03 08:00:00' }) },
    'POST /api/method/phr.phr.api.biometric_realtime_sync.receive_bulk_attendance_logs': { path: '/api/v1/punches/bulk', as: 'ingest', body: () => ({ logs: [] }) },
    'POST /api/v1/punches/bulk': { path: '/api/v1/punches/bulk', as: 'ingest', body: () => ({ logs: [] }) },
    'POST /api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field': {
      path: '/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field',
      as: 'ingest',
      body: () => ({ employee_field_value: `H${next()}`, timestamp: '2026-12-03 08:00:00', device_id: 'FBH' }),
    },
    'POST /api/method/erpnext.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field': {
      path: '/api/method/erpnext.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field',
      as: 'ingest',
      body: () => ({ employee_field_value: `H${next()}`, timestamp: '2026-12-03 08:00:00', device_id: 'FBH' }),
    },
    'PUT /api/resource/Shift%20Type/{name}': { path: '/api/resource/Shift%20Type/FB%20Shift', as: 'ingest', body: () => ({ last_sync_of_checkin: '2026-12-03 08:00:00' }) },
    'POST /api/v1/employees': { path: '/api/v1/employees', as: 'admin', body: () => ({ name: `E${next()}` }) },
    'PATCH /api/v1/employees/{id}': { path: `/api/v1/employees/${ids.employee}`, as: 'admin', body: () => ({}) },
    'POST /api/v1/punches/{id}/accept': { path: `/api/v1/punches/${ids.held}/accept`, as: 'admin', body: () => ({}) },
    'POST /api/v1/punches/{id}/discard': { path: `/api/v1/punches/${ids.held}/discard`, as: 'admin', body: () => ({}) },
    'POST /api/v1/punches/{id}/relink': { path: `/api/v1/punches/${ids.held}/relink`, as: 'admin', body: () => ({ employee: ids.employee }) },
    'PATCH /api/v1/devices/{sn}': { path: '/api/v1/devices/FB1', as: 'admin', body: () => ({}) },
    'POST /api/v1/devices/{sn}/reconcile': { path: '/api/v1/devices/FB1/reconcile', as: 'admin', body: () => ({ from: '2026-12-01' }) },
    'POST /api/v1/devices/{sn}/reprocess': { path: '/api/v1/devices/FB1/reprocess', as: 'admin', body: () => ({}) },
    'POST /api/v1/pollers': { path: '/api/v1/pollers', as: 'admin', body: () => ({ serial: `ZP${next()}`, host: '127.0.0.1', port: 1, enabled: false }) },
    'PATCH /api/v1/pollers/{sn}': { path: '/api/v1/pollers/FBP', as: 'admin', body: () => ({ interval_seconds: 60 }) },
    'POST /api/v1/devices/{sn}/commands': { path: '/api/v1/devices/FB1/commands', as: 'admin', body: () => ({ command: 'add-user', pin: `${next()}`, name: 'U' }) },
    'POST /api/v1/shift-types': { path: '/api/v1/shift-types', as: 'admin', body: () => ({ name: `S${next()}`, start_time: '09:00', end_time: '17:00' }) },
    'PATCH /api/v1/shift-types/{name}': { path: '/api/v1/shift-types/FB%20Shift', as: 'admin', body: () => ({}) },
    'POST /api/v1/shift-assignments': { path: '/api/v1/shift-assignments', as: 'admin', body: () => ({ employee: ids.employee, shift_type: 'FB Shift', start_date: '2026-02-01' }) },
    'PATCH /api/v1/shift-assignments/{id}': { path: `/api/v1/shift-assignments/${ids.assignment}`, as: 'admin', body: () => ({}) },
    'PUT /api/v1/holidays/{list}': { path: '/api/v1/holidays/FB', as: 'admin', body: () => ({ holidays: [{ date: '2026-12-25', description: 'd' }] }) },
    'POST /api/v1/attendance/recompute': { path: '/api/v1/attendance/recompute', as: 'admin', body: () => ({ from: '2026-12-01', to: '2026-12-01' }) },
    'POST /api/v1/targets': { path: '/api/v1/targets', as: 'admin', body: () => ({ name: `t${next()}`, kind: 'webhook', url: 'https://example.test/hook' }) },
    'PATCH /api/v1/targets/{name}': { path: '/api/v1/targets/fb-hook', as: 'admin', body: () => ({}) },
    'POST /api/v1/outbox/retry': { path: '/api/v1/outbox/retry', as: 'admin', body: () => ({ state: 'dead' }) },
    'POST /api/v1/session': { path: '/api/v1/session', as: 'admin', body: () => ({}) },
    'POST /api/v1/unmatched/assign': { path: '/api/v1/unmatched/assign', as: 'admin', body: () => ({ attendance_device_id: `U${next()}`, name: 'Assigned' }) },
  });

  test('no field of any body makes a 500', async () => {
    const doc = (await (await fetch(`${s.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const known = cases();
    const failures: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const schema = op.requestBody?.content['application/json']?.schema;
        if (!schema) continue;
        const key = `${method.toUpperCase()} ${path}`;
        const c = known[key];
        assert.ok(c, `${key} takes a body: give it a valid one here`);
        const fields = Object.keys(schema.properties ?? {});
        // The bodies nested in lists (bulk logs, holidays) get their own fields too.
        const nested: [string, (v: unknown) => Record<string, unknown>][] =
          key.endsWith('/bulk') || key.endsWith('receive_bulk_attendance_logs')
            ? ['employee_id', 'device_id', 'device_serial', 'timestamp', 'log_type'].map((f) => [`logs[].${f}`, (v) => ({ logs: [{ employee_id: 'B1', device_id: 'FBB', timestamp: '2026-12-03 08:00:00', [f]: v }, { employee_id: `B${next()}`, device_id: 'FBB', timestamp: '2026-12-03 09:00:00' }] })])
            : key.startsWith('PUT /api/v1/holidays')
              ? ['date', 'description'].map((f) => [`holidays[].${f}`, (v) => ({ holidays: [{ date: '2026-12-26', description: 'd', [f]: v }] })])
              : [];
        const variants: [string, (v: unknown) => Record<string, unknown>][] = [...fields.filter((f) => f !== 'logs' && f !== 'holidays').map((f): [string, (v: unknown) => Record<string, unknown>] => [f, (v) => ({ ...c.body(), [f]: v })]), ...nested];
        for (const [field, make] of variants) {
          for (const [what, value] of VALUES) {
            const r = await (c.as === 'admin' ? admin : ingest).call(method.toUpperCase(), c.path, JSON.stringify(make(value)), { 'content-type': 'application/json', 'x-requested-with': 'test' });
            if (r.status >= 500) failures.push(`${key} ${field} = ${what}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
          }
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.equal((await fetch(`${s.baseUrl}/readyz`)).status, 200);
  });

  test('path parameters past their column: a client error, never a 500', async () => {
    for (const [method, path] of [
      ['PUT', `/api/v1/holidays/${'h'.repeat(2000)}`],
      ['GET', `/api/v1/employees/${'e'.repeat(2000)}`],
      ['GET', `/api/v1/devices/${'d'.repeat(2000)}`],
      ['GET', `/api/v1/pollers/${'p'.repeat(2000)}`],
      ['POST', `/api/v1/pollers/${'p'.repeat(2000)}/poll`],
      ['PATCH', `/api/v1/shift-types/${'s'.repeat(2000)}`],
      ['POST', `/api/v1/devices/${'d'.repeat(2000)}/commands`],
      ['DELETE', `/api/v1/keys/${'k'.repeat(2000)}`],
    ] as const) {
      const r = await admin.call(method, path, method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify({ holidays: [], command: 'info' }), { 'content-type': 'application/json' });
      assert.ok(r.status >= 400 && r.status < 500, `${method} ${path.slice(0, 40)}…: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    }
  });
});
