// The database ceilings of `npm run bench`, measured straight through the driver (mysql2 or
// better-sqlite3, no knex, no iclockd) on a copy of the real `punches` table with the same
// columns, unique key and indexes: what the database itself can take on this machine. The same
// method on copies of `checkins` and `attendance` gives the write floor of `bench --statements`.
import Sqlite from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { chunks } from '../store/chunks.js';
import { parseMysqlUrl, sqlitePath } from '../store/db.js';

/** What a row of the copies is made from: a punch as a terminal or integrator sends it. */
export interface Punchlike {
  serial: string;
  /** The employee's PIN; the bench seeds employees 1…E with ids and PINs alike. */
  pin: number;
  /** Local wall time, 'YYYY-MM-DD HH:MM:SS' (the bench's zone is UTC). */
  time: string;
  logType: 'IN' | 'OUT';
}

type Value = string | number;

/** A real table to copy, the columns to fill, and a row for them from a punch (n makes it unique). */
export interface RowShape {
  table: string;
  columns: string[];
  of: (p: Punchlike, n: number) => Value[];
  /** The punch of the ceilings' n-th row: every row new, none ignored by the unique key. */
  sample: (n: number) => Punchlike;
}

const instantOf = (n: number) => new Date(Date.UTC(2020, 0, 1) + n * 1000).toISOString().slice(0, 19).replace('T', ' ');
const sampleAt = (n: number, seconds: number): Punchlike => ({ serial: `CEIL${n % 50}`, pin: (n % 1000) + 1, time: instantOf(seconds), logType: 'IN' });

export const PUNCH: RowShape = {
  table: 'punches',
  columns: ['device_serial', 'site', 'device_user_id', 'local_time', 'punched_at', 'time_zone', 'log_type', 'punch_state', 'verify_mode', 'source', 'status', 'received_at'],
  of: (p) => [p.serial, 'main', String(p.pin), p.time, p.time, 'UTC', p.logType, p.logType === 'IN' ? 0 : 1, 1, 'adms', 'unmatched', p.time],
  sample: (n) => sampleAt(n, n),
};

export const CHECKIN: RowShape = {
  table: 'checkins',
  columns: ['name', 'employee_id', 'time', 'log_type', 'device_id', 'skip_auto_attendance', 'created_at'],
  of: (p, n) => [`CHECKIN-2020-${n}`, p.pin, p.time, p.logType, p.serial, 0, p.time],
  sample: (n) => sampleAt(n, n),
};

/** A day's record, made by its check-in. */
export const ATTENDANCE: RowShape = {
  table: 'attendance',
  columns: ['name', 'employee_id', 'attendance_date', 'shift_type', 'status', 'working_hours', 'in_time', 'out_time', 'created_at', 'updated_at'],
  of: (p, n) => [`HR-ATT-2020-${n}`, p.pin, p.time.slice(0, 10), 'Bench Day', 'Present', 8, p.time, p.time, p.time, p.time],
  // One record per employee and day: employee n mod 1000 on day n / 1000.
  sample: (n) => sampleAt(n, Math.floor(n / 1000) * 86_400),
};

const rowOf = (shape: RowShape, n: number) => shape.of(shape.sample(n), n);

const copyName = (table: string) => `bench_ceiling_${table}`;
/** One row's placeholders. */
const valuesOf = (shape: RowShape) => `(${shape.columns.map(() => '?').join(',')})`;

export interface Ceilings {
  /** Rows/s of multi-row INSERT IGNORE / ON CONFLICT DO NOTHING, `rowsPerStatement` at a time. */
  dbBulk: number;
  /** Rows/s of autocommitted single-row inserts, `connections` at once. */
  dbSingle: number;
}

async function forSeconds(seconds: number, step: () => Promise<number>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  let rows = 0;
  while (performance.now() < end) rows += await step();
  return rows / ((performance.now() - started) / 1000);
}

/** A MySQL pool, and a copy of each table in `shapes` for the time of `measure`. */
async function withMysqlCopies<T>(url: string, connections: number, shapes: RowShape[], measure: (pool: mysql.Pool) => Promise<T>): Promise<T> {
  const pool = mysql.createPool({ ...parseMysqlUrl(url), connectionLimit: connections, charset: 'utf8mb4' });
  try {
    for (const { table } of shapes) {
      await pool.query(`DROP TABLE IF EXISTS ${copyName(table)}`);
      await pool.query(`CREATE TABLE ${copyName(table)} LIKE ${table}`);
    }
    const result = await measure(pool);
    for (const { table } of shapes) await pool.query(`DROP TABLE ${copyName(table)}`);
    return result;
  } finally {
    await pool.end();
  }
}

/** Numbers rows across measurements on one copy, so that no two are the same row. */
interface Counter {
  n: number;
}

/** Rows/s of multi-row INSERT IGNORE into a copy of the shape's table, `connections` at once. */
async function mysqlBulkRate(pool: mysql.Pool, shape: RowShape, seconds: number, rowsPerStatement: number, connections: number, counter: Counter = { n: 0 }): Promise<number> {
  const sql = `INSERT IGNORE INTO ${copyName(shape.table)} (${shape.columns.join(',')}) VALUES ?`;
  const rates = await Promise.all(
    Array.from({ length: connections }, () =>
      forSeconds(seconds, async () => {
        const rows = Array.from({ length: rowsPerStatement }, () => rowOf(shape, counter.n++));
        await pool.query(sql, [rows]);
        return rows.length;
      }),
    ),
  );
  return sum(rates);
}

async function mysqlCeilings(url: string, seconds: number, rowsPerStatement: number, connections: number): Promise<Ceilings> {
  return withMysqlCopies(url, connections, [PUNCH], async (pool) => {
    const counter = { n: 0 };
    const dbBulk = await mysqlBulkRate(pool, PUNCH, seconds / 2, rowsPerStatement, connections, counter);
    const singleSql = `INSERT INTO ${copyName(PUNCH.table)} (${PUNCH.columns.join(',')}) VALUES ${valuesOf(PUNCH)}`;
    const singleRates = await Promise.all(
      Array.from({ length: connections }, () =>
        forSeconds(seconds / 2, async () => {
          await pool.execute(singleSql, rowOf(PUNCH, counter.n++));
          return 1;
        }),
      ),
    );
    return { dbBulk, dbSingle: sum(singleRates) };
  });
}

/** A SQLite connection with iclockd's pragmas, and a copy of each table in `shapes` for the time of `measure`. */
async function withSqliteCopies<T>(url: string, shapes: RowShape[], measure: (db: Sqlite.Database) => Promise<T>): Promise<T> {
  const db = new Sqlite(sqlitePath(url));
  try {
    // The pragmas iclockd sets (src/store/db.ts).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    for (const { table } of shapes) {
      const copy = copyName(table);
      db.exec(`DROP TABLE IF EXISTS ${copy}`);
      const ddl = db.prepare(`SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL`).all(table) as { sql: string }[];
      // The table's name, and its indexes' (knex names them table_columns_unique|index); not its columns'.
      const rename = (sql: string) => sql.replace(new RegExp(`\`${table}(_\\w+_(?:unique|index))?\``, 'g'), (_m, index: string | undefined) => `\`${copy}${index ?? ''}\``);
      for (const { sql } of ddl) db.exec(rename(sql));
    }
    const result = await measure(db);
    for (const { table } of shapes) db.exec(`DROP TABLE ${copyName(table)}`);
    return result;
  } finally {
    db.close();
  }
}


/** Rows/s of multi-row INSERT … ON CONFLICT DO NOTHING into a copy of the shape's table. */
function sqliteBulkRate(db: Sqlite.Database, shape: RowShape, seconds: number, rowsPerStatement: number, counter: Counter = { n: 0 }): Promise<number> {
  const bulk = db.prepare(`INSERT INTO ${copyName(shape.table)} (${shape.columns.join(',')}) VALUES ${Array(rowsPerStatement).fill(valuesOf(shape)).join(',')} ON CONFLICT DO NOTHING`);
  return forSeconds(seconds, async () => {
    bulk.run(Array.from({ length: rowsPerStatement }, () => rowOf(shape, counter.n++)).flat());
    return rowsPerStatement;
  });
}

async function sqliteCeilings(url: string, seconds: number, rowsPerStatement: number): Promise<Ceilings> {
  return withSqliteCopies(url, [PUNCH], async (db) => {
    const counter = { n: 0 };
    const dbBulk = await sqliteBulkRate(db, PUNCH, seconds / 2, rowsPerStatement, counter);
    const single = db.prepare(`INSERT INTO ${copyName(PUNCH.table)} (${PUNCH.columns.join(',')}) VALUES ${valuesOf(PUNCH)}`);
    const dbSingle = await forSeconds(seconds / 2, async () => {
      single.run(rowOf(PUNCH, counter.n++));
      return 1;
    });
    return { dbBulk, dbSingle };
  });
}

/** Rows for one copy, written in statements of at most `rowsPerStatement`. */
export interface CopyInsert {
  shape: RowShape;
  rows: Value[][];
}

/** Writes groups of inserts into the copies, each group in one transaction, as an ingest batch commits. */
export type CopyWriter = (inserts: CopyInsert[]) => Promise<void>;

/** The copies of `shapes` on the database the URL names, and a writer for them, for the time of `use`. */
export function withCopyWriter<T>(url: string, connections: number, shapes: RowShape[], rowsPerStatement: number, use: (write: CopyWriter) => Promise<T>): Promise<T> {
  const statementsOf = (inserts: CopyInsert[]) => inserts.flatMap(({ shape, rows }) => chunks(rows, rowsPerStatement).map((part) => ({ shape, part })));
  if (url.startsWith('sqlite:')) {
    return withSqliteCopies(url, shapes, (db) => {
      const prepared = new Map<string, Sqlite.Statement>();
      const statement = (shape: RowShape, rows: number) => {
        const key = `${shape.table}:${rows}`;
        let s = prepared.get(key);
        if (!s) prepared.set(key, (s = db.prepare(`INSERT INTO ${copyName(shape.table)} (${shape.columns.join(',')}) VALUES ${Array(rows).fill(valuesOf(shape)).join(',')} ON CONFLICT DO NOTHING`)));
        return s;
      };
      const write = db.transaction((inserts: CopyInsert[]) => {
        for (const { shape, part } of statementsOf(inserts)) statement(shape, part.length).run(part.flat());
      });
      return use(async (inserts) => write(inserts));
    });
  }
  return withMysqlCopies(url, connections, shapes, (pool) =>
    use(async (inserts) => {
      const conn = await pool.getConnection();
      try {
        await conn.beginTransaction();
        for (const { shape, part } of statementsOf(inserts)) await conn.query(`INSERT IGNORE INTO ${copyName(shape.table)} (${shape.columns.join(',')}) VALUES ?`, [part]);
        await conn.commit();
      } catch (err) {
        await conn.rollback().catch(() => undefined);
        throw err;
      } finally {
        conn.release();
      }
    }),
  );
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Both database ceilings on the (migrated, scratch) database the URL names. */
export async function measureDbCeilings(url: string, seconds: number, rowsPerStatement: number, connections: number): Promise<Ceilings> {
  return url.startsWith('sqlite:') ? sqliteCeilings(url, seconds, rowsPerStatement) : mysqlCeilings(url, seconds, rowsPerStatement, connections);
}

/**
 * The write floor: rows/s of the same multi-row inserts into copies of the three tables an
 * ingested punch writes to, and what they come to per punch with one punch row, one check-in
 * and half an attendance record each (a day shift's check-in creates the record, its check-out
 * changes it; the change is left out). No reads, no iclockd: a bound, not an estimate.
 */
export interface WriteFloor {
  punches: number;
  checkins: number;
  attendance: number;
  /** Punches/s if writing those rows were all an ingest did. */
  punchesPerSecond: number;
}

export async function measureWriteFloor(url: string, seconds: number, rowsPerStatement: number, connections: number): Promise<WriteFloor> {
  const shapes = [PUNCH, CHECKIN, ATTENDANCE];
  const rates: number[] = [];
  /** One table after another, each alone on the database. */
  const eachShape = async (rate: (shape: RowShape) => Promise<number>) => {
    for (const shape of shapes) rates.push(await rate(shape));
  };
  if (url.startsWith('sqlite:')) await withSqliteCopies(url, shapes, (db) => eachShape((shape) => sqliteBulkRate(db, shape, seconds, rowsPerStatement)));
  else await withMysqlCopies(url, connections, shapes, (pool) => eachShape((shape) => mysqlBulkRate(pool, shape, seconds, rowsPerStatement, connections)));
  const [punches, checkins, attendance] = rates as [number, number, number];
  return { punches, checkins, attendance, punchesPerSecond: 1 / (1 / punches + 1 / checkins + 0.5 / attendance) };
}
