// The poller against the emulated terminal over TCP, on both databases: whole logs stored once in
// every delivery, nothing twice on the next poll or after a rotation, clear errors for a wrong key
// and a moved address, a terminal that falls silent mid-read left enabled next time with nothing
// lost, one poller per terminal across instances, wall times kept on DST days, the opt-in clear
// and clock correction, and one punch for a record a terminal both pushed and was read for.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Services } from '../../src/app.js';
import { PollerService, type PollerServiceSettings, nextDelayMs } from '../../src/poller/service.js';
import { ZK_DELIVERIES, type ZkDelivery, ZkDevice, type ZkDeviceOptions, emulatedLog, wallTimeOfUtc } from '../../src/simulator/zkDevice.js';
import { parseTimestamp } from '../../src/pipeline/time.js';
import { openTestServices } from '../helpers/db.js';
import { client, startTestServer } from '../helpers/server.js';

const FROM = { year: 2026, month: 11, day: 2, hour: 7, minute: 0, second: 0 };
const ENV = { ICLOCKD_TZ: 'UTC', ICLOCKD_LOG_LEVEL: 'silent', ICLOCKD_ZK_REPLY_TIMEOUT_SECONDS: '1', ICLOCKD_ZK_CONNECT_TIMEOUT_SECONDS: '1' };

async function setup(device: Partial<ZkDeviceOptions> & { records?: number; users?: number }, poller: { serial?: string; commKey?: number; timeZone?: string; clearAfterRead?: boolean; setClock?: boolean } = {}) {
  const { s, cleanup } = await openTestServices(ENV);
  const d = new ZkDevice({ serialNumber: 'ZKPOLL0001', ...device });
  const log = emulatedLog(device.records ?? 100, device.users ?? 10, FROM);
  d.records = log.records;
  d.users = log.users;
  const port = await d.listen();
  const serial = poller.serial ?? 'ZKPOLL0001';
  await s.pollers.add({ serial, host: '127.0.0.1', port, commKey: poller.commKey ?? 0, intervalSeconds: 60, enabled: true, clearAfterRead: poller.clearAfterRead ?? false, setClock: poller.setClock ?? false, timeZone: poller.timeZone });
  after(async () => {
    await d.close();
    await cleanup();
  });
  return { s, d, serial };
}

/** A poller of another instance on the same database (its own lease owner). */
const anotherInstance = (s: Services, leaseMs?: number) =>
  new PollerService({ knex: s.db.knex, ingest: s.ingest, registry: s.registry, syncLog: s.syncLog, settings: s.config as PollerServiceSettings, logger: s.logger, clock: s.clock, leaseMs, approve: (serial) => s.deviceService.approve(serial) });

const punchCount = async (s: Services) => Number((await s.db.knex('punches').count({ n: '*' }))[0]!.n);

describe('whole logs, once', () => {
  for (const delivery of ZK_DELIVERIES) {
    test(`${delivery} delivery: 20,000 records stored once, users kept, a second poll adds nothing, both polls in the sync log`, async () => {
      const { s, d, serial } = await setup({ delivery: delivery as ZkDelivery, records: 20_000, users: 500 });
      const first = await s.pollers.pollOnce(serial);
      assert.equal(first.ok, true, first.error ?? '');
      assert.deepEqual([first.records, first.submitted, first.counts.created, first.counts.duplicate, first.counts.failed], [20_000, 20_000, 20_000, 0, 0]);
      assert.equal(await punchCount(s), 20_000);
      assert.equal(Number((await s.db.knex('punches').where({ source: 'zk4370', device_serial: serial }).count({ n: '*' }))[0]!.n), 20_000);
      assert.equal(Number((await s.db.knex('device_users').where({ device_serial: serial }).count({ n: '*' }))[0]!.n), 500);
      assert.equal(d.state.enabled, true);
      const second = await s.pollers.pollOnce(serial);
      assert.equal(second.ok, true);
      assert.deepEqual([second.records, second.submitted, second.counts.created, second.reread], [20_000, 0, 0, false]);
      assert.equal(await punchCount(s), 20_000);
      const log = await s.db.knex('sync_log').where({ channel: 'zk4370', device: serial }).orderBy('id');
      assert.deepEqual(log.map((r) => [r.status, Number(r.records_created)]), [['processed', 20_000], ['processed', 0]]);
      const p = await s.pollers.get(serial);
      assert.deepEqual([p.cursor.count, p.records, p.recordsCapacity, p.lastErrorKind, p.leaseOwner], [20_000, 20_000, 100_000, null, null]);
    });
  }
});

test('users are written when they changed, not on every poll', async () => {
  const { s, d, serial } = await setup({ records: 10, users: 5 });
  const userWrites: string[] = [];
  const count = (q: { sql: string }) => {
    if (/^insert into .device_users/i.test(q.sql)) userWrites.push(q.sql);
  };
  s.db.knex.on('query', count);
  try {
    await s.pollers.pollOnce(serial);
    await s.pollers.pollOnce(serial);
    assert.equal(userWrites.length, 1);
    d.users[2]!.name = 'Renamed';
    await s.pollers.pollOnce(serial);
    assert.equal(userWrites.length, 2);
  } finally {
    s.db.knex.off('query', count);
  }
  assert.equal((await s.db.knex('device_users').where({ device_serial: serial, pin: '3' }).first()).name, 'Renamed');
});

describe('a log that changed', () => {
  test('rotated (oldest records gone, new ones after): re-read whole, the stored ones duplicates, nothing doubled', async () => {
    const { s, d, serial } = await setup({ delivery: 'combined', records: 3000, users: 50 });
    assert.equal((await s.pollers.pollOnce(serial)).counts.created, 3000);
    // The terminal now keeps 2,500 records: with 500 more punches, its oldest 1,000 are gone.
    d.rotateAt = 2500;
    for (const r of emulatedLog(3500, 50, FROM).records.slice(3000)) d.punch(r);
    assert.equal(d.records.length, 2500);
    const r = await s.pollers.pollOnce(serial);
    assert.equal(r.reread, true);
    assert.deepEqual([r.submitted, r.counts.created, r.counts.duplicate], [2500, 500, 2000]);
    assert.equal(await punchCount(s), 3500);
  });

  test('shrunk (cleared on the terminal, then new punches): re-read, the new ones stored', async () => {
    const { s, d, serial } = await setup({ records: 300, users: 10 });
    await s.pollers.pollOnce(serial);
    d.records = emulatedLog(320, 10, FROM).records.slice(300);
    const r = await s.pollers.pollOnce(serial);
    assert.deepEqual([r.reread, r.counts.created], [true, 20]);
    assert.equal(await punchCount(s), 320);
  });
});

describe('a terminal that cannot be read', () => {
  test('a wrong comm key: a wrong_key error on the poller, nothing stored, the next poll backed off', async () => {
    const { s, serial } = await setup({ commKey: 1234 }, { commKey: 4321 });
    const before = Date.now();
    const r = await s.pollers.pollOnce(serial);
    assert.deepEqual([r.ok, r.failure], [false, 'wrong_key']);
    const p = await s.pollers.get(serial);
    assert.equal(p.lastErrorKind, 'wrong_key');
    assert.match(p.lastError!, /refused the configured comm key/);
    assert.equal(p.failures, 1);
    // Twice the interval, ±20 %.
    assert.ok(p.nextPollAt.getTime() - before >= 0.8 * 120_000 - 1000, String(p.nextPollAt));
    assert.equal(await punchCount(s), 0);
    const log = await s.db.knex('sync_log').where({ channel: 'zk4370' }).first();
    assert.equal(log.status, 'error');
  });

  test('another terminal at the address (a DHCP move): serial_mismatch, nothing read or stored, the terminal never disabled', async () => {
    const { s, d, serial } = await setup({ serialNumber: 'SOMEONEELSE' }, { serial: 'ZKPOLL0001' });
    const r = await s.pollers.pollOnce(serial);
    assert.deepEqual([r.ok, r.failure], [false, 'serial_mismatch']);
    assert.match(r.error!, /answers as SOMEONEELSE, not ZKPOLL0001/);
    assert.equal(d.state.chunksServed, 0);
    assert.equal(d.state.enabled, true);
    assert.equal(await punchCount(s), 0);
  });

  test('silent mid-read: a timeout and nothing stored; the next poll enables it first and stores everything', async () => {
    const { s, d, serial } = await setup({ records: 20_000, users: 100 });
    d.silentAfterChunks = 3;
    const r = await s.pollers.pollOnce(serial);
    assert.deepEqual([r.ok, r.failure], [false, 'timeout']);
    assert.equal(await punchCount(s), 0);
    assert.equal(d.state.enabled, false); // it never heard the enable
    d.silent = false;
    d.silentAfterChunks = null;
    // Due again only after the backoff: asked now, as `pollers run-once` does.
    const again = await s.pollers.pollOnce(serial);
    assert.equal(again.ok, true, again.error ?? '');
    assert.equal(d.state.enabled, true);
    assert.equal(await punchCount(s), 20_000);
  });
});

test('two instances: one polls a terminal, the other finds it leased and does nothing', async () => {
  const { s, d, serial } = await setup({ records: 5000, users: 50, delivery: 'fragments' });
  const other = anotherInstance(s);
  assert.notEqual(other.owner, s.pollers.owner);
  const [a, b] = await Promise.all([s.pollers.pollOnce(serial), other.pollOnce(serial)]);
  assert.deepEqual([a.polled, b.polled].sort(), [false, true]);
  assert.equal(d.state.mostSessionsAtOnce, 1);
  assert.equal(await punchCount(s), 5000);
});

test('a long read renews its lease: another instance cannot take the terminal over midway', async () => {
  const { s, d, serial } = await setup({ records: 20_000, users: 100 });
  d.chunkDelayMs = 250; // 13 chunks: over 3 s, twice the lease
  const first = anotherInstance(s, 1500);
  const other = anotherInstance(s, 1500);
  const running = first.pollOnce(serial);
  await new Promise((resolve) => setTimeout(resolve, 2500));
  const meanwhile = await other.pollOnce(serial);
  assert.equal(meanwhile.polled, false);
  const done = await running;
  assert.equal(done.ok, true, done.error ?? '');
  assert.equal(d.state.mostSessionsAtOnce, 1);
  assert.equal(await punchCount(s), 20_000);
});

test('a lease taken over midway (its holder stalled past it): the stalled poll stores nothing, moves no cursor', async () => {
  const { s, d, serial } = await setup({ records: 500, users: 10 });
  let takenOver: Promise<unknown> = Promise.resolve();
  d.onAttendanceRead = () => {
    // (A knex builder runs only once awaited.)
    takenOver = s.db.knex('zk_pollers').where({ device_serial: serial }).update({ lease_owner: 'another-instance' }).then(() => undefined);
  };
  const r = await s.pollers.pollOnce(serial);
  await takenOver;
  assert.deepEqual([r.ok, r.failure], [false, 'lease_lost']);
  assert.equal(await punchCount(s), 0);
  const row = await s.db.knex('zk_pollers').where({ device_serial: serial }).first();
  assert.deepEqual([Number(row.cursor_count), row.lease_owner], [0, 'another-instance']);
  assert.equal(d.state.enabled, true);
});

test('a terminal awaiting approval is approved by being added, its held pushes released; a blocked one is not read', async () => {
  const { s, cleanup } = await openTestServices({ ...ENV, ICLOCKD_DEVICE_POLICY: 'pending' });
  const d = new ZkDevice({ serialNumber: 'ZKPEND0001' });
  d.records = emulatedLog(10, 5, FROM).records;
  const port = await d.listen();
  after(async () => {
    await d.close();
    await cleanup();
  });
  // It pushed first, and waited for approval: its upload is held.
  const device = await s.registry.contact('ZKPEND0001', { pushver: '2.4.1', language: 69, deviceType: null, address: '10.0.0.9' });
  const query = 'SN=ZKPEND0001&table=ATTLOG&Stamp=1';
  const { parseDeviceQuery } = await import('../../protocol/index.js');
  const { newRequestId } = await import('../../src/pipeline/syncLog.js');
  const held = await s.uploads.receive(device, { requestId: newRequestId(), method: 'POST', path: '/iclock/cdata', query, body: Buffer.from('99\t2026-11-01 08:00:00\t0\t1\n'), remoteAddress: '10.0.0.9', receivedAt: new Date() }, parseDeviceQuery(query));
  assert.equal(held.outcome, 'quarantined');
  await s.pollers.add({ serial: 'ZKPEND0001', host: '127.0.0.1', port, commKey: 0, intervalSeconds: 60, enabled: true, clearAfterRead: false, setClock: false });
  assert.equal((await s.deviceService.get('ZKPEND0001')).state, 'approved');
  assert.equal((await s.pollers.pollOnce('ZKPEND0001')).counts.created, 10);
  assert.equal(await punchCount(s), 11);
  await s.deviceService.block('ZKPEND0001');
  d.punch(emulatedLog(11, 5, FROM).records[10]!);
  const r = await s.pollers.pollOnce('ZKPEND0001');
  assert.deepEqual([r.ok, r.failure], [false, 'blocked']);
  assert.equal(await punchCount(s), 11);
  assert.match((await s.deviceService.diagnose('ZKPEND0001')).findings.join('\n'), /Blocked: iclockd refuses it/);
});

test('a DST day: punches at wall times the zone skips or repeats are stored at those wall times, as ADMS stores them', async () => {
  const { s, d, serial } = await setup({ records: 0 }, { timeZone: 'Europe/Berlin' });
  const at = (month: number, day: number, hour: number) => ({ uid: 1, pin: '1', time: { year: 2026, month, day, hour, minute: 30, second: 0 }, verifyMode: 1, punchState: 0, workCode: 0 });
  d.records = [at(3, 29, 2), at(10, 25, 2), at(10, 25, 3)];
  assert.equal((await s.pollers.pollOnce(serial)).counts.created, 3);
  const rows = await s.db.knex('punches').orderBy('id').select('local_time', 'time_zone', 'punched_at');
  assert.deepEqual(rows.map((r) => r.local_time), ['2026-03-29 02:30:00', '2026-10-25 02:30:00', '2026-10-25 03:30:00']);
  assert.deepEqual(rows.map((r) => r.time_zone), ['Europe/Berlin', 'Europe/Berlin', 'Europe/Berlin']);
  const instants = (await s.records.listPunches({}, { limit: 10, offset: 0 })).rows.map((p) => p.instant.toISOString()).sort();
  assert.deepEqual(instants, ['2026-03-29 02:30:00', '2026-10-25 02:30:00', '2026-10-25 03:30:00'].map((t) => parseTimestamp(t, 'Europe/Berlin').instant.toISOString()).sort());
});

test('clear after read (opt-in): cleared once committed, the cursor back to 0, later punches stored alone', async () => {
  const { s, d, serial } = await setup({ records: 2500, users: 20 }, { clearAfterRead: true });
  const r = await s.pollers.pollOnce(serial);
  assert.deepEqual([r.ok, r.cleared, r.counts.created], [true, true, 2500]);
  assert.deepEqual([d.records.length, d.state.clears, d.state.enabled], [0, 1, true]);
  assert.equal((await s.pollers.get(serial)).cursor.count, 0);
  d.records = emulatedLog(2510, 20, FROM).records.slice(2500);
  const next = await s.pollers.pollOnce(serial);
  assert.deepEqual([next.reread, next.counts.created, next.counts.duplicate], [false, 10, 0]);
  assert.equal(await punchCount(s), 2510);
});

test('clear after read: not cleared when a punch arrived during the read (the count changed); stored on the next poll', async () => {
  const { s, d, serial } = await setup({ records: 100, users: 10 }, { clearAfterRead: true });
  const extra = emulatedLog(101, 10, FROM).records[100]!;
  d.onAttendanceRead = () => {
    d.records.push(extra);
    d.onAttendanceRead = null;
  };
  const r = await s.pollers.pollOnce(serial);
  assert.deepEqual([r.ok, r.cleared, r.counts.created, d.state.clears, d.records.length], [true, false, 100, 0, 101]);
  const next = await s.pollers.pollOnce(serial);
  assert.deepEqual([next.cleared, next.counts.created, d.records.length], [true, 1, 0]);
  assert.equal(await punchCount(s), 101);
});

test('a clock 10 minutes ahead: its drift recorded on the terminal, and set right in its zone when the operator opted in', async () => {
  const ahead = () => wallTimeOfUtc(new Date(Date.now() + 600_000 + 3 * 3600_000)); // Riyadh is UTC+3
  const { s, d, serial } = await setup({ records: 1, clock: ahead }, { timeZone: 'Asia/Riyadh', setClock: true });
  const r = await s.pollers.pollOnce(serial);
  assert.ok(Math.abs(r.clockDriftSeconds! + 600) <= 2, String(r.clockDriftSeconds)); // ahead: negative, as ADMS measures it
  assert.equal(r.clockSet, true);
  const set = d.state.timeSets[0]!;
  const riyadhNow = wallTimeOfUtc(new Date(Date.now() + 3 * 3600_000));
  assert.ok(Math.abs(Date.UTC(set.year, set.month - 1, set.day, set.hour, set.minute, set.second) - Date.UTC(riyadhNow.year, riyadhNow.month - 1, riyadhNow.day, riyadhNow.hour, riyadhNow.minute, riyadhNow.second)) <= 2000);
  const device = await s.db.knex('devices').where({ serial }).first();
  assert.ok(Math.abs(Number(device.clock_drift_seconds) + 600) <= 2);
  // Not opted in: measured, not touched.
  await s.pollers.set(serial, { setClock: false });
  const again = await s.pollers.pollOnce(serial);
  assert.deepEqual([again.clockSet, d.state.timeSets.length], [false, 1]);
});

test('a clock past ICLOCKD_HOLD_CLOCK_OFF_SECONDS: its new punches are held for review, as an ADMS terminal\'s are', async () => {
  const ahead = () => wallTimeOfUtc(new Date(Date.now() + 1200_000));
  const { s, serial } = await setup({ records: 3, clock: ahead });
  await s.pollers.pollOnce(serial);
  const statuses = await s.db.knex('punches').pluck('status');
  assert.deepEqual(statuses, ['suspect_time', 'suspect_time', 'suspect_time']);
});

describe('devices show for a polled terminal', () => {
  const findings = async (s: Services, serial: string) => (await s.deviceService.diagnose(serial)).findings.join('\n');

  test('not polled yet, then delivering; never "silent" for not pushing', async () => {
    const { s, serial } = await setup({ records: 5 });
    assert.match(await findings(s, serial), /Not polled yet: the first poll of 127\.0\.0\.1:\d+ is due at/);
    await s.pollers.pollOnce(serial);
    const after = await findings(s, serial);
    assert.match(after, /^Delivering \(read over TCP 4370, last at /);
    assert.doesNotMatch(after, /Silent|Handshakes/);
    // Online while read within 3 intervals (its "Delay" is its interval); past that, not delivering, and why.
    const now = await s.deviceService.inspect(serial);
    assert.deepEqual([now.device && 'status' in now ? [now.status.online, now.status.delaySeconds] : null], [[true, 60]]);
    const later = await s.deviceService.inspect(serial, new Date(Date.now() + 181_000));
    assert.ok(later.device && 'status' in later);
    assert.equal(later.status.online, false);
    assert.equal(later.diagnosis.delivering, false);
    assert.match(later.diagnosis.findings[0]!, /^Not read since .*, though it is read every 60 s: is iclockd serve running\?/);
  });

  test('a wrong key, a moved address and a full log each say what to do', async () => {
    const wrong = await setup({ commKey: 1 }, { commKey: 2 });
    await wrong.s.pollers.pollOnce(wrong.serial);
    assert.match(await findings(wrong.s, wrong.serial), /Wrong comm key: .*iclockd pollers set ZKPOLL0001 comm_key=N.*1 failed poll\(s\) in a row/);
    const moved = await setup({ serialNumber: 'OTHER0002' });
    await moved.s.pollers.pollOnce(moved.serial);
    assert.match(await findings(moved.s, moved.serial), /Another terminal answers at 127\.0\.0\.1:\d+: .*answers as OTHER0002/);
    const full = await setup({ records: 50, recordCapacity: 50 });
    await full.s.pollers.pollOnce(full.serial);
    assert.match(await findings(full.s, full.serial), /Log full: 50 of 50 records.*clear_after_read=true/);
  });
});

test('firmware that will not tell its time is still read (no drift recorded)', async () => {
  const { s, d, serial } = await setup({ records: 20 });
  d.refuses.add(201); // GET_TIME
  const r = await s.pollers.pollOnce(serial);
  assert.deepEqual([r.ok, r.counts.created, r.clockDriftSeconds], [true, 20, null]);
});

test("an employee's punches become check-ins with attendance, as pushed ones do", async () => {
  const { s, serial } = await setup({ records: 4, users: 2 });
  await s.employees.create({ employee: 'EMP-1', name: 'One', attendance_device_id: '1' });
  await s.pollers.pollOnce(serial);
  const punches = await s.db.knex('punches').orderBy('id').select('device_user_id', 'status', 'checkin_id');
  assert.deepEqual(punches.map((p) => [p.device_user_id, p.status]), [['1', 'checked_in'], ['2', 'unmatched'], ['1', 'checked_in'], ['2', 'unmatched']]);
  assert.equal(Number((await s.db.knex('checkins').count({ n: '*' }))[0]!.n), 2);
});

test('a punch the terminal pushed over ADMS and the poller read is one punch', async () => {
  const server = await startTestServer();
  after(() => server.stop());
  const s = server.running.services;
  const d = new ZkDevice({ serialNumber: 'ZKBOTH0001' });
  d.records = emulatedLog(5, 5, FROM).records;
  const port = await d.listen();
  after(() => d.close());
  await s.pollers.add({ serial: 'ZKBOTH0001', host: '127.0.0.1', port, commKey: 0, intervalSeconds: 60, enabled: true, clearAfterRead: false, setClock: false });
  // The first two records, as the terminal's ADMS upload writes them (PIN, time, state, verify, work code).
  const lines = d.records.slice(0, 2).map((r) => `${r.pin}\t${`${r.time.year}-${String(r.time.month).padStart(2, '0')}-${String(r.time.day).padStart(2, '0')} ${String(r.time.hour).padStart(2, '0')}:${String(r.time.minute).padStart(2, '0')}:00`}\t${r.punchState}\t${r.verifyMode}\t0`);
  const res = await client(server).call('POST', '/iclock/cdata?SN=ZKBOTH0001&table=ATTLOG&Stamp=1', `${lines.join('\n')}\n`);
  assert.equal(res.status, 200);
  const r = await s.pollers.pollOnce('ZKBOTH0001');
  assert.deepEqual([r.counts.created, r.counts.duplicate], [3, 2]);
  assert.equal(Number((await s.db.knex('punches').count({ n: '*' }))[0]!.n), 5);
});

test('two iclockd serve processes on one database read a terminal one at a time, each record once', async () => {
  const a = await startTestServer();
  const b = await startTestServer({}, { database: a });
  after(async () => {
    await b.stop();
    await a.stop();
  });
  const d = new ZkDevice({ serialNumber: 'ZKTWO0001' });
  d.records = emulatedLog(5000, 50, FROM).records;
  d.chunkDelayMs = 100;
  const port = await d.listen();
  after(() => d.close());
  await a.running.services.pollers.add({ serial: 'ZKTWO0001', host: '127.0.0.1', port, commKey: 0, intervalSeconds: 10, enabled: true, clearAfterRead: false, setClock: false });
  // Both schedulers see it due at once; then each asks for it again, directly, while the other may hold it.
  const reports = await Promise.all([a.running.services.pollers.pollOnce('ZKTWO0001'), b.running.services.pollers.pollOnce('ZKTWO0001'), b.running.services.pollers.pollOnce('ZKTWO0001')]);
  for (let i = 0; i < 60 && (await punchCount(a.running.services)) < 5000; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(reports.some((r) => r.polled && r.ok));
  assert.equal(d.state.mostSessionsAtOnce, 1);
  assert.equal(await punchCount(a.running.services), 5000);
});

test('iclockd serve polls a due terminal by itself, and logs what it read', async () => {
  const server = await startTestServer();
  after(() => server.stop());
  const s = server.running.services;
  const d = new ZkDevice({ serialNumber: 'ZKSERVE001', delivery: 'fragments' });
  d.records = emulatedLog(300, 30, FROM).records;
  const port = await d.listen();
  after(() => d.close());
  await s.pollers.add({ serial: 'ZKSERVE001', host: '127.0.0.1', port, commKey: 0, intervalSeconds: 60, enabled: true, clearAfterRead: false, setClock: false });
  for (let i = 0; i < 100 && (await punchCount(s)) < 300; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(await punchCount(s), 300);
  for (let i = 0; i < 50 && !server.logs.some((l) => l.msg === 'poller: new punches read'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(server.logs.some((l) => l.msg === 'poller: new punches read' && l.serial === 'ZKSERVE001' && l.created === 300));
  // Next due a minute on (±20 %): not polled again meanwhile.
  const p = await s.pollers.get('ZKSERVE001');
  assert.ok(p.nextPollAt.getTime() - Date.now() > 40_000, String(p.nextPollAt));
  assert.equal(d.state.connections, 1);
});

test('the backoff: the interval doubled per failure in a row, at most an hour, ±20 %', () => {
  assert.equal(nextDelayMs(60, 0, () => 0.5), 60_000);
  assert.equal(nextDelayMs(60, 3, () => 0.5), 480_000);
  assert.equal(nextDelayMs(60, 30, () => 0.5), 3_600_000);
  assert.equal(nextDelayMs(60, 0, () => 0), 48_000);
  assert.equal(nextDelayMs(60, 0, () => 1), 72_000);
});
