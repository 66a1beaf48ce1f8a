// Every error path answered in each of the three dialects (the API's JSON, the text a terminal
// reads, Frappe's for the HRMS method), byte for byte: status, the headers that say what the
// reply is, and the body. The expected replies (error-replies.json) were captured from the
// server before its error mappers became one (commit a9709b3); a Frappe error's random
// __frappe_exc_id is masked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { TimestampError } from '../../src/pipeline/time.js';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';
import REPLIES from './error-replies.json' with { type: 'json' };

const SEED = '/api/method/phr.phr.api.biometric_realtime_sync';
const HRMS = '/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field';
const SHIFT_TYPE = '/api/resource/Shift%20Type';
/** Small enough that an upload over it is quick to send. */
const MAX_BODY_BYTES = 100_000;

interface Captured {
  status: number;
  type: string | null;
  retryAfter: string | null;
  body: string;
}

const EXPECTED: Record<string, Captured> = REPLIES;

async function captured(res: Response): Promise<Captured> {
  const body = (await res.text()).replace(/(__frappe_exc_id(?:\\|")+:(?:\\|")+)[0-9a-f]{16}/, '$1…');
  return { status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), body };
}

/** `object[method]` throws `error` for the duration of `call`. */
async function failing<T extends object>(object: T, method: keyof T & string, error: unknown, call: () => Promise<Response>): Promise<Response> {
  const own = object as Record<string, unknown>;
  own[method] = async () => {
    throw error;
  };
  try {
    return await call();
  } finally {
    delete own[method];
  }
}

const databaseDown = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
const writeConflict = () => Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 });
const clientMistake = () => Object.assign(new Error('Bad thing in the request'), { status: 400, expose: true });
const bug = () => new TypeError("Cannot read properties of undefined (reading 'x')");

describe(`error replies in each dialect on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: string;
  let ingest: string;
  let punchId: number;
  let cookie: string;
  const url = (path: string) => s.baseUrl + path;
  const json = (auth: string | undefined, body: unknown, extra: Record<string, string> = {}) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}), ...extra },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

  before(async () => {
    s = await startTestServer({ maxBodyBytes: MAX_BODY_BYTES });
    admin = await s.authHeader('admin');
    ingest = await s.authHeader('ingest');
    const unmatched = await client(s, ingest).post('/api/v1/punches', { employee_id: '999', timestamp: '2025-05-06 08:00:00', device_id: 'gate-1' });
    punchId = unmatched.body.punch_id;
    assert.equal((await client(s, admin).post('/api/v1/shift-types', { name: 'Day', start_time: '09:00', end_time: '17:00' })).status, 201);
    assert.equal((await fetch(url('/iclock/cdata?SN=BLOCKED1'))).status, 200);
    assert.equal((await client(s, admin).post('/api/v1/devices/BLOCKED1/block')).status, 200);
    const keys = s.running.services.apiKeys;
    cookie = `iclockd_session=${(await keys.startSession(await keys.authenticate(ingest))).token}`;
  });
  after(async () => {
    await s.stop();
  });

  const cases: [string, () => Promise<Response>][] = [
    // The API's JSON.
    ['json: validation (schema)', () => fetch(url('/api/v1/employees'), json(admin, {}))],
    ['json: validation (not JSON)', () => fetch(url('/api/v1/employees'), json(admin, '{nope'))],
    ['json: validation (not a path)', () => fetch(url('/api/v1/%zz'), { headers: { authorization: admin } })],
    ['json: validation (seed fields)', () => fetch(url(`${SEED}.receive_attendance_log?wrap=frappe`), json(ingest, { timestamp: '2025-05-06 08:00:00' }))],
    ['json: not found', () => fetch(url('/api/v1/employees/NOPE'), { headers: { authorization: admin } })],
    ['json: no route', () => fetch(url('/api/v1/nothing'), { headers: { authorization: admin } })],
    ['json: method not allowed', () => fetch(url('/api/v1/employees'), { method: 'DELETE', headers: { authorization: admin } })],
    ['json: 401', () => fetch(url('/api/v1/employees'))],
    ['json: 403', () => fetch(url('/api/v1/employees'), { headers: { authorization: ingest } })],
    ['json: 403 (cookie without X-Requested-With)', () => fetch(url('/api/v1/punches'), json(undefined, {}, { cookie }))],
    ['json: 409', () => fetch(url('/api/v1/shift-types'), json(admin, { name: 'Day', start_time: '09:00', end_time: '17:00' }))],
    ['json: 413', () => fetch(url('/api/v1/punches'), json(ingest, { pad: 'x'.repeat(70_000) }))],
    ['json: 415', () => fetch(url('/api/v1/employees'), { method: 'POST', headers: { authorization: admin, 'content-type': 'text/plain' }, body: 'name=x' })],
    ['json: timestamp', () => fetch(url(`/api/v1/punches/${punchId}/accept`), json(admin, { timestamp: '2025-02-30 08:00:00' }))],
    ['json: rate limited', () => failing(s.running.services.employees, 'get', new AppError('rate_limited', 'Too many requests from here; retry in 7 s', { retry_after: 7 }), () => fetch(url('/api/v1/employees/X'), { headers: { authorization: admin } }))],
    ['json: service unavailable', () => failing(s.running.services.employees, 'get', new AppError('service_unavailable', 'Ingest is saturated; retry shortly'), () => fetch(url('/api/v1/employees/X'), { headers: { authorization: admin } }))],
    ['json: database down', () => failing(s.running.services.employees, 'get', databaseDown(), () => fetch(url('/api/v1/employees/X'), { headers: { authorization: admin } }))],
    ['json: write conflict past its retries', () => failing(s.running.services.employees, 'get', writeConflict(), () => fetch(url('/api/v1/employees/X'), { headers: { authorization: admin } }))],
    ['json: a library\'s 4xx', () => failing(s.running.services.employees, 'get', clientMistake(), () => fetch(url('/api/v1/employees/X'), { headers: { authorization: admin } }))],
    ['json: a stray TimestampError', () => failing(s.running.services.employees, 'get', new TimestampError('month 13 is out of range'), () => fetch(url('/api/v1/employees/X'), { headers: { authorization: admin } }))],
    ['json: internal', () => failing(s.running.services.employees, 'get', bug(), () => fetch(url('/api/v1/employees/X'), { headers: { authorization: admin } }))],
    ['json: internal AppError', () => failing(s.running.services.employees, 'get', new AppError('internal_error', 'Something is off'), () => fetch(url('/api/v1/employees/X'), { headers: { authorization: admin } }))],

    // The text a terminal reads (Koa routes and the heartbeat's fast path).
    ['device: validation (no SN)', () => fetch(url('/iclock/cdata'))],
    ['device: validation (bad SN)', () => fetch(url('/iclock/cdata?SN=a%20b'))],
    ['device: validation (fast path, no SN)', () => fetch(url('/iclock/getrequest'))],
    ['device: 401 (blocked)', () => fetch(url('/iclock/cdata?SN=BLOCKED1'))],
    ['device: 401 (blocked, upload)', () => fetch(url('/iclock/cdata?SN=BLOCKED1&table=ATTLOG&Stamp=1'), { method: 'POST', body: '1\t2025-05-06 08:00:00\t0\t1\n' })],
    ['device: 401 (blocked, fast path)', () => fetch(url('/iclock/getrequest?SN=BLOCKED1'))],
    ['device: 413', () => fetch(url('/iclock/cdata?SN=DEV1&table=ATTLOG&Stamp=1'), { method: 'POST', body: 'x'.repeat(MAX_BODY_BYTES + 1) })],
    ['device: not found', () => failing(s.running.services.uploads, 'archive', new AppError('not_found', 'No such thing'), () => fetch(url('/iclock/push?SN=DEV1'), { method: 'POST', body: 'a=b' }))],
    ['device: rate limited', () => failing(s.running.services.uploads, 'archive', new AppError('rate_limited', 'Too many requests from DEV1; retry in 3 s', { retry_after: 3 }), () => fetch(url('/iclock/push?SN=DEV1'), { method: 'POST', body: 'a=b' }))],
    ['device: service unavailable', () => failing(s.running.services.uploads, 'receive', new AppError('service_unavailable', 'Ingest is saturated; retry shortly'), () => fetch(url('/iclock/cdata?SN=DEV1&table=ATTLOG&Stamp=1'), { method: 'POST', body: '1\t2025-05-06 08:00:00\t0\t1\n' }))],
    ['device: service unavailable (fast path)', () => failing(s.running.services.registry, 'contact', new AppError('service_unavailable', 'Ingest is saturated; retry shortly'), () => fetch(url('/iclock/getrequest?SN=DEV1')))],
    ['device: database down', () => failing(s.running.services.uploads, 'receive', databaseDown(), () => fetch(url('/iclock/cdata?SN=DEV1&table=ATTLOG&Stamp=1'), { method: 'POST', body: '1\t2025-05-06 08:00:00\t0\t1\n' }))],
    ['device: database down (fast path)', () => failing(s.running.services.registry, 'contact', databaseDown(), () => fetch(url('/iclock/getrequest?SN=DEV1')))],
    ['device: write conflict past its retries', () => failing(s.running.services.uploads, 'receive', writeConflict(), () => fetch(url('/iclock/cdata?SN=DEV1&table=ATTLOG&Stamp=1'), { method: 'POST', body: '1\t2025-05-06 08:00:00\t0\t1\n' }))],
    ['device: a library\'s 4xx', () => failing(s.running.services.registry, 'contact', clientMistake(), () => fetch(url('/iclock/cdata?SN=DEV1')))],
    ['device: a stray TimestampError', () => failing(s.running.services.uploads, 'receive', new TimestampError('month 13 is out of range'), () => fetch(url('/iclock/cdata?SN=DEV1&table=ATTLOG&Stamp=1'), { method: 'POST', body: '1\t2025-05-06 08:00:00\t0\t1\n' }))],
    ['device: internal', () => failing(s.running.services.registry, 'contact', bug(), () => fetch(url('/iclock/cdata?SN=DEV1')))],
    ['device: internal (fast path)', () => failing(s.running.services.registry, 'contact', bug(), () => fetch(url('/iclock/getrequest?SN=DEV1')))],
    ['device: internal AppError', () => failing(s.running.services.registry, 'contact', new AppError('internal_error', 'Something is off'), () => fetch(url('/iclock/cdata?SN=DEV1')))],

    // Frappe's, for the HRMS method and the sync tool's Shift Type update.
    ['frappe: validation (not JSON)', () => fetch(url(HRMS), json(ingest, '{nope'))],
    ['frappe: validation (arguments missing)', () => fetch(url(HRMS), json(ingest, { timestamp: '2025-05-06 08:00:00' }))],
    ['frappe: validation (other fields)', () => fetch(url(`${SHIFT_TYPE}/Day`), { method: 'PUT', headers: { authorization: ingest }, body: JSON.stringify({ start_time: '08:00' }) })],
    ['frappe: not found', () => fetch(url(`${SHIFT_TYPE}/Night`), { method: 'PUT', headers: { authorization: ingest }, body: JSON.stringify({ last_sync_of_checkin: '2025-05-06 18:00:00' }) })],
    ['frappe: unknown employee', () => fetch(url(HRMS), json(ingest, { employee_field_value: '999', timestamp: '2025-05-06 09:00:00' }))],
    ['frappe: 401', () => fetch(url(HRMS), json(undefined, { employee_field_value: '1', timestamp: '2025-05-06 08:00:00' }))],
    ['frappe: 403 (cookie without X-Requested-With)', () => fetch(url(HRMS), json(undefined, { employee_field_value: '1', timestamp: '2025-05-06 08:00:00' }, { cookie }))],
    ['frappe: 403 (blocked device)', () => fetch(url(HRMS), json(ingest, { employee_field_value: '1', timestamp: '2025-05-06 08:00:00', device_id: 'BLOCKED1' }))],
    ['frappe: 413', () => fetch(url(HRMS), json(ingest, { pad: 'x'.repeat(70_000) }))],
    ['frappe: 415', () => fetch(url(HRMS), { method: 'POST', headers: { authorization: ingest, 'content-type': 'text/plain' }, body: 'x' })],
    ['frappe: timestamp', () => fetch(url(`${SHIFT_TYPE}/Day`), { method: 'PUT', headers: { authorization: ingest }, body: JSON.stringify({ last_sync_of_checkin: 'yesterday' }) })],
    ['frappe: conflict', () => failing(s.running.services.ingest, 'logTypeRequiredBy', new AppError('conflict', 'Taken meanwhile'), () => fetch(url(HRMS), json(ingest, { employee_field_value: '1', timestamp: '2025-05-06 08:00:00' })))],
    ['frappe: rate limited', () => failing(s.running.services.ingest, 'logTypeRequiredBy', new AppError('rate_limited', 'Too many requests from here; retry in 7 s', { retry_after: 7 }), () => fetch(url(HRMS), json(ingest, { employee_field_value: '1', timestamp: '2025-05-06 08:00:00' })))],
    ['frappe: service unavailable', () => failing(s.running.services.ingest, 'logTypeRequiredBy', new AppError('service_unavailable', 'Ingest is saturated; retry shortly'), () => fetch(url(HRMS), json(ingest, { employee_field_value: '1', timestamp: '2025-05-06 08:00:00' })))],
    ['frappe: database down', () => failing(s.running.services.ingest, 'logTypeRequiredBy', databaseDown(), () => fetch(url(HRMS), json(ingest, { employee_field_value: '1', timestamp: '2025-05-06 08:00:00' })))],
    ['frappe: write conflict past its retries', () => failing(s.running.services.ingest, 'logTypeRequiredBy', writeConflict(), () => fetch(url(HRMS), json(ingest, { employee_field_value: '1', timestamp: '2025-05-06 08:00:00' })))],
    ['frappe: a library\'s 4xx', () => failing(s.running.services.ingest, 'logTypeRequiredBy', clientMistake(), () => fetch(url(HRMS), json(ingest, { employee_field_value: '1', timestamp: '2025-05-06 08:00:00' })))],
    ['frappe: a stray TimestampError', () => failing(s.running.services.ingest, 'logTypeRequiredBy', new TimestampError('month 13 is out of range'), () => fetch(url(HRMS), json(ingest, { employee_field_value: '1', timestamp: '2025-05-06 08:00:00' })))],
    ['frappe: internal', () => failing(s.running.services.ingest, 'logTypeRequiredBy', bug(), () => fetch(url(HRMS), json(ingest, { employee_field_value: '1', timestamp: '2025-05-06 08:00:00' })))],
    ['frappe: internal AppError', () => failing(s.running.services.ingest, 'logTypeRequiredBy', new AppError('internal_error', 'Something is off'), () => fetch(url(HRMS), json(ingest, { employee_field_value: '1', timestamp: '2025-05-06 08:00:00' })))],
  ];

  for (const [name, call] of cases) {
    test(name, async () => {
      assert.deepEqual(await captured(await call()), EXPECTED[name]);
    });
  }
  test('every captured reply is walked', () => {
    assert.deepEqual(cases.map(([name]) => name), Object.keys(EXPECTED));
  });
});
