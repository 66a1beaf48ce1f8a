// The admin-API pieces the console is built from: the live punch feed (SSE), unmatched ids
// grouped and assigned, device status and timeline, sync-log entries with what was received,
// punches per hour against last week, and the CSV import over HTTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DateTime } from 'luxon';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

let s: TestServer;
let admin: ReturnType<typeof client>;
let ingest: ReturnType<typeof client>;
let adminHeader: string;

before(async () => {
  s = await startTestServer({ devicePolicy: 'approve', timeZone: 'UTC' });
  adminHeader = await s.authHeader('admin');
  admin = client(s, adminHeader);
  ingest = client(s, await s.authHeader('ingest'));
});
after(async () => {
  await s.stop();
});

const wall = (ms: number) => DateTime.fromMillis(ms, { zone: 'UTC' }).toFormat('yyyy-MM-dd HH:mm:ss');

/** Reads server-sent events from a stream until `count` punch events have come. */
async function openFeed(base: string, header: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/v1/events/punches`, { headers: { authorization: header }, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
  const reader = res.body!.getReader();
  let buffer = '';
  const decoder = new TextDecoder();
  async function fill(): Promise<boolean> {
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += decoder.decode(value, { stream: true });
    return true;
  }
  return {
    /** Waits for the first comment (the stream is open and subscribed). */
    async connected() {
      while (!buffer.includes(': connected')) if (!(await fill())) throw new Error('stream ended');
    },
    async punches(count: number): Promise<Record<string, unknown>[]> {
      const events: Record<string, unknown>[] = [];
      for (;;) {
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.split('\n').includes('event: punch')) continue;
          events.push(JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as Record<string, unknown>);
          if (events.length === count) return events;
        }
        if (!(await fill())) throw new Error(`stream ended after ${events.length} event(s)`);
      }
    },
    /** Resolves when the server ends the stream. */
    async ended(): Promise<void> {
      while (await fill());
    },
    close: () => controller.abort(),
  };
}

test('the live feed delivers each committed punch with its outcome: unmatched, created, duplicate; from the JSON API and from terminals', async () => {
  const feed = await openFeed(s.baseUrl, adminHeader);
  await feed.connected();
  const at = wall(Date.now() - 60_000);
  const first = await ingest.post('/api/v1/punches', { employee_id: '7001', timestamp: at, device_id: 'GATE-1', log_type: 'IN' });
  // No employee has the id: stored, and answered as the seed does (404 employee_not_found).
  assert.equal(first.body.error_type, 'employee_not_found', JSON.stringify(first.body));
  const [unmatched] = await feed.punches(1);
  assert.equal(unmatched!.outcome, 'unmatched');
  assert.equal(unmatched!.device_user_id, '7001');
  assert.equal(unmatched!.local_time, at);
  assert.equal(unmatched!.employee, null);

  await admin.post('/api/v1/employees', { name: 'Live Person', attendance_device_id: '7002' });
  const upload = await fetch(`${s.baseUrl}/iclock/cdata?SN=FEED0001&table=ATTLOG&Stamp=1`, { method: 'POST', body: `7002\t${at}\t0\t1\t0\t0\t0\n` });
  assert.match(await upload.text(), /^OK:1/);
  const [created] = await feed.punches(1);
  assert.equal(created!.outcome, 'created');
  assert.equal(created!.device, 'FEED0001');
  assert.equal(created!.employee_name, 'Live Person');
  assert.match(String(created!.checkin_id), /^CHECKIN-/);

  await fetch(`${s.baseUrl}/iclock/cdata?SN=FEED0001&table=ATTLOG&Stamp=1`, { method: 'POST', body: `7002\t${at}\t0\t1\t0\t0\t0\n` });
  const [duplicate] = await feed.punches(1);
  assert.equal(duplicate!.outcome, 'duplicate');
  feed.close();
});

test('a live-feed client that goes away is unsubscribed', async () => {
  const feed = s.running.services.ingest.feed;
  const drained = async () => {
    for (let i = 0; i < 400 && feed.subscribers > 0; i++) await new Promise((r) => setTimeout(r, 25));
    return feed.subscribers;
  };
  assert.equal(await drained(), 0, 'the earlier test closed its stream');
  const stream = await openFeed(s.baseUrl, adminHeader);
  await stream.connected();
  assert.equal(feed.subscribers, 1);
  stream.close();
  assert.equal(await drained(), 0);
});

test('the live feed needs an admin key', async () => {
  assert.equal((await fetch(`${s.baseUrl}/api/v1/events/punches`)).status, 401);
  assert.equal((await ingest.get('/api/v1/events/punches')).status, 403);
});

test('an open live feed does not hold up a graceful stop', { timeout: 60_000 }, async () => {
  // A long grace period: a stop that waited for the stream would time the test out.
  const other = await startTestServer({ shutdownGraceSeconds: 300 });
  try {
    const feed = await openFeed(other.baseUrl, await other.authHeader('admin'));
    await feed.connected();
    await Promise.all([other.running.stop(), feed.ended()]);
  } finally {
    await other.stop();
  }
});

test('unmatched punches are grouped by site and id with counts, first and last, devices and the terminals names; assigning links them', async () => {
  const base = Date.now() - 3600_000;
  await fetch(`${s.baseUrl}/iclock/cdata?SN=UNM0001&table=OPERLOG&Stamp=1`, { method: 'POST', body: 'USER PIN=8001\tName=Badr On Terminal\tPri=0\n' });
  for (const [sn, offset] of [['UNM0001', 0], ['UNM0001', 60_000], ['UNM0002', 120_000]] as const) {
    const r = await fetch(`${s.baseUrl}/iclock/cdata?SN=${sn}&table=ATTLOG&Stamp=1`, { method: 'POST', body: `8001\t${wall(base + offset)}\t0\t1\t0\t0\t0\n8002\t${wall(base + offset)}\t1\t1\t0\t0\t0\n` });
    assert.match(await r.text(), /^OK:2/);
  }
  const listed = await admin.get('/api/v1/unmatched?attendance_device_id=8001');
  assert.equal(listed.status, 200);
  assert.equal(listed.body.total, 1);
  const [g] = listed.body.data;
  assert.deepEqual(
    { ...g },
    {
      site: 'main',
      attendance_device_id: '8001',
      punches: 3,
      first_at: new Date(Math.floor(base / 1000) * 1000).toISOString(),
      last_at: new Date(Math.floor((base + 120_000) / 1000) * 1000).toISOString(),
      devices: ['UNM0001', 'UNM0002'],
      device_names: ['Badr On Terminal'],
    },
  );
  const all = await admin.get('/api/v1/unmatched?page_size=1');
  assert.ok(all.body.total >= 2, 'paged over groups, not punches');
  assert.equal(all.body.data.length, 1);

  // To an existing employee: its punches become check-ins.
  const employee = await admin.post('/api/v1/employees', { name: 'Badr Saleh' });
  const assigned = await admin.post('/api/v1/unmatched/assign', { attendance_device_id: '8001', site: 'main', employee: employee.body.employee });
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
  assert.equal(assigned.body.linked_punches, 3);
  assert.equal(assigned.body.attendance_device_id, '8001');
  assert.equal((await admin.get(`/api/v1/checkins?employee=${employee.body.employee}`)).body.total, 3);
  assert.equal((await admin.get('/api/v1/unmatched?attendance_device_id=8001')).body.total, 0);

  // To a new employee by name.
  const fresh = await admin.post('/api/v1/unmatched/assign', { attendance_device_id: '8002', name: 'Carla New' });
  assert.equal(fresh.status, 201);
  assert.equal(fresh.body.created, true);
  assert.equal(fresh.body.linked_punches, 3);

  // Bad requests are answered, not thrown.
  for (const body of [{}, { attendance_device_id: '9' }, { attendance_device_id: '9', employee: 'EMP-1', name: 'x' }, { attendance_device_id: ['x'], name: 'y' }]) {
    const r = await admin.post('/api/v1/unmatched/assign', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error_type, 'validation_error');
  }
  assert.equal((await admin.post('/api/v1/unmatched/assign', { attendance_device_id: '9', employee: 'EMP-NOPE' })).status, 404);
  // An id another employee holds is a conflict, not a silent move.
  const taken = await admin.post('/api/v1/unmatched/assign', { attendance_device_id: '8002', employee: employee.body.employee });
  assert.equal(taken.status, 409);
});

test('devices show online (within 3 × Delay), punches of their own today, and a 24-hour timeline of requests and uploads', async () => {
  const now = Date.now();
  await fetch(`${s.baseUrl}/iclock/cdata?SN=STAT0001&options=all&pushver=2.4.1`);
  for (let i = 0; i < 3; i++) await fetch(`${s.baseUrl}/iclock/getrequest?SN=STAT0001`);
  const yesterday = wall(now - 86_400_000 - 3600_000);
  const r = await fetch(`${s.baseUrl}/iclock/cdata?SN=STAT0001&table=ATTLOG&Stamp=1`, { method: 'POST', body: `1\t${wall(now - 5000)}\t0\t1\t0\t0\t0\n2\t${wall(now - 4000)}\t0\t1\t0\t0\t0\n3\t${yesterday}\t0\t1\t0\t0\t0\n` });
  assert.match(await r.text(), /^OK:3/);
  // Online at once, from this process's contacts not yet written (and after they are).
  assert.equal((await admin.get('/api/v1/devices/STAT0001')).body.online, true);
  await s.running.services.registry.flushSeen();
  const d = await admin.get('/api/v1/devices/STAT0001');
  assert.equal(d.body.online, true);
  assert.equal(d.body.delay_seconds, 10);
  assert.equal(d.body.punches_today, wall(now - 5000).slice(0, 10) === wall(now).slice(0, 10) ? 2 : 0);
  const listed = await admin.get('/api/v1/devices');
  const row = listed.body.data.find((x: { serial: string }) => x.serial === 'STAT0001');
  assert.equal(row.online, true);
  assert.equal(row.punches_today, d.body.punches_today);

  // Not heard from for longer than 3 × Delay: offline.
  await s.running.services.db.knex('devices').where({ serial: 'STAT0001' }).update({ last_seen_at: wall(now - 31_000) });
  assert.equal((await admin.get('/api/v1/devices/STAT0001')).body.online, false);

  const t = await admin.get('/api/v1/devices/STAT0001/timeline');
  assert.equal(t.status, 200);
  assert.equal(t.body.bucket_minutes, 5);
  assert.equal(t.body.buckets.length, 288);
  const sum = (k: string) => t.body.buckets.reduce((n: number, b: Record<string, number>) => n + b[k]!, 0);
  assert.equal(sum('requests'), 5, 'handshake, three polls, one upload');
  assert.equal(sum('uploads'), 2, 'the handshake and the upload are logged');
  assert.equal(sum('records'), 3);
  assert.equal(t.body.buckets.at(-1).requests + t.body.buckets.at(-2).requests, 5, 'all in the latest slots');
  assert.equal((await admin.get('/api/v1/devices/STAT0001/timeline?hours=0')).status, 400);
  assert.equal((await admin.get('/api/v1/devices/STAT0001/timeline?hours=abc')).status, 400);
  assert.equal((await admin.get('/api/v1/devices/NOPE/timeline')).status, 404);
});

test('a sync-log entry shows what the terminal sent and why it failed; a JSON entry only its outcome', async () => {
  const body = `9101\t${wall(Date.now() - 10_000)}\t0\t1\t0\t0\t0\nthis is not a punch line\n`;
  const r = await fetch(`${s.baseUrl}/iclock/cdata?SN=LOG0001&table=ATTLOG&Stamp=2`, { method: 'POST', body });
  assert.equal(r.status, 200);
  const listed = await admin.get('/api/v1/sync-log?device=LOG0001&status=error');
  assert.equal(listed.body.total, 1);
  const entry = await admin.get(`/api/v1/sync-log/${listed.body.data[0].id}`);
  assert.equal(entry.status, 200);
  assert.match(entry.body.error, /could not be read/);
  assert.equal(entry.body.received.body, body);
  assert.equal(entry.body.received.query, 'SN=LOG0001&table=ATTLOG&Stamp=2');
  assert.equal(entry.body.received.rejected_lines, 1);
  assert.match(entry.body.received.error, /line 2/);

  // User records may hold biometric data: their bodies are not shown.
  await fetch(`${s.baseUrl}/iclock/cdata?SN=LOG0001&table=OPERLOG&Stamp=3`, { method: 'POST', body: 'USER PIN=9101\tName=X\n' });
  const oper = (await admin.get('/api/v1/sync-log?device=LOG0001')).body.data.find((e: { endpoint: string }) => e.endpoint === '/iclock/cdata?table=OPERLOG');
  const operEntry = await admin.get(`/api/v1/sync-log/${oper.id}`);
  assert.equal(operEntry.body.received.body, null);
  assert.ok(operEntry.body.received.body_bytes > 0);

  await ingest.post('/api/v1/punches', { employee_id: '9102', timestamp: 'not a time', device_id: 'X' });
  const json = (await admin.get('/api/v1/sync-log?channel=json&status=error')).body.data[0];
  const jsonEntry = await admin.get(`/api/v1/sync-log/${json.id}`);
  assert.equal(jsonEntry.body.received, null);
  assert.match(jsonEntry.body.error, /timestamp/);

  for (const id of ['0', '-1', 'abc', '99999999', '9007199254740993']) assert.equal((await admin.get(`/api/v1/sync-log/${id}`)).status, 404, id);

  const summary = await admin.get('/api/v1/sync-log/summary?device=LOG0001');
  assert.equal(summary.body.total_requests, 2);
  assert.equal(summary.body.errors, 1);
  assert.equal(summary.body.success_rate, 50);
  const before = (await admin.get('/api/v1/sync-log')).body.total;
  await admin.get('/api/v1/sync-log/summary');
  assert.equal((await admin.get('/api/v1/sync-log')).body.total, before, 'reading the summary is not itself logged');
  assert.equal((await admin.get('/api/v1/sync-log/summary?from=2026-13-01')).status, 400);
});

test('punches per hour of a day come beside the same weekday a week before, in the configured zone', async () => {
  const day = '2026-06-10';
  const times = ['2026-06-10 08:05:00', '2026-06-10 08:40:00', '2026-06-10 17:00:00', '2026-06-03 08:10:00', '2026-06-04 08:10:00'];
  for (const [i, t] of times.entries()) {
    const r = await ingest.post('/api/v1/punches', { employee_id: `66${i}`, timestamp: t, device_id: 'HOURLY' });
    assert.equal(typeof r.body.punch_id, 'number', JSON.stringify(r.body));
  }
  const c = await admin.get(`/api/v1/stats/punches-per-hour?date=${day}`);
  assert.equal(c.status, 200);
  assert.equal(c.body.compare_date, '2026-06-03');
  assert.equal(c.body.hours.length, 24);
  assert.deepEqual(c.body.hours[8], { hour: 8, punches: 2, compare: 1 });
  assert.deepEqual(c.body.hours[17], { hour: 17, punches: 1, compare: 0 });
  assert.equal(c.body.hours.reduce((n: number, h: { punches: number }) => n + h.punches, 0), 3);
  for (const bad of ['2026-02-30', 'yesterday', '20260610']) assert.equal((await admin.get(`/api/v1/stats/punches-per-hour?date=${bad}`)).status, 400, bad);
  assert.equal((await admin.get('/api/v1/stats/punches-per-hour')).body.date, DateTime.now().setZone('UTC').toISODate());
  // A zone half an hour off UTC: 08:05 and 08:40 UTC are 13:35 and 14:10 in Kolkata.
  const kolkata = await s.running.services.records.punchesPerHour(day, 'Asia/Kolkata');
  assert.equal(kolkata.hours[13]!.punches, 1);
  assert.equal(kolkata.hours[14]!.punches, 1);
  assert.equal(kolkata.hours[22]!.punches, 1, '17:00 UTC is 22:30 there');
});

test('employees import from a CSV body: rows created and updated, bad rows reported, waiting punches linked', async () => {
  await ingest.post('/api/v1/punches', { employee_id: '5501', timestamp: wall(Date.now() - 7200_000), device_id: 'CSV' });
  const csv = 'employee,name,attendance_device_id,status\nCSV-1,Dana Csv,5501,Active\nCSV-2,,5502,Bogus\n';
  const r = await admin.call('POST', '/api/v1/employees/import', csv, { 'content-type': 'text/csv' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.created, 1);
  assert.equal(r.body.linked_punches, 1);
  assert.equal(r.body.rejected.length, 1);
  assert.equal(r.body.rejected[0].line, 3);
  assert.equal(r.body.success, false);
  const again = await admin.call('POST', '/api/v1/employees/import', 'employee,name\nCSV-1,Dana Renamed\n', { 'content-type': 'text/csv' });
  assert.equal(again.body.updated, 1);
  assert.equal((await admin.get('/api/v1/employees/CSV-1')).body.name, 'Dana Renamed');
  assert.equal((await admin.call('POST', '/api/v1/employees/import', '', { 'content-type': 'text/csv' })).status, 400);
  assert.equal((await admin.call('POST', '/api/v1/employees/import', '{"a":1}', { 'content-type': 'application/json' })).status, 415);
});
