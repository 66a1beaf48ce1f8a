// `iclockd bench --statements`: where an ATTLOG burst's database time goes, statement by
// statement. Ingests batches of 2,000 new punches (the size concurrent uploads merge into)
// one after another, in process, without HTTP, and sums the time between each statement's
// start and its response by statement shape. Diagnostic: no ratio, no target.
import type { Knex } from 'knex';
import { createServices } from '../app.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { type Punch, punchAt } from '../pipeline/punch.js';
import { closeDatabase, migrateToLatest, openDatabase } from '../store/db.js';
import { scheduledPunch } from './schedule.js';
import { seedStaff } from './seed.js';
import type { WriteFloor } from './ceilings.js';

export interface StatementShare {
  /** The statement's first 60 characters, whitespace folded. */
  statement: string;
  calls: number;
  ms: number;
}

export interface StatementProfile {
  punches: number;
  /** Wall time of the measured batches, and the part of it spent waiting for statements. */
  totalMs: number;
  sqlMs: number;
  statements: StatementShare[];
}

const BATCH = 2000;
const EMPLOYEES = 1000;
const FIRST_DAY = '2025-06-02';

/** Punch n of the run, on the fleet's schedule (check-ins and check-outs of a day shift). */
function punchOf(n: number): Punch {
  const p = scheduledPunch(n, EMPLOYEES, FIRST_DAY);
  return punchAt(p.pin, p.time, { deviceSerial: `BENCH-${n % 16}`, source: 'adms', logType: p.state === 0 ? 'IN' : 'OUT', punchState: p.state });
}

function timeStatements(knex: Knex): Map<string, StatementShare> {
  const shares = new Map<string, StatementShare>();
  const started = new Map<string, number>();
  knex.on('query', (q: { __knexQueryUid: string }) => started.set(q.__knexQueryUid, performance.now()));
  knex.on('query-response', (_rows: unknown, q: { __knexQueryUid: string; sql: string }) => {
    const ms = performance.now() - (started.get(q.__knexQueryUid) ?? performance.now());
    started.delete(q.__knexQueryUid);
    const statement = q.sql.replace(/\s+/g, ' ').slice(0, 60);
    const share = shares.get(statement) ?? { statement, calls: 0, ms: 0 };
    share.calls++;
    share.ms += ms;
    shares.set(statement, share);
  });
  return shares;
}

/** On the (scratch, empty) database the URL names: two warm-up batches, then `batches` measured. */
export async function statementProfile(url: string, batches: number): Promise<StatementProfile> {
  const db = await openDatabase(url);
  try {
    await migrateToLatest(db);
    const s = createServices(loadConfig({ DATABASE_URL: url, ICLOCKD_TZ: 'UTC', ICLOCKD_LOG_LEVEL: 'silent' }), db, createLogger('silent'));
    await seedStaff(s, EMPLOYEES, '2024-01-01');
    let n = 0;
    const batch = () => Array.from({ length: BATCH }, () => punchOf(n++));
    for (let i = 0; i < 2; i++) await s.ingest.ingest(batch());
    const shares = timeStatements(db.knex);
    const started = performance.now();
    for (let i = 0; i < batches; i++) await s.ingest.ingest(batch());
    const totalMs = performance.now() - started;
    const statements = [...shares.values()].sort((a, b) => b.ms - a.ms);
    return { punches: batches * BATCH, totalMs, sqlMs: statements.reduce((sum, x) => sum + x.ms, 0), statements };
  } finally {
    await closeDatabase(db);
  }
}

export function formatStatementProfile(db: string, p: StatementProfile): string[] {
  const pct = (ms: number) => `${((100 * ms) / p.totalMs).toFixed(1)} %`;
  return [
    `${db}: ${p.punches} punches in batches of ${BATCH}, one after another: ${Math.round((p.punches * 1000) / p.totalMs)} punches/s; statements ${Math.round(p.sqlMs)} ms of ${Math.round(p.totalMs)} ms (${pct(p.sqlMs)}), the rest in iclockd`,
    ...p.statements.map((x) => `  ${String(Math.round(x.ms)).padStart(6)} ms ${pct(x.ms).padStart(7)} ${String(x.calls).padStart(5)} × ${x.statement}`),
  ];
}

export function formatWriteFloor(f: WriteFloor): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return `  write floor (multi-row inserts straight through the driver, as db_bulk_ceiling): punches ${n(f.punches)}, checkins ${n(f.checkins)}, attendance ${n(f.attendance)} rows/s; a punch, its check-in and half a record: ${n(f.punchesPerSecond)} punches/s, ${(f.punchesPerSecond / f.punches).toFixed(2)} of the punches rate`;
}
