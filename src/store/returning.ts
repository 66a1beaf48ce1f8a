// Inserts that hand back the rows as stored (their ids) in the same statement, where the server
// can: SQLite (3.35+) and MariaDB (10.5+) take INSERT … RETURNING; MySQL does not, and there the
// caller reads the rows back by their key. A round trip fewer per insert of a batch.
import type { Knex } from 'knex';
import { isMysql } from './db.js';

/** Whether a MySQL-protocol server's version (`SELECT VERSION()`) takes INSERT … RETURNING: MariaDB 10.5 and later. */
export function takesInsertReturning(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.\d+.*mariadb/i.exec(version);
  return m !== null && (Number(m[1]) > 10 || (Number(m[1]) === 10 && Number(m[2]) >= 5));
}

/** Per database (a transaction shares its database's config): whether its server takes RETURNING, asked once. */
const known = new WeakMap<object, Promise<boolean>>();

function returns(knex: Knex): Promise<boolean> {
  if (!isMysql(knex)) return Promise.resolve(true);
  const key = knex.client.config as object;
  let answer = known.get(key);
  if (!answer) {
    answer = Promise.resolve(knex.raw('SELECT VERSION() AS v')).then((result: unknown) => takesInsertReturning((result as [{ v: string }[]])[0][0]!.v));
    // A failed question (the database away) is asked again next time.
    answer.catch(() => known.delete(key));
    known.set(key, answer);
  }
  return answer;
}

/** Inserts `rows` into `table`; returns them as stored (every column), or null when the server cannot say (MySQL) and the caller must read them. */
export async function insertReturning<Row>(knex: Knex, table: string, rows: Record<string, unknown>[]): Promise<Row[] | null> {
  if (!(await returns(knex))) {
    await knex(table).insert(rows);
    return null;
  }
  if (!isMysql(knex)) return (await knex(table).insert(rows).returning('*')) as Row[];
  const { sql, bindings } = knex(table).insert(rows).toSQL();
  const [stored] = (await knex.raw(`${sql} returning *`, bindings)) as [Row[]];
  return stored;
}
