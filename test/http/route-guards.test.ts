// Every route under /api/ needs a key: 401 without one, 403 with an ingest key unless the
// route is one an ingest key may call. Walks the real routers, so a new route is covered.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRouters } from '../../src/app.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

const SEED = '/api/method/phr.phr.api.biometric_realtime_sync';
/** What an ingest key may call: punches and the connection test (and the HRMS method). */
const INGEST_ALLOWED = new Set([
  `POST ${SEED}.receive_attendance_log`,
  'POST /api/v1/punches',
  `POST ${SEED}.receive_bulk_attendance_logs`,
  'POST /api/v1/punches/bulk',
  `GET ${SEED}.test_connection`,
  `POST ${SEED}.test_connection`,
  'GET /api/v1/ping',
  'GET /api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field',
  'POST /api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field',
  'GET /api/method/erpnext.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field',
  'POST /api/method/erpnext.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field',
]);

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.stop();
});

test('every /api/ route answers 401 without a key and 403 with an ingest key, except the ingest routes', async () => {
  const ingest = await s.authHeader('ingest');
  const routes = createRouters(s.running.services).flatMap((router) =>
    router.stack.flatMap((layer) => (typeof layer.path === 'string' ? layer.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, path: layer.path as string })) : [])),
  );
  const api = routes.filter((r) => r.path.startsWith('/api/'));
  assert.ok(api.length > 40, `found ${api.length} routes`);
  for (const { method, path } of api) {
    const url = s.baseUrl + path.replace(/:[a-z]+/gi, '1').replace(/ /g, '%20');
    const anonymous = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
    assert.equal(anonymous.status, 401, `${method} ${path} without a key`);
    if (INGEST_ALLOWED.has(`${method} ${path}`)) continue;
    const withIngest = await fetch(url, { method, headers: { authorization: ingest, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
    assert.equal(withIngest.status, 403, `${method} ${path} with an ingest key`);
  }
  // And the public ones stay public.
  for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal((await fetch(s.baseUrl + path)).status, 200, path);
});
