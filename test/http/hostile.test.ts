// Hostile requests, one row each: what the server answers, and that the good data beside it is
// intact (a good line in the same body is stored, earlier uploads are untouched, the server
// still answers). Real HTTP against the real app.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { type TestServer, startTestServer } from '../helpers/server.js';

let s: TestServer;
let admin: string;
let ingest: string;
const SN = 'HOSTILE01';
const BASELINE = '7\t2025-05-01 08:00:00\t0\t1\n7\t2025-05-01 17:00:00\t1\t1\n';

before(async () => {
  s = await startTestServer({ devicePolicy: 'approve', deviceRate: 0 });
  admin = await s.authHeader('admin');
  ingest = await s.authHeader('ingest');
  assert.equal(await upload(SN, 'ATTLOG', BASELINE).then((r) => r.text), 'OK:2');
});
after(async () => {
  await s.stop();
});

interface Reply {
  status: number;
  text: string;
  headers: Headers;
}

async function send(path: string, init: RequestInit = {}): Promise<Reply> {
  const r = await fetch(`${s.baseUrl}${path}`, init);
  return { status: r.status, text: await r.text(), headers: r.headers };
}
function upload(sn: string | null, table: string, body: string | Uint8Array, extra = ''): Promise<Reply> {
  return send(`/iclock/cdata?${sn === null ? '' : `SN=${encodeURIComponent(sn)}&`}table=${table}&Stamp=1${extra}`, { method: 'POST', body: typeof body === 'string' ? body : Buffer.from(body) });
}
function json(path: string, body: string, type = 'application/json', auth = ingest): Promise<Reply> {
  return send(path, { method: 'POST', headers: { authorization: auth, 'content-type': type }, body });
}
const knex = () => s.running.services.db.knex;
const count = async (table: string, where: Record<string, unknown> = {}) => Number(((await knex()(table).where(where).count({ n: '*' })) as { n: number }[])[0]!.n);
const errorType = (r: Reply) => (JSON.parse(r.text) as { success: boolean; error_type: string }).error_type;

describe('hostile device requests', () => {
  test('no SN: 400 in text, nothing stored', async () => {
    const r = await upload(null, 'ATTLOG', '1\t2025-05-01 08:00:00\n');
    assert.equal(r.status, 400);
    assert.match(r.text, /^ERROR: no SN/);
    assert.equal(await count('punches', { device_user_id: '1', local_time: '2025-05-01 08:00:00' }), 0);
  });

  test('SN twice: the first one counts, the upload is stored once', async () => {
    const r = await send('/iclock/cdata?SN=TWICE1&SN=TWICE2&table=ATTLOG&Stamp=1', { method: 'POST', body: '5\t2025-05-01 09:00:00\t0\t1\n' });
    assert.equal(r.text, 'OK:1');
    assert.equal(await count('punches', { device_user_id: '5' }), 1);
    assert.equal(await count('punches', { device_serial: 'TWICE1' }), 1);
  });

  test('an unknown table: OK, archived for later, nothing parsed', async () => {
    const r = await upload(SN, 'NOSUCHTABLE', 'whatever\tit\tis\n');
    assert.deepEqual([r.status, r.text], [200, 'OK']);
    assert.equal(await count('device_requests', { device_serial: SN, outcome: 'unknown' }), 1);
  });

  test('names in invalid UTF-8 and in GB18030 are stored, readable', async () => {
    const gb = iconv.encode('USER PIN=801\tName=张伟\tPri=0\n', 'gb18030');
    const bad = Buffer.concat([Buffer.from('USER PIN=802\tName=A'), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from('B\tPri=0\n')]);
    assert.equal((await upload(SN, 'OPERLOG', Buffer.concat([gb, bad]))).text, 'OK:2');
    const users = (await knex()('device_users').where({ device_serial: SN }).orderBy('pin')) as { pin: string; name: string }[];
    assert.deepEqual(
      users.map((u) => u.pin),
      ['801', '802'],
    );
    assert.equal(users[0]!.name, '张伟');
    assert.match(users[1]!.name, /^A.+B$/);
  });

  test('10,000 lines within the size limit are all stored; a 20 MB body gets 413 and stores nothing', async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `${9000 + (i % 50)}\t2025-06-${String(1 + Math.floor(i / 1440) % 28).padStart(2, '0')} ${String(Math.floor((i % 1440) / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00\t0\t1`);
    const big = await upload('BIG01', 'ATTLOG', `${lines.join('\n')}\n`);
    assert.equal(big.text, 'OK:10000');
    assert.equal(await count('punches', { device_serial: 'BIG01' }), new Set(lines.map((l) => l.split('\t').slice(0, 2).join())).size);
    const huge = await upload('HUGE01', 'ATTLOG', Buffer.alloc(20 * 1024 * 1024, '1\t2025-05-01 08:00:00\n'));
    assert.equal(huge.status, 413);
    assert.equal(await count('punches', { device_serial: 'HUGE01' }), 0);
  });

  test('each endpoint has its own body bound: 2 MB of command results get 413, 2 MB of ATTLOG is stored', async () => {
    const results = await send(`/iclock/devicecmd?SN=${SN}`, { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024, 'ID=1&Return=0&CMD=INFO\n') });
    assert.equal(results.status, 413);
    const lines = Array.from({ length: 60_000 }, (_, i) => `${20_000 + i}\t2025-07-01 08:00:00\t0\t1\t0\t0\t0\t0\t0\t0`).join('\n');
    assert.ok(lines.length > 2 * 1024 * 1024);
    const big = await upload('BIG02', 'ATTLOG', `${lines}\n`);
    assert.equal(big.text, 'OK:60000');
    assert.equal(await count('punches', { device_serial: 'BIG02' }), 60_000);
  });

  test('NUL bytes: the line carrying them is rejected alone, the good line beside it is stored', async () => {
    const body = Buffer.concat([Buffer.from('11\t2025-05-02 08:00:00\t0\t1\n1\u00002\t2025-05-02 08:\u000001:00\n'), Buffer.from([0, 0, 0, 0x0a])]);
    const r = await upload('NUL01', 'ATTLOG', body);
    assert.equal(r.status, 200);
    assert.equal(r.text, 'OK:1');
    assert.equal(await count('punches', { device_serial: 'NUL01' }), 1);
    assert.equal(r.headers.get('x-iclockd-rejected'), '2');
  });

  test('SQL-looking PINs and names are stored verbatim', async () => {
    const pin = "1';DROP TABLE punches;--";
    assert.equal((await upload('SQL01', 'ATTLOG', `${pin}\t2025-05-03 08:00:00\t0\t1\n`)).text, 'OK:1');
    const row = (await knex()('punches').where({ device_serial: 'SQL01' }).first()) as { device_user_id: string };
    assert.equal(row.device_user_id, pin);
    const name = 'Robert"); DELETE FROM employees; --';
    const created = await json('/api/v1/employees', JSON.stringify({ name, attendance_device_id: '4242' }), 'application/json', admin);
    assert.equal(created.status, 201, created.text);
    assert.equal(((await knex()('employees').where({ attendance_device_id: '4242' }).first()) as { name: string }).name, name);
  });

  test('CR/LF in a name never injects a command line into a terminal reply, nor a header', async () => {
    const created = await json('/api/v1/employees', JSON.stringify({ name: 'Eve\r\nC:999:REBOOT\nC:998:CLEAR LOG', attendance_device_id: '6666' }), 'application/json', admin);
    assert.equal(created.status, 201, created.text);
    const queued = await json(`/api/v1/devices/${SN}/commands`, JSON.stringify({ command: 'sync-users' }), 'application/json', admin);
    assert.equal(queued.status, 201, queued.text);
    const reply = (await send(`/iclock/getrequest?SN=${SN}`)).text;
    const lines = reply.split(/\r?\n/).filter(Boolean);
    assert.ok(lines.length >= 1);
    for (const line of lines) assert.match(line, /^C:\d+:DATA UPDATE USERINFO PIN=/, JSON.stringify(line));
    const injected = await send(`/iclock/getrequest?SN=${encodeURIComponent('X1\r\nSet-Cookie: a=b')}`);
    assert.equal(injected.headers.get('set-cookie'), null);
  });

  test('a path-like ATTPHOTO name is archived, never used as a file path', async () => {
    const r = await send(`/iclock/cdata?SN=${SN}&table=ATTPHOTO&Stamp=2`, { method: 'POST', body: Buffer.concat([Buffer.from('PIN=../../../../tmp/iclockd-pwned.jpg\nSN=X\nsize=4\nCMD=uploadphoto\0'), Buffer.from([0xff, 0xd8, 0xff, 0xd9])]) });
    assert.equal(r.status, 200);
    const { existsSync } = await import('node:fs');
    assert.ok(!existsSync('/tmp/iclockd-pwned.jpg'));
  });

  test('absurd dates and stamps: impossible times rejected by line, far ones held as suspect, stamps never crash', async () => {
    const body = ['21\t0000-01-01 00:00:00\t0\t1', '22\t2025-13-01 08:00:00\t0\t1', '23\t2025-02-30 08:00:00\t0\t1', '24\t9999-12-31 23:59:59\t0\t1', '25\t2025-05-04 08:00:00\t0\t1'].join('\n');
    for (const stamp of ['-1', 'abc', '99999999999999999999999', '']) {
      const r = await send(`/iclock/cdata?SN=DATES01&table=ATTLOG&Stamp=${stamp}`, { method: 'POST', body });
      assert.equal(r.status, 200, r.text);
    }
    const rows = (await knex()('punches').where({ device_serial: 'DATES01' }).orderBy('device_user_id')) as { device_user_id: string; status: string }[];
    assert.deepEqual(
      rows.map((p) => p.device_user_id),
      ['21', '24', '25'].filter((pin) => rows.some((p) => p.device_user_id === pin)),
    );
    assert.ok(rows.some((p) => p.device_user_id === '25'), 'the good line is stored');
    assert.ok(!rows.some((p) => p.device_user_id === '22' || p.device_user_id === '23'), 'impossible dates are not stored');
    for (const p of rows.filter((x) => x.device_user_id === '21' || x.device_user_id === '24')) assert.equal(p.status, 'suspect_time');
  });
});

describe('hostile JSON requests', () => {
  const PUNCH = '/api/v1/punches';
  for (const [name, body, type, status, kind] of [
    ['wrong types', JSON.stringify({ employee_id: { $gt: '' }, timestamp: 12 }), 'application/json', 400, 'validation_error'],
    // As deep as one punch's 64 KiB allow (the bulk endpoint takes deeper: below).
    ['deep nesting', `${'['.repeat(30_000)}${']'.repeat(30_000)}`, 'application/json', 400, 'validation_error'],
    ['deep nesting in an object', `{"employee_id":${'['.repeat(30_000)}${']'.repeat(30_000)}}`, 'application/json', 400, 'validation_error'],
    ['past the single punch bound', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'application/json', 413, 'payload_too_large'],
    ['not JSON', '{"employee_id": "7", ', 'application/json', 400, 'validation_error'],
    ['a JSON string, not an object', '"7"', 'application/json', 400, 'validation_error'],
    ['an empty body', '', 'application/json', 400, 'validation_error'],
    ['the wrong content type', JSON.stringify({ employee_id: '7', timestamp: '2025-05-05 08:00:00' }), 'text/xml', 415, 'unsupported_media_type'],
    ['huge numbers', JSON.stringify({ employee_id: '7', timestamp: '2025-05-05 08:00:00', latitude: 1e308 * 10 }).replace('null', '1e400'), 'application/json', 400, 'validation_error'],
  ] as const) {
    test(`${name}: ${status} ${kind}, nothing stored`, async () => {
      const before = await count('punches');
      const r = await json(PUNCH, body, type);
      assert.equal(r.status, status, r.text);
      assert.equal(errorType(r), kind);
      assert.equal(JSON.parse(r.text).success, false);
      assert.equal(await count('punches'), before);
    });
  }

  test('each endpoint has its own body bound: one punch padded past 64 KiB gets 413, a 1000-log bulk of 200 KiB is taken, an admin write past 1 MiB gets 413', async () => {
    const padded = JSON.stringify({ employee_id: '41', timestamp: '2025-05-08 08:00:00', device_id: 'BOUND1', note: 'x'.repeat(70 * 1024) });
    const one = await json(PUNCH, padded);
    assert.equal(one.status, 413, one.text);
    assert.equal(errorType(one), 'payload_too_large');
    const logs = Array.from({ length: 1000 }, (_, i) => ({ employee_id: String(5000 + i), timestamp: '2025-05-08 09:00:00', device_id: 'BOUND1', log_type: 'IN', note: 'y'.repeat(120) }));
    const bulkBody = JSON.stringify({ logs });
    assert.ok(bulkBody.length > 200 * 1024);
    const bulk = await json(`${PUNCH}/bulk`, bulkBody);
    assert.equal(bulk.status, 200, bulk.text.slice(0, 300));
    assert.equal(await count('punches', { device_serial: 'BOUND1' }), 1000);
    const employee = await json('/api/v1/employees', JSON.stringify({ name: 'z'.repeat(1100 * 1024), attendance_device_id: '4343' }), 'application/json', admin);
    assert.equal(employee.status, 413, employee.text.slice(0, 300));
    assert.equal(await count('employees', { attendance_device_id: '4343' }), 0);
  });

  test('100,000-deep nesting in a bulk body: the one item fails as validation_error, nothing stored', async () => {
    const before = await count('punches');
    const r = await json(`${PUNCH}/bulk`, `{"logs":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    const body = JSON.parse(r.text) as { failed: number; total: number; results: { error_type?: string }[] };
    assert.deepEqual([body.total, body.failed, body.results[0]?.error_type], [1, 1, 'validation_error']);
    assert.equal(await count('punches'), before);
  });

  test('duplicate keys: the last one counts (as JSON.parse reads it), stored once', async () => {
    const r = await json(PUNCH, '{"employee_id":"8","employee_id":"9","timestamp":"2025-05-06 08:00:00","device_id":"DUPKEY"}');
    assert.ok(r.status === 200 || r.status === 404, r.text);
    assert.deepEqual(
      ((await knex()('punches').where({ device_serial: 'DUPKEY' })) as { device_user_id: string }[]).map((p) => p.device_user_id),
      ['9'],
    );
  });

  test('a bulk request with good and hostile entries stores the good ones and fails the others by item', async () => {
    const logs = [{ employee_id: '31', timestamp: '2025-05-07 08:00:00', device_id: 'BULKH' }, { employee_id: ['x'] }, null, 'x', { employee_id: '32', timestamp: '2025-99-07 08:00:00' }, { employee_id: '33', timestamp: '2025-05-07 09:00:00', device_id: 'BULKH' }];
    const r = await json(`${PUNCH}/bulk`, JSON.stringify({ logs }));
    assert.equal(r.status, 200, r.text);
    const body = JSON.parse(r.text) as { total: number; results: { error_type?: string }[] };
    assert.equal(body.total, 6);
    // The good ones are stored (no employee has these ids yet: the seed's API calls that a failure, and keeps the punch).
    assert.deepEqual(
      body.results.map((x) => x.error_type),
      ['employee_not_found', 'validation_error', 'validation_error', 'validation_error', 'validation_error', 'employee_not_found'],
    );
    assert.equal(await count('punches', { device_serial: 'BULKH' }), 2);
  });
});

test('after all of it the server answers and the first upload is intact', async () => {
  assert.equal((await send('/healthz')).status, 200);
  assert.equal((await send('/readyz')).status, 200);
  assert.equal(await count('punches', { device_serial: SN }), 2);
  assert.equal((await upload(SN, 'ATTLOG', BASELINE)).text, 'OK:2');
  assert.equal(await count('punches', { device_serial: SN }), 2, 'a resend stays a duplicate');
});
