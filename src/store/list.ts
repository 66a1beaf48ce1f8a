// Shared shape of paged reads.
import type { Knex } from 'knex';
import { toDbInstant } from './time.js';

export interface Window {
  offset: number;
  limit: number;
}

export interface Listed<T> {
  rows: T[];
  total: number;
}

/** Runs a filtered query twice: once counted, once paged and ordered. */
export async function listPaged<Row, T>(
  query: Knex.QueryBuilder,
  window: Window,
  orderBy: { column: string; order: 'asc' | 'desc' }[],
  map: (row: Row) => T,
): Promise<Listed<T>> {
  const count = (await query.clone().clearSelect().clearOrder().count({ n: '*' }).first()) as { n: number | string } | undefined;
  const rows = (await query.clone().orderBy(orderBy).offset(window.offset).limit(window.limit)) as Row[];
  return { rows: rows.map(map), total: Number(count?.n ?? 0) };
}

/** Where a scan stopped: the last row's sort key (newest first: its time, then its id). */
export interface ScanCursor {
  at: Date;
  id: number;
}

/**
 * The next `limit` rows of a filtered query, newest first by `timeColumn` then id, after `after`.
 * Unlike an offset, the cursor does not move when rows arrive or change meanwhile, so a
 * scan (a CSV export) reads each row once. No count is run.
 */
export async function scanAfter<Row, T>(query: Knex.QueryBuilder, timeColumn: string, after: ScanCursor | null, limit: number, map: (row: Row) => T): Promise<T[]> {
  const q = query.clone();
  if (after) {
    const at = toDbInstant(after.at);
    q.where((w) => w.where(timeColumn, '<', at).orWhere((same) => same.where(timeColumn, '=', at).andWhere('id', '<', after.id)));
  }
  const rows = (await q.orderBy([{ column: timeColumn, order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit)) as Row[];
  return rows.map(map);
}

/**
 * Narrows `query` to rows where any of `columns` contains `search` (case-insensitive; `%`, `_`
 * and `!` in it are matched as themselves). '!' is the LIKE escape: a backslash means different
 * things in MySQL and SQLite literals.
 */
export function whereContains(query: Knex.QueryBuilder, columns: string[], search: string | undefined): Knex.QueryBuilder {
  const wanted = search?.trim();
  if (!wanted) return query;
  const like = `%${wanted.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
  return query.where((w) => {
    for (const column of columns) w.orWhereRaw(`LOWER(??) LIKE ? ESCAPE '!'`, [column, like]);
  });
}
