// `npm run bench`: the fleet scenarios on a scratch SQLite database and, with MYSQL_URL, a
// scratch MySQL one; each against the machine's own ceiling measured in the same run. Prints a
// table and writes the JSON results (bench/results/latest.json by default).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createServices } from '../app.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { closeDatabase, dropMysqlDatabase, migrateToLatest, openDatabase } from '../store/db.js';
import { benchAttendance } from './attendance.js';
import { type Ceilings, measureWriteFloor } from './ceilings.js';
import { ATTLOG_LINES, FULL, type FleetOptions, type ScenarioRow, measureHttpCeilings, runFleet } from './fleet.js';
import { formatStatementProfile, formatWriteFloor, statementProfile } from './statements.js';

export interface BenchOptions {
  fleet: FleetOptions;
  out: string;
  /** Also on MySQL: a server URL (a scratch database is made on it and dropped). */
  mysqlUrl?: string;
  /** Also the attendance recompute (employees × days of check-ins). */
  attendance?: { employees: number; days: number };
}

type Db = 'sqlite' | 'mysql';

/** The databases a run covers: SQLite, then MySQL when there is a server. */
const databasesOf = (mysqlUrl: string | undefined): Db[] => (mysqlUrl ? ['sqlite', 'mysql'] : ['sqlite']);

/** Runs `run` on a scratch database of this kind, made for one part of this run, and removes it after. */
async function onScratchDatabase(db: Db, mysqlUrl: string | undefined, part: string, run: (url: string) => Promise<void>): Promise<void> {
  if (db === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'iclockd-bench-'));
    try {
      await run(`sqlite:${join(dir, `${part}.sqlite`)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  const u = new URL(mysqlUrl!);
  u.pathname = `/iclockd_bench_${part}_${process.pid}`;
  const url = u.toString();
  try {
    await run(url);
  } finally {
    await dropMysqlDatabase(url);
  }
}

/** `bench --statements`: the statement profile on a scratch SQLite database and, with `mysqlUrl`, a scratch MySQL one. */
export async function runStatementProfiles(mysqlUrl: string | undefined, batches: number, log: (l: string) => void): Promise<void> {
  for (const db of databasesOf(mysqlUrl)) {
    await onScratchDatabase(db, mysqlUrl, 'statements', async (url) => {
      for (const l of formatStatementProfile(db, await statementProfile(url, batches))) log(l);
      // Seconds per table: one for a quick run (3 batches), three otherwise; the ceiling's statement size and connections.
      log(formatWriteFloor(await measureWriteFloor(url, batches < 10 ? 1 : 3, ATTLOG_LINES, db === 'mysql' ? FULL.mysqlPool : 1)));
    });
  }
}

type Row = ScenarioRow | AttendanceRow;
interface AttendanceRow extends Omit<ScenarioRow, 'name'> {
  name: 'attendance_recompute';
}

export interface BenchResults {
  machine: Record<string, unknown>;
  /** False in a run with --no-auto-attendance: a bound, not a result. */
  auto_attendance: boolean;
  ceilings: { http_ceiling: number; http_post_ceiling: number; db_bulk_ceiling: number; db_single_ceiling: number; db: Db };
  ceilings_by_db: Partial<Record<Db, { db_bulk_ceiling: number; db_single_ceiling: number }>>;
  scenarios: Row[];
}

async function attendanceRow(db: Db, url: string, a: { employees: number; days: number }, quick: boolean, log: (l: string) => void): Promise<AttendanceRow> {
  const database = await openDatabase(url);
  try {
    await migrateToLatest(database);
    const services = createServices(loadConfig({ DATABASE_URL: url, ICLOCKD_TZ: 'UTC', ICLOCKD_LOG_LEVEL: 'silent' }), database, createLogger('silent'));
    const r = await benchAttendance(services, { ...a, from: '2025-01-01', ceilingSeconds: quick ? 1 : 5 }, () => undefined);
    log(`  attendance_recompute: ${r.employeeDaysPerSecond} employee-days/s · ratio ${r.ratio} of ${r.ceilingTransactionsPerSecond} minimal tx/s`);
    return {
      name: 'attendance_recompute',
      db,
      throughput: r.employeeDaysPerSecond,
      unit: 'employee-days/s',
      ceiling: r.ceilingTransactionsPerSecond,
      ceiling_name: 'db_min_tx',
      ratio: r.ratio,
      target: 'none (reported)',
      p50_ms: 0,
      p99_ms: 0,
      peak_rss_mb: 0,
      db_queries_per_request: 0,
      requests: r.employeeDays,
      failed_requests: 0,
      pass: true,
    };
  } finally {
    await closeDatabase(database);
  }
}

function machine(): Record<string, unknown> {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    free_memory_gb: Math.round(freemem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    at: new Date().toISOString(),
  };
}

function table(rows: Row[]): string[] {
  const head = ['scenario', 'db', 'throughput', 'unit', 'ceiling', 'ratio', 'target', 'p50 ms', 'p99 ms', 'RSS MB', 'q/req', 'CPU µs', 'pass', 'floor ratio'];
  // The ingest floor's own ratio to the database ceiling of its kind (it is the ingest rows' ceiling).
  const floorOf = (r: Row) => (r.floor ? `${r.floor.ratio} of ${r.floor.ceiling_name}` : '');
  const body = rows.map((r) => [r.name, r.db, String(r.throughput), r.unit, `${r.ceiling} (${r.ceiling_name})`, String(r.ratio), r.target, String(r.p50_ms), String(r.p99_ms), String(r.peak_rss_mb), String(r.db_queries_per_request), r.server_cpu_us_per_unit === undefined ? '' : String(r.server_cpu_us_per_unit), r.pass ? 'yes' : 'NO', floorOf(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...body.map(line)];
}

export async function runBench(options: BenchOptions, log: (l: string) => void): Promise<BenchResults> {
  const rows: Row[] = [];
  const ceilingsByDb: BenchResults['ceilings_by_db'] = {};
  log(`== http ceiling`);
  const http = await measureHttpCeilings(options.fleet, log);

  const onDb = async (db: Db, url: string, withSoak: boolean) => {
    log(`== ${db}`);
    const r: { ceilings: Ceilings; rows: ScenarioRow[] } = await runFleet(db, url, http, options.fleet, withSoak, log);
    ceilingsByDb[db] = { db_bulk_ceiling: Math.round(r.ceilings.dbBulk), db_single_ceiling: Math.round(r.ceilings.dbSingle) };
    rows.push(...r.rows);
  };
  const onAttendance = async (db: Db, url: string) => {
    if (options.attendance) rows.push(await attendanceRow(db, url, options.attendance, options.fleet.quick, log));
  };

  // The memory soak runs once, on the last database (MySQL when there is one): heartbeats do not touch the database.
  const dbs = databasesOf(options.mysqlUrl);
  for (const db of dbs) {
    await onScratchDatabase(db, options.mysqlUrl, 'fleet', (url) => onDb(db, url, db === dbs.at(-1)));
    await onScratchDatabase(db, options.mysqlUrl, 'attendance', (url) => onAttendance(db, url));
  }

  const primary: Db = ceilingsByDb.mysql ? 'mysql' : 'sqlite';
  const results: BenchResults = {
    machine: machine(),
    auto_attendance: options.fleet.autoAttendance,
    ceilings: { http_ceiling: Math.round(http.get), http_post_ceiling: Math.round(http.post), ...ceilingsByDb[primary]!, db: primary },
    ceilings_by_db: ceilingsByDb,
    scenarios: rows,
  };
  log('');
  for (const l of table(rows)) log(l);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  const missed = rows.filter((r) => !r.pass).map((r) => `${r.name}/${r.db}`);
  log(`\n${missed.length ? `targets missed: ${missed.join(', ')}` : 'every target met'} · written to ${options.out}`);
  if (!options.fleet.autoAttendance) log('auto attendance was off (--no-auto-attendance): a bound on what the recompute costs, not a result against the targets');
  return results;
}
