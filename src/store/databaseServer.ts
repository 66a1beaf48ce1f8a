// The database server itself, as `iclockd doctor` reports it: its version and its clock.
import type { Database } from './db.js';

/** The server's own name for its version (`10.11.6-MariaDB`), or `SQLite 3.45.1`. */
export async function databaseVersion(db: Database): Promise<string> {
  return db.dialect === 'mysql'
    ? ((await db.knex.raw('SELECT VERSION() AS v')) as [{ v: string }[]])[0][0]!.v
    : `SQLite ${((await db.knex.raw('SELECT sqlite_version() AS v')) as { v: string }[])[0]!.v}`;
}

/** The MySQL server's clock, whole seconds (SQLite has none but this host's). */
export async function mysqlServerTime(db: Database): Promise<Date> {
  const rows = ((await db.knex.raw("SELECT DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H:%i:%sZ') AS t")) as [{ t: string }[]])[0];
  return new Date(Date.parse(rows[0]!.t));
}
