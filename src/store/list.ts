// Shared shape of paged reads.
import type { Knex } from 'knex';

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
