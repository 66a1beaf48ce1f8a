// A batch's statements built here, not by knex's query builder: the multi-row inserts and the
// reads by many keys that every ingest batch makes, whose thousands of values cost knex more to
// build than the database took to run them. Inserts hand back the rows as stored (their ids) in
// the same statement where the server can: SQLite (3.35+) and MariaDB (10.5+) take INSERT …
// RETURNING; MySQL does not, and there the caller reads the rows back by their key.
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

/**
 * Inserts `rows` into `table`; returns them as stored (every column, or the `columns` asked
 * for), or null when the server cannot say (MySQL) and the caller must read them.
 */
export async function insertReturning<Row>(knex: Knex, table: string, rows: Record<string, unknown>[], columns: readonly string[] = []): Promise<Row[] | null> {
  if (!namable(columns)) throw new Error(`not columns to name in a statement: ${columns.join(', ')}`);
  const returned = columns.length === 0 ? '*' : quoted(columns);
  const returning = await returns(knex);
  const direct = multiRowInsert(knex, table, rows);
  if (!direct) {
    // Rows of several shapes: knex's builder fills in each row's missing columns.
    if (!returning) await knex(table).insert(rows);
    else if (!isMysql(knex)) return (await knex(table).insert(rows).returning(columns.length === 0 ? '*' : [...columns])) as Row[];
    else {
      const { sql, bindings } = knex(table).insert(rows).toSQL();
      return ((await knex.raw(`${sql} returning ${returned}`, bindings)) as [Row[]])[0];
    }
    return null;
  }
  if (!returning) {
    await boundStatement(knex, direct.sql, direct.bindings);
    return null;
  }
  return rowsOf<Row>(knex, await boundStatement(knex, `${direct.sql} returning ${returned}`, direct.bindings));
}

/** Inserts `rows` into `table` without asking them back: built directly where they have one shape (multiRowInsert), else by knex. */
export async function insertRows(knex: Knex, table: string, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const direct = multiRowInsert(knex, table, rows);
  await (direct ? boundStatement(knex, direct.sql, direct.bindings) : knex(table).insert(rows));
}

/**
 * Inserts `rows`, or where one's `conflict` columns (a unique key) match a stored row, sets that
 * row's `update` columns to the new values: knex's `onConflict(conflict).merge(update)`, built
 * directly for rows of one shape.
 */
export async function upsertRows(knex: Knex, table: string, rows: Record<string, unknown>[], conflict: readonly string[], update: readonly string[]): Promise<void> {
  if (rows.length === 0) return;
  const direct = multiRowInsert(knex, table, rows);
  if (!direct || !namable(conflict) || update.length === 0 || !namable(update)) {
    await knex(table).insert(rows).onConflict([...conflict]).merge([...update]);
    return;
  }
  const clause = isMysql(knex)
    ? ` on duplicate key update ${update.map((c) => `${quoted([c])} = values(${quoted([c])})`).join(', ')}`
    : ` on conflict (${quoted(conflict)}) do update set ${update.map((c) => `${quoted([c])} = excluded.${quoted([c])}`).join(', ')}`;
  await boundStatement(knex, direct.sql + clause, direct.bindings);
}

/**
 * A multi-row INSERT's text and bindings, built here rather than by knex's query builder, which
 * for the thousands of values of a batch cost more than the statement took to run. Only for
 * rows of one shape (a batch's rows are made by one function); null for any other set of rows,
 * which knex's builder is left to. A value left undefined is the column's default on MySQL and
 * NULL on SQLite, as knex has it (useNullAsDefault).
 */
export function multiRowInsert(knex: Knex, table: string, rows: Record<string, unknown>[]): { sql: string; bindings: Knex.Value[] } | null {
  const columns = rows.length > 0 ? Object.keys(rows[0]!) : [];
  const oneShape = (r: Record<string, unknown>) => Object.keys(r).length === columns.length && columns.every((c) => c in r);
  if (rows.length === 0 || !namable([table, ...columns]) || !rows.every(oneShape)) return null;
  const undefinedAs = isMysql(knex) ? 'DEFAULT' : null;
  const bindings: Knex.Value[] = [];
  const tuples: string[] = [];
  /** A row's placeholders when every value is bound (one string for them all). */
  const bound = `(${columns.map(() => '?').join(',')})`;
  for (const row of rows) {
    let defaults = false;
    for (const column of columns) {
      const value = row[column];
      if (value === undefined && undefinedAs !== null) defaults = true;
      else bindings.push(value === undefined ? null : (value as Knex.Value));
    }
    tuples.push(defaults ? `(${columns.map((c) => (row[c] === undefined ? undefinedAs : '?')).join(',')})` : bound);
  }
  return { sql: `insert into ${quoted([table])} (${quoted(columns)}) values ${tuples.join(', ')}`, bindings };
}

/** A name written into a statement as it is: letters, digits and underscores only. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether every name can be written into a statement as it is. */
const namable = (names: readonly string[]) => names.every((c) => IDENTIFIER.test(c));

/** Names (already checked namable) quoted and joined with commas: `a`, `b`. */
const quoted = (names: readonly string[]) => names.map((c) => `\`${c}\``).join(', ');

/** The rows a raw statement read: mysql2 answers [rows, fields], better-sqlite3 the rows. */
function rowsOf<Row>(knex: Knex, result: unknown): Row[] {
  return isMysql(knex) ? (result as [Row[]])[0] : (result as Row[]);
}

/**
 * A statement whose `?` placeholders are already one per binding, run as knex runs raw SQL (its
 * connection, transaction, timeout and query events) but without knex's pass over the bindings:
 * `knex.raw(sql, bindings)` scans the text for placeholders and re-collects every binding one
 * call at a time, which for a batch's thousands of values was the largest cost left in building
 * its statements (about a sixth of what an ingest batch allocates). The raw is made without
 * bindings, so knex leaves its text alone, and its compiled form is handed ours: knex 3's
 * `toSQL()` returns `{ sql, bindings, … }`, which its runner executes.
 */
export function boundStatement(knex: Knex, sql: string, bindings: readonly Knex.Value[]): Knex.Raw {
  const raw = knex.raw(sql);
  const compile = raw.toSQL.bind(raw);
  raw.toSQL = () => {
    const compiled = compile();
    compiled.bindings = bindings;
    return compiled;
  };
  return raw;
}

/**
 * The rows of `table` whose `columns` hold one of `tuples` (every column of them): `where (a, b)
 * in ((?, ?), …)`, or `where a in (?, …)` for one column. The caller keeps a statement's tuples
 * within the database's limit on placeholders.
 */
export async function selectByTuples<Row>(knex: Knex, table: string, columns: readonly string[], tuples: readonly (readonly Knex.Value[])[]): Promise<Row[]> {
  if (tuples.length === 0) return [];
  if (columns.length === 0 || !namable([table, ...columns])) throw new Error(`not a table and columns to name in a statement: ${table} (${columns.join(', ')})`);
  const bindings: Knex.Value[] = [];
  const one = columns.length === 1 ? '?' : `(${columns.map(() => '?').join(',')})`;
  for (const tuple of tuples) {
    if (tuple.length !== columns.length) throw new Error(`a key of ${tuple.length} values for ${columns.length} columns of ${table}`);
    for (const value of tuple) bindings.push(value);
  }
  const names = quoted(columns);
  const sql = `select * from ${quoted([table])} where ${columns.length === 1 ? names : `(${names})`} in (${new Array(tuples.length).fill(one).join(', ')})`;
  return rowsOf<Row>(knex, await boundStatement(knex, sql, bindings));
}

