// The database ceilings of `npm run bench`, measured straight through the driver (mysql2 or
// better-sqlite3, no knex, no iclockd) on a copy of the real `punches` table with the same
// columns, unique key and indexes: what the database itself can take on this machine.
import Sqlite from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { parseMysqlUrl, sqlitePath } from '../store/db.js';

const TABLE = 'bench_ceiling_punches';
const COLUMNS = ['device_serial', 'site', 'device_user_id', 'local_time', 'punched_at', 'time_zone', 'log_type', 'punch_state', 'verify_mode', 'source', 'status', 'received_at'];

/** A punch-shaped row; n makes it unique. */
function row(n: number): (string | number)[] {
  const t = new Date(Date.UTC(2020, 0, 1) + n * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return [`CEIL${n % 50}`, 'main', String(n % 1000), t, t, 'UTC', 'IN', 0, 1, 'adms', 'unmatched', t];
}

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

async function mysqlCeilings(url: string, seconds: number, rowsPerStatement: number, connections: number): Promise<Ceilings> {
  const conn = parseMysqlUrl(url);
  const pool = mysql.createPool({ ...conn, connectionLimit: connections, charset: 'utf8mb4' });
  try {
    await pool.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await pool.query(`CREATE TABLE ${TABLE} LIKE punches`);
    let n = 0;
    const bulkSql = `INSERT IGNORE INTO ${TABLE} (${COLUMNS.join(',')}) VALUES ?`;
    const bulkRates = await Promise.all(
      Array.from({ length: connections }, () =>
        forSeconds(seconds / 2, async () => {
          const rows = Array.from({ length: rowsPerStatement }, () => row(n++));
          await pool.query(bulkSql, [rows]);
          return rows.length;
        }),
      ),
    );
    const singleSql = `INSERT INTO ${TABLE} (${COLUMNS.join(',')}) VALUES (${COLUMNS.map(() => '?').join(',')})`;
    const singleRates = await Promise.all(
      Array.from({ length: connections }, () =>
        forSeconds(seconds / 2, async () => {
          await pool.execute(singleSql, row(n++));
          return 1;
        }),
      ),
    );
    await pool.query(`DROP TABLE ${TABLE}`);
    return { dbBulk: sum(bulkRates), dbSingle: sum(singleRates) };
  } finally {
    await pool.end();
  }
}

async function sqliteCeilings(url: string, seconds: number, rowsPerStatement: number): Promise<Ceilings> {
  const db = new Sqlite(sqlitePath(url));
  try {
    // The pragmas iclockd sets (src/store/db.ts).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(`DROP TABLE IF EXISTS ${TABLE}`);
    const ddl = db.prepare(`SELECT sql FROM sqlite_master WHERE tbl_name = 'punches' AND sql IS NOT NULL`).all() as { sql: string }[];
    for (const { sql } of ddl) db.exec(sql.replace(/`punches`/g, TABLE).replace(/\bpunches_/g, `${TABLE}_`));
    let n = 0;
    const values = `(${COLUMNS.map(() => '?').join(',')})`;
    const bulk = db.prepare(`INSERT INTO ${TABLE} (${COLUMNS.join(',')}) VALUES ${Array(rowsPerStatement).fill(values).join(',')} ON CONFLICT DO NOTHING`);
    const single = db.prepare(`INSERT INTO ${TABLE} (${COLUMNS.join(',')}) VALUES ${values}`);
    const dbBulk = await forSeconds(seconds / 2, async () => {
      bulk.run(Array.from({ length: rowsPerStatement }, () => row(n++)).flat());
      return rowsPerStatement;
    });
    const dbSingle = await forSeconds(seconds / 2, async () => {
      single.run(row(n++));
      return 1;
    });
    db.exec(`DROP TABLE ${TABLE}`);
    return { dbBulk, dbSingle };
  } finally {
    db.close();
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Both database ceilings on the (migrated, scratch) database the URL names. */
export async function measureDbCeilings(url: string, seconds: number, rowsPerStatement: number, connections: number): Promise<Ceilings> {
  return url.startsWith('sqlite:') ? sqliteCeilings(url, seconds, rowsPerStatement) : mysqlCeilings(url, seconds, rowsPerStatement, connections);
}
