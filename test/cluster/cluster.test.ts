// Past one machine, on loopback: a three-node MariaDB Galera cluster, three `iclockd serve`
// processes each writing through its own node, HAProxy (deploy/haproxy.cfg itself) in front of
// them, and simulated terminals pushing real-time punches, bursts and resends through HAProxy,
// forwarding every check-in to an ERPNext. In turn the harness: starts the three instances at
// once on an empty database (their migrations race), kill -9s an instance, kill -9s a database
// node (it rejoins by IST), kill -9s two (the last loses its quorum; an operator bootstraps it,
// the others rejoin), and kill -9s the instance HAProxy chose for an upload while its body is
// still arriving. After each: every punch made was acknowledged and is stored once, one
// check-in per punch, attendance equals a fresh recompute, ERPNext holds each check-in once,
// and the three nodes hold the same rows. `npm run test:cluster`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime } from 'luxon';
import { freePort } from '../../src/bench/fleet.js';
import { formatWallTime } from '../../protocol/index.js';
import { instantToWallTime } from '../../src/pipeline/time.js';
import { ZkDevice } from '../../src/simulator/zkDevice.js';
import { simulate } from '../../src/simulator/simulator.js';
import { type Database, closeDatabase, openDatabase } from '../../src/store/db.js';
import { FakeErpnext } from '../helpers/fakeErpnext.js';
import { type GaleraCluster, galeraMissing, startGaleraCluster } from '../helpers/galera.js';
import { HAPROXY, type Haproxy, startHaproxy } from '../helpers/haproxy.js';
import { Ledger, seedSimulatorEmployees } from '../helpers/ledger.js';
import { type Node, startNode, until } from '../helpers/outbox.js';
import { CLI, type Started, TSX, startProcess } from '../helpers/serveProcess.js';

const DEVICES = Number(process.env.ICLOCKD_CLUSTER_TERMINALS ?? 12);
const USERS = 20;
const PUNCHES_PER_MINUTE = Number(process.env.ICLOCKD_CLUSTER_PUNCH_RATE ?? 240);
const DATABASE = 'iclockd_cluster';
const SHIFT = 'Cluster Day';
/** The mid-upload terminal's employees: the block after the simulated terminals'. */
const BURST_BLOCK = DEVICES + 1;
const BURST_LINES = 3000;
/** The TCP-4370 terminal's employees: the block after that. */
const ZK_BLOCK = BURST_BLOCK + 1;

const missing = galeraMissing() ?? (existsSync(HAPROXY) ? null : `${HAPROXY} is missing (Debian package haproxy)`);
const required = process.env.ICLOCKD_REQUIRE_CLUSTER === '1';
const skip = missing && !required ? missing : false;

const cwd = mkdtempSync(join(tmpdir(), 'iclockd-cluster-'));
let cluster: GaleraCluster | null = null;
let proxy: Haproxy | null = null;
let erp: FakeErpnext | null = null;
const instances: (Started | null)[] = [null, null, null];
const ports: number[] = [];
const dbs: Database[] = [];
let setup: Node | null = null;
let admin = '';
const ledger = new Ledger();
const counts: Record<string, string | number>[] = [];

function envOf(i: number): Record<string, string> {
  return {
    DATABASE_URL: cluster!.url(i, DATABASE),
    ICLOCKD_PORT: String(ports[i]),
    ICLOCKD_DEVICE_POLICY: 'approve',
    ICLOCKD_TRUST_PROXY: '1',
    // Every terminal comes from one address here; each phase brings new serials.
    ICLOCKD_NEW_DEVICES_PER_HOUR: String(Math.max(120, DEVICES * 5)),
    ICLOCKD_OUTBOX_POLL_MS: '200',
    ICLOCKD_OUTBOX_BACKOFF_MS: '100',
    ICLOCKD_OUTBOX_BACKOFF_MAX_MS: '1000',
    ICLOCKD_OUTBOX_MAX_TRIES: '1000',
    // A killed instance's claimed rows come back after the claim (a minute); then a send it may
    // have made is looked up at ERPNext after this settling time (2.5 min by default).
    ICLOCKD_OUTBOX_SETTLE_MS: '2000',
  };
}

/** Every instance process started, restarts included: their logs are read at each check. */
const everyInstance: Started[] = [];

async function startInstance(i: number): Promise<Started> {
  const started = await startProcess(cwd, envOf(i));
  instances[i] = started;
  everyInstance.push(started);
  return started;
}

/**
 * Requests an instance answered with a server error other than 503 (the database unavailable,
 * retry), and write conflicts that escaped their retries: none may be. A last-seen flush that
 * lost all its tries keeps its times for the next flush (nothing is lost): counted apart.
 */
function serverErrors(): Record<string, unknown>[] {
  return everyInstance.flatMap((s) =>
    s.lines.filter((l) => (l.msg === 'request' && typeof l.status === 'number' && l.status >= 500 && l.status !== 503) || (/deadlock|1213/i.test(JSON.stringify(l.err ?? '')) && !deferredFlush(l))),
  );
}
const deferredFlush = (l: Record<string, unknown>) => l.msg === 'could not record device heartbeats; will retry';
const deferredFlushes = () => everyInstance.reduce((n, s) => n + s.lines.filter(deferredFlush).length, 0);

async function killInstance(i: number): Promise<void> {
  const s = instances[i]!;
  s.child.kill('SIGKILL');
  await s.exited;
  instances[i] = null;
}

const count = async (knex: Database['knex'], table: string, where: Record<string, unknown> = {}) =>
  Number(((await knex(table).where(where).count({ n: '*' })) as { n: number | string }[])[0]!.n);

/** Instance i's own /metrics (not through HAProxy). */
const metricsOf = async (i: number) => (await fetch(`http://127.0.0.1:${ports[i]}/metrics`)).text();
const gauge = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

/**
 * What the run cost the cluster, for the capacity model: write-set bytes replicated per punch
 * stored (what gcache must hold per punch for a node to rejoin by IST), certification conflicts
 * (retried by iclockd) and the statements that lost them, and each table's bytes per row.
 */
async function clusterFigures(): Promise<Record<string, unknown>> {
  const knex = dbs[0]!.knex;
  const punches = await count(knex, 'punches');
  let replicated = 0;
  let certFailures = 0;
  let bfAborts = 0;
  for (let i = 0; i < 3; i++) {
    replicated += Number(await cluster!.status(i, 'wsrep_replicated_bytes'));
    certFailures += Number(await cluster!.status(i, 'wsrep_local_cert_failures'));
    bfAborts += Number(await cluster!.status(i, 'wsrep_local_bf_aborts'));
  }
  const victims = new Map<string, number>();
  for (const node of cluster!.nodes) for (const [what, n] of node.conflictVictims()) victims.set(what, (victims.get(what) ?? 0) + n);
  const tables = ((await knex.raw('SELECT table_name AS t, table_rows AS n, data_length + index_length AS b FROM information_schema.tables WHERE table_schema = DATABASE() AND table_rows > 0 ORDER BY b DESC')) as [{ t: string; n: number; b: number }[]])[0];
  return {
    punches,
    replicated_bytes_per_punch: Math.round(replicated / punches),
    certification_failures: certFailures,
    brute_force_aborts: bfAborts,
    conflicts_lost_by: Object.fromEntries([...victims].sort((a, b) => b[1] - a[1])),
    bytes_per_row: Object.fromEntries(tables.map((r) => [r.t, Math.round(Number(r.b) / Math.max(1, Number(r.n)))])),
  };
}

/** `iclockd doctor` against node i: its galera line. */
async function doctorGalera(i: number): Promise<string> {
  const env = { PATH: process.env.PATH ?? '', DATABASE_URL: cluster!.url(i, DATABASE), ICLOCKD_PORT: String(await freePort()), ICLOCKD_HOST: '127.0.0.1', ICLOCKD_TZ: 'UTC' };
  const r = spawnSync(process.execPath, ['--import', TSX, CLI, 'doctor'], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return r.stdout.split('\n').find((l) => /^\S+\s+galera\s/.test(l)) ?? `no galera line in: ${r.stdout}${r.stderr}`;
}

/** HAProxy holds all three instances UP (its /readyz checks pass). */
async function allUp(): Promise<void> {
  await until('HAProxy holds all three instances UP', async () => (await proxy!.upServers()).length === 3, 60_000);
}

/**
 * The checks after each fault, once the terminals have delivered: sent = acknowledged =
 * stored, once each, one check-in each; attendance equals a fresh recompute; every check-in
 * delivered to ERPNext, none twice; and each node holds the same rows.
 */
async function checkConsistent(phase: string, t: { diagnostic(s: string): void }): Promise<void> {
  const knex = dbs[0]!.knex;
  const errors = serverErrors();
  assert.deepEqual(errors.slice(0, 3), [], `${errors.length} request(s) answered with a server error, or a certification conflict that escaped its retry`);
  await ledger.checkAgainst(knex);
  const stored = ledger.count(ledger.made);
  assert.equal(ledger.count(ledger.acknowledged), stored, 'every punch made was acknowledged');

  await until(`${phase}: every check-in delivered to ERPNext`, async () => (await count(knex, 'outbox', { state: 'delivered' })) === stored, 180_000);
  assert.equal(erp!.checkins.length, stored, 'ERPNext holds each check-in once');
  const seen = new Map<string, unknown[]>();
  for (const c of erp!.checkins) seen.set(`${c.employee}|${c.time}`, [...(seen.get(`${c.employee}|${c.time}`) ?? []), c]);
  const twice = [...seen.values()].filter((v) => v.length > 1);
  assert.deepEqual(twice, [], 'ERPNext holds one check-in per employee and time');

  // Attendance as stored is what a recompute from the check-ins makes: nothing changes.
  const today = DateTime.utc();
  const report = await setup!.s.shifts.recompute({ from: today.minus({ days: 1 }).toISODate(), to: today.plus({ days: 1 }).toISODate() });
  const attendance = await count(knex, 'attendance');
  assert.ok(attendance > 0, 'attendance was made');
  assert.equal(report.changed, 0, `${phase}: a recompute changed ${report.changed} attendance record(s) the cluster had made`);
  assert.equal(report.finalChangesTotal, 0);

  // Every node holds the same rows (Galera applies every commit everywhere).
  const perNode: string[] = [];
  for (const db of dbs) {
    const row = [await count(db.knex, 'punches'), await count(db.knex, 'checkins'), await count(db.knex, 'attendance'), await count(db.knex, 'outbox', { state: 'delivered' })];
    perNode.push(row.join('/'));
  }
  assert.equal(new Set(perNode).size, 1, `the nodes differ: ${perNode.join(' vs ')}`);

  const line = { phase, last_seen_flushes_deferred: deferredFlushes(), punches_made: stored, acknowledged: ledger.count(ledger.acknowledged), stored, checkins: await count(knex, 'checkins'), attendance, erpnext_checkins: erp!.checkins.length, erpnext_posts: erp!.requests.length };
  counts.push(line);
  t.diagnostic(`${phase}: ${JSON.stringify(line)}`);
}

/** Requests the fleet made through HAProxy, and per second, for the capacity figures. */
function load(summary: { uploads: number; heartbeats: number; resends: number; errors: number }, durationMs: number): string {
  const requests = summary.uploads + summary.heartbeats + summary.resends;
  return `${requests} requests through HAProxy (${(requests / (durationMs / 1000)).toFixed(0)}/s: ${summary.heartbeats} polls, ${summary.uploads} uploads, ${summary.resends} resends), ${summary.errors} failed`;
}

function fleet(prefix: string, durationMs: number) {
  return simulate({
    url: `http://127.0.0.1:${proxy!.port}`,
    devices: DEVICES,
    users: USERS,
    punchRatePerMinute: PUNCHES_PER_MINUTE,
    durationMs,
    pushver: '2.4.1',
    prefix,
    timeZone: 'UTC',
    resendShare: 0.15,
    onPunches: ledger.note,
  });
}

before(async () => {
  if (skip) return;
  if (missing) throw new Error(`ICLOCKD_REQUIRE_CLUSTER=1 but ${missing}`);
  cluster = await startGaleraCluster(3);
  for (let i = 0; i < 3; i++) ports.push(await freePort());
  erp = await FakeErpnext.start();
  for (let b = 1; b <= ZK_BLOCK; b++) for (let u = 1; u <= USERS; u++) erp.addEmployee(`HR-${1000 * b + u}`, String(1000 * b + u));
});

after(async () => {
  for (const s of instances) s?.child.kill('SIGKILL');
  await setup?.close().catch(() => undefined);
  for (const db of dbs) await closeDatabase(db).catch(() => undefined);
  await proxy?.stop();
  await erp?.close();
  await cluster?.stop();
  rmSync(cwd, { recursive: true, force: true });
  if (counts.length) console.log(`\ncluster run (${DEVICES} terminals, ${PUNCHES_PER_MINUTE} punches/min each):\n${counts.map((c) => JSON.stringify(c)).join('\n')}`);
});

test('three instances started at once on an empty database: their migrations race, all come up', { skip, timeout: 180_000 }, async (t) => {
  await Promise.all([0, 1, 2].map((i) => startInstance(i)));
  proxy = await startHaproxy(ports.map((p) => `127.0.0.1:${p}`));
  await allUp();
  for (let i = 0; i < 3; i++) dbs.push(await openDatabase(cluster!.url(i, DATABASE)));
  for (const db of dbs) {
    const locks = (await db.knex('knex_migrations_lock').select('is_locked')) as { is_locked: number }[];
    assert.deepEqual(locks.map((l) => Number(l.is_locked)), [0], 'one lock row, free');
    const names = ((await db.knex('knex_migrations').select('name')) as { name: string }[]).map((r) => r.name);
    assert.equal(new Set(names).size, names.length, 'each migration applied once');
  }
  // The site: a day shift with auto attendance, the terminals' users as its employees, an ERPNext to forward to.
  setup = await startNode(cluster!.url(0, DATABASE), {}, { worker: false });
  await setup.s.shifts.createShiftType({ name: SHIFT, start_time: '00:00', end_time: '23:59', enable_auto_attendance: true });
  await seedSimulatorEmployees(dbs[0]!.knex, ZK_BLOCK, USERS, SHIFT);
  await setup.s.outbox.addTarget({ name: 'erp', kind: 'erpnext', url: erp!.url, api_key: erp!.apiKey, api_secret: erp!.apiSecret, time_zone: 'UTC' });
  const key = await setup.s.apiKeys.create('cluster test', 'admin');
  admin = `token ${key.apiKey}:${key.secret}`;
  t.diagnostic(`instances on ports ${ports.join(', ')}, HAProxy on ${proxy.port}`);
  const doctor = await doctorGalera(1);
  t.diagnostic(`iclockd doctor: ${doctor}`);
  assert.match(doctor, /^ok\s+galera\s+node node2, Synced, one of 3 \(Primary\); binlog_format ROW, innodb_autoinc_lock_mode 2, wsrep_sync_wait 1/);
});

const api = (method: string, path: string, body?: unknown) =>
  fetch(`http://127.0.0.1:${proxy!.port}/api/v1${path}`, { method, headers: { authorization: admin, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

test('kill -9 an instance mid-run: nothing lost, nothing doubled, each queued command handed out once', { skip, timeout: 240_000 }, async (t) => {
  const run = fleet('KILLI', 20_000);
  await sleep(2500);
  // Two commands per terminal, queued through whichever instance HAProxy picks; the terminals
  // poll through all three, each instance claiming through its own node.
  const serials = Array.from({ length: Math.min(DEVICES, 12) }, (_, i) => `KILLI${String(i + 1).padStart(4, '0')}`);
  for (const sn of serials) for (const command of ['check', 'info']) assert.equal((await api('POST', `/devices/${sn}/commands`, { command })).status, 201);
  await sleep(3500);
  const before = ledger.count(ledger.acknowledged);
  await killInstance(1);
  await sleep(3000);
  await startInstance(1);
  const summary = await run;
  t.diagnostic(`punches ${summary.punches}, acknowledged before the kill ${before}, commands received ${summary.commands}; ${load(summary, 20_000)}`);
  assert.ok(before > 0);
  const commands = (await dbs[0]!.knex('device_commands').whereIn('device_serial', serials).select('state', 'tries')) as { state: string; tries: number }[];
  assert.equal(commands.length, serials.length * 2);
  for (const c of commands) assert.ok(Number(c.tries) <= 1, 'a command was handed out twice');
  const succeeded = commands.filter((c) => c.state === 'succeeded').length;
  assert.equal(summary.commands, succeeded, 'the terminals received each command they answered, once');
  // A fleet larger than this machine serves keeps some terminals retrying past the run: only the default one must receive them all.
  if (DEVICES <= 12) assert.equal(succeeded, serials.length * 2, 'every command was handed out');
  await allUp();
  await checkConsistent('instance killed', t);
});

test('kill -9 a database node mid-run: it rejoins by IST, nothing lost, nothing doubled', { skip, timeout: 300_000 }, async (t) => {
  const run = fleet('KILLD', 25_000);
  // Scraped as Prometheus does, all along: each instance knows its node as a Galera node.
  for (let i = 0; i < 3; i++) assert.equal(gauge(await metricsOf(i), `iclockd_database_node_synced{node="node${i + 1}"}`), 1);
  await sleep(5000);
  await cluster!.kill(2);
  await until('HAProxy takes the instance on the dead node out', async () => !(await proxy!.upServers()).includes('iclockd3'), 30_000);
  // What the alert rules see: the orphaned instance not ready, its node not synced; the others a cluster of 2.
  const orphan = await metricsOf(2);
  assert.equal(gauge(orphan, 'iclockd_ready'), 0);
  assert.equal(gauge(orphan, 'iclockd_database_node_synced{node="node3"}'), 0);
  assert.equal(gauge(await metricsOf(0), 'iclockd_database_cluster_size{node="node1"}'), 2);
  assert.match(await doctorGalera(0), /^warn\s+galera\s+a cluster of 2: losing one node loses the quorum/);
  await sleep(4000); // the other two nodes take every write meanwhile
  const transfer = await cluster!.restart(2);
  const summary = await run;
  t.diagnostic(`node 3 rejoined by ${transfer}; punches ${summary.punches}; ${load(summary, 25_000)}`);
  assert.equal(transfer, 'IST', 'the restarted node caught up by IST, not a full state transfer');
  await allUp();
  for (let i = 0; i < 3; i++) {
    const text = await metricsOf(i);
    assert.equal(gauge(text, `iclockd_database_node_synced{node="node${i + 1}"}`), 1);
    assert.equal(gauge(text, `iclockd_database_cluster_size{node="node${i + 1}"}`), 3);
  }
  await checkConsistent('database node killed', t);
});

test('two database nodes lost: the last refuses writes (no quorum) and nothing unstored is acknowledged; bootstrapped, the others rejoin by IST', { skip, timeout: 300_000 }, async (t) => {
  const run = fleet('QUORUM', 30_000);
  await sleep(4000);
  await Promise.all([cluster!.kill(1), cluster!.kill(2)]);
  await until('node 1, alone, leaves the primary component', async () => (await cluster!.status(0, 'wsrep_cluster_status')) !== 'Primary', 30_000);
  await until('HAProxy takes every instance out (none is ready)', async () => (await proxy!.upServers()).length === 0, 30_000);
  const during = ledger.count(ledger.acknowledged);
  await sleep(4000); // the terminals keep their punches and retry
  // The documented recovery: make the survivor, the most advanced node, a primary component
  // again; the others then rejoin it.
  await cluster!.sql(0, "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'");
  const transfers = [await cluster!.restart(1), await cluster!.restart(2)];
  const summary = await run;
  t.diagnostic(`nodes 2 and 3 rejoined by ${transfers.join(' and ')}; acknowledged when the quorum went ${during}; punches ${summary.punches}; ${load(summary, 30_000)}`);
  assert.deepEqual(transfers, ['IST', 'IST']);
  await allUp();
  await checkConsistent('quorum lost', t);
});

/** An ATTLOG upload whose body arrives in two halves, with the connection HAProxy holds for it. */
async function halfUpload(body: string): Promise<{ socket: Socket; rest(): Promise<string> }> {
  const socket = connect(proxy!.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let answer = '';
  socket.on('data', (d) => (answer += d.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()).once('error', () => resolve()));
  const bytes = Buffer.from(body);
  socket.write(`POST /iclock/cdata?SN=MIDUP0001&table=ATTLOG&Stamp=9999 HTTP/1.1\r\nHost: iclockd\r\nContent-Type: text/plain\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`);
  socket.write(bytes.subarray(0, bytes.length >> 1));
  return {
    socket,
    async rest() {
      socket.write(bytes.subarray(bytes.length >> 1));
      await Promise.race([closed, sleep(30_000)]);
      socket.destroy();
      return answer;
    },
  };
}

test("kill -9 HAProxy's chosen instance while an upload's body is arriving: the terminal's resend lands once", { skip, timeout: 240_000 }, async (t) => {
  const run = fleet('MIDUP', 20_000);
  await sleep(4000);
  const start = DateTime.utc().minus({ minutes: 30 }).startOf('second');
  const lines = Array.from({ length: BURST_LINES }, (_, n) => {
    const pin = 1000 * BURST_BLOCK + (n % USERS) + 1;
    return `${pin}\t${start.plus({ seconds: n }).toFormat('yyyy-MM-dd HH:mm:ss')}\t0\t1\t0\t0\t0`;
  });
  ledger.note({ sn: 'MIDUP0001', kind: 'made', lines });
  const body = `${lines.join('\n')}\n`;

  const upload = await halfUpload(body);
  const local = upload.socket.localPort!;
  let server: string | null = null;
  await until('HAProxy has chosen an instance for the upload', async () => (server = await proxy!.serverOf(local)) !== null, 10_000);
  const victim = Number(server!.replace('iclockd', '')) - 1;
  await killInstance(victim);
  const answer = await upload.rest();
  t.diagnostic(`upload went to ${server}, killed mid-body; the terminal saw: ${JSON.stringify(answer.split('\r\n')[0] ?? '')}`);
  assert.doesNotMatch(answer, /^HTTP\/1\.1 200/, 'a killed instance cannot have acknowledged the upload');

  // The terminal sends the same batch again, as it does until it is acknowledged.
  await startInstance(victim);
  let last = '';
  await until(
    'the resent batch is acknowledged',
    async () => {
      const r = await fetch(`http://127.0.0.1:${proxy!.port}/iclock/cdata?SN=MIDUP0001&table=ATTLOG&Stamp=9999`, { method: 'POST', body }).catch((err: Error) => err);
      last = r instanceof Error ? r.message : `${r.status} ${await r.text()}`;
      return last.trim() === `200 OK:${BURST_LINES}`;
    },
    60_000,
  ).catch((err: Error) => assert.fail(`${err.message}; the last answer: ${last}`));
  ledger.note({ sn: 'MIDUP0001', kind: 'acknowledged', lines });
  const summary = await run;
  t.diagnostic(`punches ${summary.punches}; ${load(summary, 20_000)}`);
  await allUp();
  await checkConsistent('upload cut mid-body', t);
});

test('one TCP-4370 terminal polled by three instances through three nodes: one reads at a time, each record stored once', { skip, timeout: 240_000 }, async (t) => {
  const zk = new ZkDevice({ serialNumber: 'ZKCLUSTER1', delivery: 'fragments' });
  zk.chunkDelayMs = 20; // a read takes a while: the others try for the lease meanwhile
  const pinOf = (n: number) => String(1000 * ZK_BLOCK + (n % USERS) + 1);
  const first = Date.now() - 3 * 3600_000;
  for (let n = 0; n < 2000; n++) zk.punch({ uid: (n % USERS) + 1, pin: pinOf(n), time: instantToWallTime(new Date(first + n * 5000), 'UTC'), verifyMode: 1, punchState: 0, workCode: 0 });
  const zkPort = await zk.listen();
  try {
    assert.equal((await api('POST', '/pollers', { serial: 'ZKCLUSTER1', host: '127.0.0.1', port: zkPort, interval_seconds: 10 })).status, 201);
    const run = fleet('ZKPOL', 25_000);
    // Punches made on the terminal while the three instances compete for its lease.
    let n = 2000;
    const punching = setInterval(() => {
      zk.punch({ uid: (n % USERS) + 1, pin: pinOf(n), time: instantToWallTime(new Date(Math.floor(Date.now() / 1000) * 1000), 'UTC'), verifyMode: 1, punchState: 0, workCode: 0 });
      n++;
    }, 1100);
    const summary = await run;
    clearInterval(punching);
    const made = zk.records.map((r) => `${r.pin}\t${formatWallTime(r.time)}`);
    await until('every record on the terminal is stored', async () => (await count(dbs[0]!.knex, 'punches', { device_serial: 'ZKCLUSTER1' })) === made.length, 60_000);
    ledger.note({ sn: 'ZKCLUSTER1', kind: 'made', lines: made });
    ledger.note({ sn: 'ZKCLUSTER1', kind: 'acknowledged', lines: made });
    const polls = (await dbs[0]!.knex('sync_log').where({ channel: 'zk4370' }).count({ n: '*' })) as { n: number | string }[];
    t.diagnostic(`records ${made.length}, polls ${polls[0]!.n}, sessions at most at once ${zk.state.mostSessionsAtOnce}, connections ${zk.state.connections}; fleet punches ${summary.punches}; ${load(summary, 25_000)}`);
    assert.equal(zk.state.mostSessionsAtOnce, 1, 'two instances read the terminal at once');
    assert.ok(zk.state.enabled, 'the terminal was left enabled');
    await checkConsistent('TCP-4370 terminal polled by three', t);
    t.diagnostic(`cluster figures: ${JSON.stringify(await clusterFigures())}`);
  } finally {
    await zk.close();
  }
});
