// The fleet benchmark: iclockd in its own process on a scratch database, load from another
// process over loopback (src/bench/load.ts), and the machine's ceilings measured in the same
// run (bare Koa for HTTP, the driver alone for the database), each scenario as a ratio.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createServices } from '../app.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { closeDatabase, migrateToLatest, openDatabase } from '../store/db.js';
import { INGEST_TRANSACTIONS } from '../pipeline/ingest.js';
import { type Ceilings, measureDbCeilings } from './ceilings.js';
import type { LoadKind, LoadResult, LoadSpec } from './load.js';
import { punchesPerDay } from './schedule.js';
import { seedStaff } from './seed.js';

/** The memory soak's bound on the server's peak RSS (issue 23). */
const RSS_LIMIT_MB = 250;

export const SCENARIOS = ['heartbeats', 'attlog_burst', 'single_punch_adms', 'single_punch_json', 'json_bulk', 'resend_storm', 'memory_10k_devices'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioRow {
  name: ScenarioName;
  db: 'sqlite' | 'mysql';
  throughput: number;
  unit: string;
  ceiling: number;
  /** Which ceiling `ceiling` is. */
  ceiling_name: string;
  ratio: number;
  target: string;
  p50_ms: number;
  p99_ms: number;
  peak_rss_mb: number;
  /** The server's CPU time (user + system) per unit of throughput (punch, request), in microseconds: steadier than throughput on a shared machine. */
  server_cpu_us_per_unit?: number;
  db_queries_per_request: number;
  requests: number;
  /** Non-2xx answers and socket errors: any is a failure. */
  failed_requests: number;
  pass: boolean;
  /** memory_10k_devices: RSS peak of the last third of the soak minus that of the first third. */
  rss_growth_mb?: number;
  /** Single punches: throughput over http_post_ceiling, what bare HTTP alone does with the same posts. */
  http_post_ratio?: number;
  /** Ingest scenarios: the ingest floor (./floorServer.ts) under the same load: the ceiling `ratio` is taken to. */
  floor?: FloorResult;
}

/** The ingest floor under one scenario's load; `ratio` is to the database ceiling of its kind (db_bulk_ceiling, db_single_ceiling), for reading only. */
export interface FloorResult {
  throughput: number;
  ratio: number;
  ceiling_name: string;
  p50_ms: number;
  p99_ms: number;
}

export interface FleetOptions {
  quick: boolean;
  /** Devices polling in the heartbeat scenario. */
  heartbeatDevices: number;
  /** Devices in the memory soak. */
  soakDevices: number;
  /** Seconds of the memory soak. */
  soakSeconds: number;
  /** Seconds per time-bounded scenario. */
  seconds: number;
  /** Pool size iclockd uses on MySQL (db_single_ceiling uses as many connections). */
  mysqlPool: number;
  employees: number;
  /** Only these scenarios (resend_storm needs attlog_burst). */
  only?: ScenarioName[];
  /** Write a V8 CPU profile of the server process here (node --cpu-prof). */
  profileDir?: string;
  /** False: the bench's shift makes no attendance, so nothing is recomputed (a bound on what the recompute costs). */
  autoAttendance: boolean;
}

export const FULL: FleetOptions = { quick: false, heartbeatDevices: 2000, soakDevices: 10_000, soakSeconds: 180, seconds: 12, mysqlPool: 10, employees: 1000, autoAttendance: true };
export const QUICK: FleetOptions = { quick: true, heartbeatDevices: 500, soakDevices: 2000, soakSeconds: 3, seconds: 2, mysqlPool: 10, employees: 200, autoAttendance: true };

const HEARTBEAT_CONNECTIONS = 100;
export const ATTLOG_LINES = 200;
const ATTLOG_CONNECTIONS = 16;
const SINGLE_CONNECTIONS = 100;
const BULK_LOGS = 1000;
const BULK_CONNECTIONS = 8;
/** Scenario n's punches start n × this many days after FIRST_DAY: no two scenarios share a punch. */
const SCENARIO_DAYS = 400;
/** The seeded shift assignments start on it; the last scenario ends well before today. */
const FIRST_DAY = '2020-01-01';

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const script = (path: string) => fileURLToPath(new URL(`${path}${ext}`, import.meta.url));

/** Node with the same loader flags as this process (tsx when running from sources). */
function node(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, nodeFlags: string[] = []): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, ...nodeFlags, file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A server process once `ready` says so, and the tail of its stderr (for errors). Its stdout
 * (iclockd's request log) is read and dropped, as a log shipper would; a process that exits or
 * never gets ready is stopped and fails the run with what it said.
 */
async function whenReady(what: string, child: ChildProcess, base: string, ready: (base: string) => Promise<boolean>): Promise<{ base: string; errors: () => string }> {
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  child.stdout!.resume();
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`${what} exited: ${err}`);
      return ready(base);
    }, `${what} to be ready`);
  } catch (e) {
    await stopChild(child);
    throw e;
  }
  return { base, errors: () => err };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  });
}

/** Resident memory of a process, sampled every 100 ms (Linux /proc). */
/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const CLOCK_TICKS_PER_SECOND = 100;

class RssSampler {
  private peak = 0;
  private cpuAtWindow: number;
  private readonly samples: { at: number; mb: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.cpuAtWindow = this.cpuSeconds();
    this.timer = setInterval(() => this.sample(), 100);
  }

  private sample(): void {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1] ?? 0);
      const mb = kb / 1024;
      this.samples.push({ at: Date.now(), mb });
      this.peak = Math.max(this.peak, mb);
    } catch {
      // the process is gone: nothing to sample
    }
  }

  /** The process's CPU time so far (user + system), in seconds, from /proc; 0 once it is gone. */
  cpuSeconds(): number {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    } catch {
      return 0;
    }
  }

  /** Starts a new window; returns the peak of the one that ended and the CPU time the process used in it. */
  window(): { peakMb: number; samples: { at: number; mb: number }[]; cpuSeconds: number } {
    this.sample();
    const cpu = this.cpuSeconds();
    const result = { peakMb: this.peak, samples: this.samples.splice(0), cpuSeconds: cpu - this.cpuAtWindow };
    this.cpuAtWindow = cpu;
    this.peak = 0;
    return result;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

async function runLoadProcess(spec: LoadSpec): Promise<LoadResult> {
  const child = node(script('./loadProcess'), [JSON.stringify(spec)]);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`load generator failed (${code}): ${err.trim()}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult;
}

function loadSpec(baseUrl: string, kind: LoadKind, o: Partial<LoadSpec>): LoadSpec {
  return { baseUrl, kind, connections: 10, devices: 1, employees: 1000, perRequest: 1, firstRequest: 0, firstDay: FIRST_DAY, ...o };
}

/** Past its days, a scenario's punches would be the next one's (or in the future): duplicates, not new punches. */
function assertWithinDays(name: ScenarioName, spec: LoadSpec, load: LoadResult): void {
  if (spec.kind !== 'heartbeat' && load.generated * spec.perRequest > SCENARIO_DAYS * punchesPerDay(spec.employees)) {
    throw new Error(`${name} sent more punches than its ${SCENARIO_DAYS} days hold: raise SCENARIO_DAYS`);
  }
}

/** A ceiling's or floor's warm-up before it is measured; a smoke run has none (it only shows they work). */
const warmupSeconds = (o: FleetOptions) => (o.quick ? 0 : 1);

/** What HTTP alone can do on this machine, from the same load generator. */
export interface HttpCeilings {
  /** Requests/s of a bare Koa app answering the same heartbeats. */
  get: number;
  /** Requests/s of a bare Koa app reading, parsing and answering the same single-punch JSON posts (informative). */
  post: number;
}

export async function measureHttpCeilings(o: FleetOptions, log: (l: string) => void): Promise<HttpCeilings> {
  const port = await freePort();
  const child = node(script('./bareServer'), [String(port)]);
  const { base } = await whenReady('the bare server', child, `http://127.0.0.1:${port}`, async (b) => (await fetch(`${b}/iclock/getrequest?SN=X`)).ok);
  try {
    const rateOf = async (spec: LoadSpec) => {
      if (warmupSeconds(o) > 0) await runLoadProcess({ ...spec, seconds: warmupSeconds(o) });
      const r = await runLoadProcess(spec);
      return r.ok / r.seconds;
    };
    const get = await rateOf(loadSpec(base, 'heartbeat', { connections: HEARTBEAT_CONNECTIONS, devices: o.heartbeatDevices, seconds: o.seconds }));
    const post = await rateOf(loadSpec(base, 'json_single', { connections: SINGLE_CONNECTIONS, devices: o.heartbeatDevices, employees: o.employees, seconds: o.seconds }));
    log(`  http_ceiling: ${Math.round(get)} requests/s (bare Koa) · http_post_ceiling: ${Math.round(post)} JSON posts/s (bare Koa, informative)`);
    return { get, post };
  } finally {
    await stopChild(child);
  }
}

/** A target: a ratio to a ceiling, at most a p99 latency, at most so many queries per request. */
interface Target {
  text: string;
  ratio: number;
  p99?: number;
  maxQueries?: number;
}

const meets = (target: Target, ratio: number, p99: number, queriesPerRequest = 0) =>
  ratio >= target.ratio && (target.p99 === undefined || p99 < target.p99) && (target.maxQueries === undefined || queriesPerRequest <= target.maxQueries);

/** The loads the ingest floor bounds, each from a server's base URL. */
type IngestScenario = 'attlog_burst' | 'single_punch_adms' | 'single_punch_json' | 'json_bulk';
type IngestLoads = Record<IngestScenario, (base: string) => LoadSpec>;

/**
 * The ingest floor server (./floorServer.ts) on copies of the tables of the database the URL
 * names, writing in statements as large as db_bulk_ceiling's; the copies are dropped when it stops.
 */
export async function startFloorServer(url: string, connections: number, transactions: number): Promise<{ base: string; stop: () => Promise<void>; errors: () => string }> {
  const port = await freePort();
  const child = node(script('./floorServer'), [String(port), url, String(connections), String(transactions), String(ATTLOG_LINES)]);
  const server = await whenReady('the floor server', child, `http://127.0.0.1:${port}`, async (base) => (await fetch(`${base}/`)).status === 404);
  return { base: server.base, stop: () => stopChild(child), errors: server.errors };
}

/** The ingest floor under each wanted one of `loads` for `run.seconds`, after a warm-up on punches no scenario sends. */
async function measureIngestFloor(
  url: string,
  connections: number,
  transactions: number,
  loads: IngestLoads,
  wants: (name: IngestScenario) => boolean,
  run: { seconds: number; warmupSeconds: number; warmupFirstRequest: (perRequest: number) => number },
): Promise<Map<IngestScenario, { spec: LoadSpec; load: LoadResult }>> {
  const floor = await startFloorServer(url, connections, transactions);
  const results = new Map<IngestScenario, { spec: LoadSpec; load: LoadResult }>();
  try {
    for (const name of Object.keys(loads) as IngestScenario[]) {
      if (!wants(name)) continue;
      const spec = { ...loads[name](floor.base), seconds: run.seconds };
      if (run.warmupSeconds > 0) await runLoadProcess({ ...spec, seconds: run.warmupSeconds, firstRequest: run.warmupFirstRequest(spec.perRequest) });
      const load = await runLoadProcess(spec);
      if (load.non2xx + load.errors + load.timeouts > 0) throw new Error(`the floor server failed ${name}'s requests: ${floor.errors()}`);
      assertWithinDays(name, spec, load);
      results.set(name, { spec, load });
    }
  } finally {
    await floor.stop();
  }
  return results;
}

/** The bench workforce (PINs 1…n, a day shift) and an ingest key for the JSON scenarios. */
async function seed(url: string, employees: number, autoAttendance: boolean): Promise<string> {
  const db = await openDatabase(url);
  try {
    await migrateToLatest(db);
    const services = createServices(loadConfig({ DATABASE_URL: url, ICLOCKD_TZ: 'UTC', ICLOCKD_LOG_LEVEL: 'silent' }), db, createLogger('silent'));
    await seedStaff(services, employees, FIRST_DAY, autoAttendance);
    const key = await services.apiKeys.create('bench', 'ingest');
    return `token ${key.apiKey}:${key.secret}`;
  } finally {
    await closeDatabase(db);
  }
}

/** iclockd serve, as an operator would run it, on its own port. */
async function startIclockd(url: string, profileDir?: string): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: url,
    ICLOCKD_PORT: String(port),
    ICLOCKD_HOST: '127.0.0.1',
    ICLOCKD_TZ: 'UTC',
    ICLOCKD_DEVICE_POLICY: 'approve',
    ICLOCKD_LOG_LEVEL: 'info',
    ICLOCKD_CONFIG: '',
    // The load generator plays a few simulated terminals far faster than a real one polls.
    ICLOCKD_DEVICE_RATE: '0',
    // All of the fleet's terminals come from this one address.
    ICLOCKD_NEW_DEVICES_PER_HOUR: '0',
    // Heartbeats are measured with nothing queued. Left on, a server started after 03:00 queues
    // the nightly check for every terminal a minute in, and the load generator never answers
    // it: the soak's figures then depended on the time of day the bench ran.
    ICLOCKD_RECONCILE_AT: 'off',
  };
  const child = node(script('../cli/main'), ['serve'], env, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
  const { base } = await whenReady('iclockd', child, `http://127.0.0.1:${port}`, async (b) => (await fetch(`${b}/readyz`)).ok);
  return { child, base };
}

async function queriesSoFar(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^iclockd_db_queries_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
/** A ratio to a ceiling; 0 when the ceiling is 0 (a smoke run on a busy machine may finish no request in its window). */
const ratioOf = (value: number, ceiling: number) => (ceiling > 0 ? value / ceiling : 0);

/** Every scenario on one database (its ceilings measured first), rows in the order. */
export async function runFleet(
  db: 'sqlite' | 'mysql',
  url: string,
  http: HttpCeilings,
  o: FleetOptions,
  withSoak: boolean,
  log: (l: string) => void,
): Promise<{ ceilings: Ceilings; rows: ScenarioRow[] }> {
  const auth = await seed(url, o.employees, o.autoAttendance);
  const ceilings = await measureDbCeilings(url, o.quick ? 2 : 6, ATTLOG_LINES, db === 'mysql' ? o.mysqlPool : 1);
  log(`  db_bulk_ceiling: ${Math.round(ceilings.dbBulk)} rows/s · db_single_ceiling: ${Math.round(ceilings.dbSingle)} rows/s`);

  const wants = (name: ScenarioName) => !o.only || o.only.includes(name) || (name === 'attlog_burst' && o.only.includes('resend_storm'));
  const firstRequestOf = (perRequest: number, slot: number) => Math.floor((slot * SCENARIO_DAYS * punchesPerDay(o.employees)) / perRequest);
  const single = { connections: SINGLE_CONNECTIONS, devices: o.heartbeatDevices, employees: o.employees, perRequest: 1, seconds: o.seconds };
  /** The ingest scenarios' loads (2.–4.) on a server's base URL, each on its own days. */
  const ingestLoads: IngestLoads = {
    attlog_burst: (base) =>
      loadSpec(base, 'attlog', { connections: ATTLOG_CONNECTIONS, devices: o.heartbeatDevices, employees: o.employees, perRequest: ATTLOG_LINES, firstRequest: firstRequestOf(ATTLOG_LINES, 0), seconds: o.seconds }),
    single_punch_adms: (base) => loadSpec(base, 'adms_single', { ...single, firstRequest: firstRequestOf(1, 1) }),
    single_punch_json: (base) => loadSpec(base, 'json_single', { ...single, firstRequest: firstRequestOf(1, 2), authorization: auth }),
    json_bulk: (base) =>
      loadSpec(base, 'json_bulk', { connections: BULK_CONNECTIONS, devices: 50, employees: o.employees, perRequest: BULK_LOGS, firstRequest: firstRequestOf(BULK_LOGS, 3), seconds: o.seconds, authorization: auth }),
  };
  // Issue 23's targets: a share of the ingest floor under the same load, measured in this run.
  const bulkTarget = { dbCeiling: { name: 'db_bulk_ceiling', value: ceilings.dbBulk }, target: { text: '>= 0.6 x ingest floor', ratio: 0.6 } };
  const singleTarget = { dbCeiling: { name: 'db_single_ceiling', value: ceilings.dbSingle }, target: { text: '>= 0.7 x ingest floor, p99 < 50 ms', ratio: 0.7, p99: 50 } };
  const ingestTargets: Record<IngestScenario, { dbCeiling: { name: string; value: number }; target: Target }> = {
    attlog_burst: bulkTarget,
    single_punch_adms: singleTarget,
    single_punch_json: singleTarget,
    json_bulk: bulkTarget,
  };

  // The floor first, on copies of the tables, before iclockd starts: what any server could do with these loads here.
  const floorLoads = await measureIngestFloor(url, db === 'mysql' ? o.mysqlPool : 1, INGEST_TRANSACTIONS[db], ingestLoads, wants, {
    // A smoke run only shows the floor works: a quarter of its scenarios' time.
    seconds: o.quick ? o.seconds / 4 : o.seconds,
    warmupSeconds: warmupSeconds(o),
    warmupFirstRequest: (perRequest) => firstRequestOf(perRequest, 5),
  });
  const floors = new Map<IngestScenario, FloorResult>();
  for (const [name, { spec, load }] of floorLoads) {
    const { dbCeiling } = ingestTargets[name];
    const throughput = (load.ok * spec.perRequest) / load.seconds;
    const floor: FloorResult = { throughput: round(throughput, 1), ratio: round(ratioOf(throughput, dbCeiling.value), 3), ceiling_name: dbCeiling.name, p50_ms: load.p50_ms, p99_ms: load.p99_ms };
    floors.set(name, floor);
    log(`  ingest floor, ${name}: ${floor.throughput} punches/s (${floor.ratio} of ${dbCeiling.name}) · p50 ${floor.p50_ms} ms · p99 ${floor.p99_ms} ms`);
  }

  let { child, base } = await startIclockd(url, o.profileDir);
  let rss = new RssSampler(child.pid!);
  const rows: ScenarioRow[] = [];
  try {
    /** One load against the server: its answers, SQL statements per request, and the server's memory meanwhile. */
    const observe = async (spec: LoadSpec) => {
      rss.window();
      const before = await queriesSoFar(base);
      const load = await runLoadProcess(spec);
      const queries = (await queriesSoFar(base)) - before - 1; // minus the command-queue gauge's query of the first /metrics read
      const memory = rss.window();
      const failed = load.non2xx + load.errors + load.timeouts;
      const queriesPerRequest = Math.max(0, queries) / Math.max(1, load.requests);
      const measured = {
        db,
        p50_ms: load.p50_ms,
        p99_ms: load.p99_ms,
        peak_rss_mb: round(memory.peakMb, 1),
        db_queries_per_request: round(queriesPerRequest, 3),
        requests: load.requests,
        failed_requests: failed,
      };
      return { load, memory, failed, queriesPerRequest, measured };
    };
    const measure = async (name: ScenarioName, spec: LoadSpec, unit: string, ceiling: { name: string; value: number }, target: Target): Promise<{ row: ScenarioRow; load: LoadResult }> => {
      const { load, memory, failed, queriesPerRequest, measured } = await observe(spec);
      assertWithinDays(name, spec, load);
      const throughput = (load.ok * spec.perRequest) / load.seconds;
      const units = load.ok * spec.perRequest;
      const ratio = ratioOf(throughput, ceiling.value);
      const row: ScenarioRow = {
        name,
        ...measured,
        throughput: round(throughput, 1),
        unit,
        ceiling: round(ceiling.value, 1),
        ceiling_name: ceiling.name,
        ratio: round(ratio, 3),
        target: target.text,
        pass: failed === 0 && meets(target, ratio, load.p99_ms, queriesPerRequest),
        server_cpu_us_per_unit: units > 0 ? round((memory.cpuSeconds * 1e6) / units, 1) : 0,
      };
      log(`  ${name}: ${row.throughput} ${unit} · ratio ${row.ratio} (target ${target.text}) · p50 ${row.p50_ms} ms · p99 ${row.p99_ms} ms · ${row.db_queries_per_request} queries/request · server CPU ${row.server_cpu_us_per_unit} µs/${unit === 'punches/s' ? 'punch' : 'request'} · ${failed} failed${row.pass ? '' : ' · MISSED'}`);
      rows.push(row);
      return { row, load };
    };
    /** 2.–4.: an ingest scenario, with its floor. */
    const measureIngest = async (name: IngestScenario) => {
      const floor = floors.get(name)!;
      const measured = await measure(name, ingestLoads[name](base), 'punches/s', { name: 'ingest_floor', value: floor.throughput }, ingestTargets[name].target);
      measured.row.floor = floor;
      return measured;
    };

    // 1. Heartbeats: every device once first (registration, caches), then the measured run.
    const heartbeat = { connections: HEARTBEAT_CONNECTIONS, devices: o.heartbeatDevices };
    // Every device has registered before any scenario (uploads come from known devices).
    await runLoadProcess(loadSpec(base, 'heartbeat', { ...heartbeat, amount: o.heartbeatDevices }));
    if (wants('heartbeats')) await measure('heartbeats', loadSpec(base, 'heartbeat', { ...heartbeat, seconds: o.seconds }), 'requests/s', { name: 'http_ceiling', value: http.get }, {
      text: '>= 0.85 of http_ceiling, no query per heartbeat',
      ratio: 0.85,
      maxQueries: 0.01,
    });

    // 2. ATTLOG bursts, 200 lines per upload (5. sends the same uploads again).
    const burst = wants('attlog_burst') ? await measureIngest('attlog_burst') : null;

    // 3. One punch per request, 100 clients, over ADMS and over JSON.
    for (const name of ['single_punch_adms', 'single_punch_json'] as const) {
      if (!wants(name)) continue;
      const { row } = await measureIngest(name);
      row.http_post_ratio = round(ratioOf(row.throughput, http.post), 3);
      log(`  ${name}: ${row.http_post_ratio} of http_post_ceiling (${Math.round(http.post)} bare JSON posts/s)`);
    }

    // 4. JSON bulk, 1000 logs per request.
    if (wants('json_bulk')) await measureIngest('json_bulk');

    // 5. Resend storm: exactly the requests of scenario 2 again, all duplicates.
    if (burst && wants('resend_storm')) await measure(
      'resend_storm',
      { ...ingestLoads.attlog_burst(base), seconds: undefined, amount: Math.max(1, burst.load.generated) },
      'punches/s',
      { name: 'attlog_burst', value: burst.row.throughput },
      { text: '>= 2 x attlog_burst (half its time)', ratio: 2 },
    );

    // 6. Memory: 10,000 devices polling through a soak; RSS under 250 MB and not growing.
    // On a fresh server: what heartbeats alone cost, not what the bursts before left behind.
    if (withSoak && wants('memory_10k_devices')) {
      rss.stop();
      await stopChild(child);
      ({ child, base } = await startIclockd(url, o.profileDir));
      rss = new RssSampler(child.pid!);
      const soak = { connections: HEARTBEAT_CONNECTIONS, devices: o.soakDevices };
      await runLoadProcess(loadSpec(base, 'heartbeat', { ...soak, amount: o.soakDevices }));
      const { load, memory, failed, measured } = await observe(loadSpec(base, 'heartbeat', { ...soak, seconds: o.soakSeconds }));
      const { peakMb, samples } = memory;
      const third = (samples.at(-1)!.at - samples[0]!.at) / 3;
      const peakOf = (from: number, to: number) => Math.max(...samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.mb));
      const growth = peakOf(samples.at(-1)!.at - third, Infinity) - peakOf(0, samples[0]!.at + third);
      const row: ScenarioRow = {
        name: 'memory_10k_devices',
        ...measured,
        throughput: round(load.ok / load.seconds, 1),
        unit: 'requests/s',
        ceiling: RSS_LIMIT_MB,
        ceiling_name: 'rss_limit_mb',
        ratio: round(peakMb / RSS_LIMIT_MB, 3),
        target: `peak RSS < ${RSS_LIMIT_MB} MB, no growth first→last third of ${o.soakSeconds} s`,
        // Growth within a few MB is the garbage collector's rhythm, not a leak.
        pass: failed === 0 && peakMb < RSS_LIMIT_MB && growth <= Math.max(5, peakMb * 0.05),
        rss_growth_mb: round(growth, 1),
      };
      log(`  memory_10k_devices: peak ${row.peak_rss_mb} MB, growth ${row.rss_growth_mb} MB over ${o.soakSeconds} s, ${row.throughput} requests/s${row.pass ? '' : ' · MISSED'}`);
      rows.push(row);
    }
  } finally {
    rss.stop();
    await stopChild(child);
  }
  return { ceilings, rows };
}
