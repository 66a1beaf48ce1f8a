// What keeps migrations identical on MySQL and SQLite. Shipped migrations use these, so their
// behaviour must never change: add a new helper instead of editing one.
import type { Knex } from 'knex';

export function isMysql(knex: Knex): boolean {
  return String(knex.client.config.client).startsWith('mysql');
}

/** A table in InnoDB/utf8mb4 with binary collation on MySQL, so keys compare byte for byte as on SQLite. */
export function createTable(knex: Knex, name: string, build: (t: Knex.CreateTableBuilder) => void): Knex.SchemaBuilder {
  return knex.schema.createTable(name, (t) => {
    if (isMysql(knex)) {
      t.engine('InnoDB');
      t.charset('utf8mb4');
      t.collate('utf8mb4_bin');
    }
    build(t);
  });
}

/** A UTC instant to the second. */
export function instant(t: Knex.CreateTableBuilder | Knex.AlterTableBuilder, name: string): Knex.ColumnBuilder {
  return t.dateTime(name, { precision: 0, useTz: false });
}
