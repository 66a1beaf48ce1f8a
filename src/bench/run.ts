// `npm run bench`: benchmarks on a scratch SQLite database and, with MYSQL_URL, a scratch
// MySQL one; prints a table and writes bench-results.json. Each figure comes with the
// machine's own ceiling measured in the same run, as a ratio.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../app.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { closeDatabase, dropMysqlDatabase, migrateToLatest, openDatabase } from '../store/db.js';
import { type AttendanceBenchResult, benchAttendance } from './attendance.js';

export interface BenchOptions {
  employees: number;
  days: number;
  out: string;
  /** How long to measure each ceiling. */
  ceilingSeconds: number;
  /** Also on MySQL: a server URL (a scratch database is made on it and dropped). */
  mysqlUrl?: string;
}

async function onDatabase(url: string, options: BenchOptions, log: (l: string) => void): Promise<AttendanceBenchResult> {
  const db = await openDatabase(url);
  try {
    await migrateToLatest(db);
    const services = createServices(loadConfig({ DATABASE_URL: url, ICLOCKD_TZ: 'UTC', ICLOCKD_LOG_LEVEL: 'silent' }), db, createLogger('silent'));
    return await benchAttendance(services, { employees: options.employees, days: options.days, from: '2025-01-01', ceilingSeconds: options.ceilingSeconds }, log);
  } finally {
    await closeDatabase(db);
  }
}

export async function runBench(options: BenchOptions, log: (l: string) => void): Promise<Record<string, AttendanceBenchResult>> {
  const results: Record<string, AttendanceBenchResult> = {};
  const dir = mkdtempSync(join(tmpdir(), 'iclockd-bench-'));
  try {
    log('== sqlite');
    results.sqlite = await onDatabase(`sqlite:${join(dir, 'bench.sqlite')}`, options, log);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (options.mysqlUrl) {
    const u = new URL(options.mysqlUrl);
    u.pathname = `/iclockd_bench_${process.pid}`;
    log('== mysql');
    try {
      results.mysql = await onDatabase(u.toString(), options, log);
    } finally {
      await dropMysqlDatabase(u.toString());
    }
  }
  log('');
  log('attendance recompute (a month of check-ins, every employee-day)');
  log('database  employees  employee-days  check-ins  seconds  employee-days/s  ceiling tx/s  ratio');
  for (const [name, r] of Object.entries(results)) {
    log(
      `${name.padEnd(8)}  ${String(r.employees).padStart(9)}  ${String(r.employeeDays).padStart(13)}  ${String(r.checkins).padStart(9)}  ${String(r.seconds).padStart(7)}  ${String(r.employeeDaysPerSecond).padStart(15)}  ${String(r.ceilingTransactionsPerSecond).padStart(12)}  ${String(r.ratio).padStart(5)}`,
    );
  }
  writeFileSync(options.out, `${JSON.stringify({ at: new Date().toISOString(), attendance_recompute: results }, null, 2)}\n`);
  log(`\nwritten to ${options.out}`);
  return results;
}
