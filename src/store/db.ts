// knex setup for both supported databases: MySQL/MariaDB (mysql2) and embedded SQLite
// (better-sqlite3). Everything dialect-specific about connecting lives here.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { migrationSource, migrations } from '../../migrations/index.js';
import { DEFAULT_DATABASE_TIMEOUTS, type DatabaseTimeouts, maskUrlPassword } from '../config.js';

export type Dialect = 'mysql' | 'sqlite';

/** Whether this knex (or transaction) talks to MySQL/MariaDB, for the few statements the dialects spell differently. */
export function isMysql(knex: Knex): boolean {
  return String(knex.client.config.client).startsWith('mysql');
}

export interface Database {
  knex: Knex;
  dialect: Dialect;
  /** The URL with any password masked, for logs and errors. */
  safeUrl: string;
}

export interface MysqlConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export function parseMysqlUrl(url: string): MysqlConnection {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (u.protocol !== 'mysql:' || !database) throw new Error(`not a mysql://host/db URL: ${maskUrlPassword(url)}`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database,
  };
}

/** The SQLite file a `sqlite:` URL names, resolved against the working directory. */
export function sqlitePath(url: string): string {
  const path = url.replace(/^sqlite:(\/\/)?/, '');
  return path === ':memory:' ? path : resolve(path);
}

interface MysqlRawConnection {
  query(sql: unknown, ...rest: unknown[]): unknown;
  stream: { destroy(): void };
}

/** mysql2's error for a query that got no answer within its client-side `timeout`. */
const CLIENT_TIMEOUT = 'PROTOCOL_SEQUENCE_TIMEOUT';

/**
 * Sets up a new MySQL connection: READ COMMITTED, and every statement bounded server-side
 * (MariaDB's max_statement_time, MySQL's max_execution_time for reads, and the lock wait)
 * and client-side, since a link that went silent answers nothing at all.
 */
function configureMysqlSession(conn: MysqlRawConnection, t: DatabaseTimeouts, done: (err: Error | null, conn: unknown) => void): void {
  const query = conn.query.bind(conn);
  const clientTimeoutMs = (t.statementSeconds + 5) * 1000;
  conn.query = (sql: unknown, ...rest: unknown[]) => {
    const callback = rest.at(-1);
    // A timed-out query stays at the head of mysql2's command queue, so every later command
    // on the connection (the ROLLBACK, the next request's queries) would wait behind it for
    // ever, its own timeout never started. Dropping the socket fails them all at once and
    // marks the connection broken, so the pool replaces it.
    if (typeof callback === 'function')
      rest[rest.length - 1] = (err: (Error & { code?: string }) | null, ...results: unknown[]) => {
        if (err?.code === CLIENT_TIMEOUT) conn.stream.destroy();
        return (callback as (...args: unknown[]) => unknown)(err, ...results);
      };
    return query(typeof sql === 'object' && sql !== null && !('timeout' in sql) ? { ...sql, timeout: clientTimeoutMs } : sql, ...rest);
  };
  // Strict for every table: a value a column cannot hold is an error, never silently cut (a cut
  // punch key would merge two punches). iclockd checks values first; this is the backstop.
  const sessionSettings = `SESSION sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES'), SESSION innodb_lock_wait_timeout = ${Math.max(1, Math.round(t.statementSeconds))}`;
  // On a Galera node a read waits until the node has applied what the cluster committed before
  // it (wsrep_sync_wait bit 1): an instance on another node reads an employee, a command or a
  // lease another instance just wrote, as on one server. Elsewhere (wsrep off) it changes nothing.
  const causalReads = () =>
    query('SET SESSION wsrep_sync_wait = @@GLOBAL.wsrep_sync_wait | 1', (err: (Error & { errno?: number }) | null) => done(err?.errno === 1193 ? null : err, conn));
  // READ COMMITTED: a statement sees what committed before it, not a snapshot from the
  // transaction's first read, so a recompute that waited for a lock (lockEmployees) reads what
  // the lock's holder wrote; it also takes no gap locks, so concurrent inserts do not deadlock.
  query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (isolationErr: Error | null) => {
    if (isolationErr) return done(isolationErr, conn);
    // MariaDB bounds every statement; MySQL only reads (and knows the other variable's name).
    query(`SET ${sessionSettings}, SESSION max_statement_time = ${t.statementSeconds}`, (err: (Error & { errno?: number }) | null) => {
      if (err?.errno !== 1193) return err ? done(err, conn) : causalReads();
      query(`SET ${sessionSettings}, SESSION max_execution_time = ${t.statementSeconds * 1000}`, (err2: Error | null) => done(err2, conn));
    });
  });
}

/**
 * knex's own console output, off: every failure it warns of (a connection that could not be
 * made, a pool destroyed) also fails the query, which the caller reports once, in one line or
 * in the structured log; printed as well, it was a raw stack before the clean message.
 */
const KNEX_QUIET = { warn() {}, error() {}, deprecate() {}, debug() {} };

function mysqlKnex(conn: MysqlConnection, database?: string, timeouts = DEFAULT_DATABASE_TIMEOUTS): Knex {
  return knexFactory({
    client: 'mysql2',
    // A failed statement's error names the statement with placeholders, never its values (bodies, names).
    compileSqlOnError: false,
    log: KNEX_QUIET,
    acquireConnectionTimeout: timeouts.acquireSeconds * 1000,
    connection: {
      ...conn,
      database,
      connectTimeout: timeouts.acquireSeconds * 1000,
      charset: 'utf8mb4',
      // Instants are stored as UTC DATETIME and read back as strings, so both dialects
      // return the same 'YYYY-MM-DD HH:MM:SS' text and nothing depends on the host's zone.
      timezone: 'Z',
      dateStrings: true,
      decimalNumbers: true,
      supportBigNumbers: true,
    },
    pool: {
      min: 0,
      max: 10,
      afterCreate: (raw: MysqlRawConnection, done: (err: Error | null, conn: unknown) => void) => configureMysqlSession(raw, timeouts, done),
    },
  });
}

interface SqliteConnection {
  pragma(s: string): unknown;
  prepare(sql: string): unknown;
}

/** Prepared statements kept per connection (SQLite re-prepares one itself if the schema changes). */
const PREPARED_STATEMENTS = 256;

/**
 * knex prepares every statement again on every call, and for small statements preparing
 * costs as much as running: keep the last few hundred, by SQL text, on the connection.
 */
function cachePreparedStatements(conn: SqliteConnection): void {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, unknown>();
  conn.prepare = (sql) => {
    let statement = cache.get(sql);
    if (statement) cache.delete(sql);
    else {
      statement = prepare(sql);
      if (cache.size >= PREPARED_STATEMENTS) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return statement;
  };
}

/**
 * `mkdir -p` that gives up. Node's own (`recursive: true`) reads every ENOENT as "make the
 * parent first" and loops for ever, at 100 % CPU, when the parent exists yet the directory
 * cannot be made in it (under /proc, on a stale mount): here each level is tried at most twice.
 */
function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (statSync(dir).isDirectory()) return;
      throw Object.assign(new Error('ENOTDIR: a file of that name is there, not a directory'), { code: 'ENOTDIR', path: dir });
    }
    if (code !== 'ENOENT' || dirname(dir) === dir) throw err;
  }
  makeDirectory(dirname(dir));
  try {
    mkdirSync(dir);
  } catch (err) {
    // Made meanwhile by another process: fine.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Creates the directory of a SQLite file; the error names the directory that could not be made, in one line. */
function makeSqliteDirectory(file: string): void {
  try {
    makeDirectory(dirname(file));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Node's "ENOENT: no such file or directory, mkdir '/proc/nope'": the part before the path.
    const reason = e.syscall ? e.message.split(', ')[0] : e.message;
    throw Object.assign(new Error(`cannot create the directory ${e.path ?? dirname(file)} for the SQLite file (${reason})`), { code: e.code });
  }
}

/**
 * Opens the database the URL names. A MySQL database that does not exist yet is created
 * (utf8mb4, binary collation so keys compare exactly as on SQLite); a SQLite file and its
 * directory are created on first use.
 */
export async function openDatabase(url: string, timeouts: DatabaseTimeouts = DEFAULT_DATABASE_TIMEOUTS): Promise<Database> {
  const safeUrl = maskUrlPassword(url);
  if (url.startsWith('sqlite:')) {
    const file = sqlitePath(url);
    if (file !== ':memory:') makeSqliteDirectory(file);
    const knex = knexFactory({
      client: 'better-sqlite3',
      compileSqlOnError: false,
      log: KNEX_QUIET,
      connection: { filename: file },
      // The one connection is held by a long transaction: wait this long, then 503.
      acquireConnectionTimeout: timeouts.acquireSeconds * 1000,
      useNullAsDefault: true,
      // One connection: SQLite has one writer anyway, and knex serialises transactions on it.
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
          cachePreparedStatements(conn);
          conn.pragma('journal_mode = WAL');
          conn.pragma('synchronous = NORMAL');
          conn.pragma('foreign_keys = ON');
          conn.pragma('busy_timeout = 5000');
          done(null, conn);
        },
      },
    });
    return { knex, dialect: 'sqlite', safeUrl };
  }
  const conn = parseMysqlUrl(url);
  await createMysqlDatabaseIfMissing(conn, timeouts);
  return { knex: mysqlKnex(conn, conn.database, timeouts), dialect: 'mysql', safeUrl };
}

/** No connection within the acquire timeout: the server accepted none, or said nothing on it. */
function isConnectionUnanswered(err: unknown): boolean {
  const e = err as { code?: string; name?: string };
  return e?.name === 'KnexTimeoutError' || e?.code === 'ETIMEDOUT';
}

/** The server cannot be reached, or stopped answering: trying again at once cannot do better. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT']);

async function createMysqlDatabaseIfMissing(conn: MysqlConnection, timeouts: DatabaseTimeouts): Promise<void> {
  // The caller's wait for a connection; a request's bound on the statement (a migration's is a day).
  const admin = mysqlKnex(conn, undefined, { acquireSeconds: timeouts.acquireSeconds, statementSeconds: Math.min(timeouts.statementSeconds, DEFAULT_DATABASE_TIMEOUTS.statementSeconds) });
  try {
    await admin.raw('CREATE DATABASE IF NOT EXISTS ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_bin', [conn.database]);
  } catch (err) {
    // knex says of a connection never made "the pool is probably full. Are you missing a
    // .transacting(trx) call?": this pool is new and this its only query, so it is silence.
    if (isConnectionUnanswered(err)) {
      throw Object.assign(new Error(`no answer from ${conn.host}:${conn.port} within ${timeouts.acquireSeconds} s`), { code: 'ETIMEDOUT' });
    }
    // Unreachable: connecting again below would only wait as long once more.
    if (UNREACHABLE_CODES.has((err as { code?: string }).code ?? '')) throw err;
    // No CREATE privilege is fine when the database already exists; connecting to it
    // below reports the real problem if it does not.
  } finally {
    await admin.destroy();
  }
}

/** Drops a MySQL database; used by tests that made their own. */
export async function dropMysqlDatabase(url: string): Promise<void> {
  const conn = parseMysqlUrl(url);
  const admin = mysqlKnex(conn);
  try {
    await admin.raw('DROP DATABASE IF EXISTS ??', [conn.database]);
  } finally {
    await admin.destroy();
  }
}

const MIGRATIONS_TABLE = 'knex_migrations';
const MIGRATIONS_LOCK_TABLE = 'knex_migrations_lock';
/** How long an instance waits for another's migrations before it gives up (an ALTER of a big table can take minutes). */
const MIGRATION_LOCK_WAIT_SECONDS = 900;

/**
 * knex's two tables, as knex makes them, but safe when instances start at once (knex's own
 * setup made both CREATE TABLEs, or two lock rows, after which its lock could never be taken).
 * The lock table and its one row come first, the row with a fixed key, so two instances
 * inserting it insert the same row; a reader (migrationStatus) waits for both tables.
 */
async function prepareMigrationTables(knex: Knex): Promise<void> {
  const createIfMissing = async (table: string, build: (t: Knex.CreateTableBuilder) => void) => {
    if (await knex.schema.hasTable(table)) return;
    try {
      await knex.schema.createTable(table, build);
    } catch (err) {
      if (!(await knex.schema.hasTable(table))) throw err; // not another instance's CREATE
    }
  };
  await createIfMissing(MIGRATIONS_LOCK_TABLE, (t) => {
    t.increments('index').primary();
    t.integer('is_locked');
  });
  const ignore = isMysql(knex) ? 'IGNORE' : 'OR IGNORE';
  await knex.raw(`INSERT ${ignore} INTO ?? (??, ??) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM ??)`, [MIGRATIONS_LOCK_TABLE, 'index', 'is_locked', MIGRATIONS_LOCK_TABLE]);
  await createIfMissing(MIGRATIONS_TABLE, (t) => {
    t.increments();
    t.string('name');
    t.integer('batch');
    t.timestamp('migration_time');
  });
}

/**
 * Applies what is pending; with several instances starting at once, one applies and the others
 * wait for its lock, then find nothing left. On MySQL/Galera the lock is taken in a transaction
 * of its own (knex would otherwise hold it in one wrapping the migrations, which MySQL's DDL
 * commits implicitly, and on Galera the loser's certification failure would surface on its
 * first DDL, whose error path frees the winner's lock).
 */
export async function migrateToLatest(db: Database, options: { lockWaitSeconds?: number } = {}): Promise<string[]> {
  await prepareMigrationTables(db.knex);
  const deadline = Date.now() + (options.lockWaitSeconds ?? MIGRATION_LOCK_WAIT_SECONDS) * 1000;
  for (;;) {
    try {
      const [, applied] = (await db.knex.migrate.latest({ migrationSource, disableTransactions: db.dialect === 'mysql' })) as [number, string[]];
      return applied;
    } catch (err) {
      // knex's LockError: the lock row is held, or (Galera) our claim lost certification to another's.
      if ((err as Error).name !== 'MigrationLocked') throw err;
      if (Date.now() >= deadline) {
        throw new Error(
          `the migration lock (${MIGRATIONS_LOCK_TABLE}) is still held after ${options.lockWaitSeconds ?? MIGRATION_LOCK_WAIT_SECONDS} s: another instance is migrating, or one stopped in the middle of migrating. When none is running, \`iclockd migrate --unlock\` frees it`,
        );
      }
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 500));
    }
  }
}

/** Frees the migration lock an instance left held when it died mid-migration (`iclockd migrate --unlock`). */
export async function freeMigrationLock(db: Database): Promise<boolean> {
  if (!(await db.knex.schema.hasTable(MIGRATIONS_LOCK_TABLE))) return false;
  return (await db.knex(MIGRATIONS_LOCK_TABLE).where('is_locked', '<>', 0).update({ is_locked: 0 })) > 0;
}

/**
 * Opens the database on its own connection for migrations, whose statements (an ALTER of a
 * big table) may rightly take far longer than a request's, applies them and closes it.
 */
export async function migrateDatabase(url: string, acquireSeconds: number): Promise<string[]> {
  const db = await openDatabase(url, { acquireSeconds, statementSeconds: 24 * 3600 });
  try {
    return await migrateToLatest(db);
  } finally {
    await closeDatabase(db);
  }
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

/** Databases whose migrations table was seen: it is never dropped, so it need not be looked for again. */
const migrationsTableSeen = new WeakSet<Knex>();

export async function migrationStatus(db: Database): Promise<MigrationStatus> {
  // knex's listing would create its tables (readiness checks call this, every few seconds per
  // balancer): before the first migration starts, everything is pending and nothing is written.
  if (!migrationsTableSeen.has(db.knex)) {
    if (!(await db.knex.schema.hasTable(MIGRATIONS_TABLE))) return { applied: [], pending: migrations.map((m) => m.name) };
    migrationsTableSeen.add(db.knex);
  }
  const [completed, pending] = (await db.knex.migrate.list({ migrationSource })) as [{ name: string }[], unknown[]];
  return {
    applied: completed.map((m) => m.name),
    pending: pending.map((m) => migrationSource.getMigrationName(m as Parameters<typeof migrationSource.getMigrationName>[0])),
  };
}

export async function closeDatabase(db: Database): Promise<void> {
  await db.knex.destroy();
}
