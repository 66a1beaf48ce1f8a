// A fresh database for one test file, on the dialect this run is for: SQLite always, MySQL
// when the runner sets ICLOCKD_TEST_DB=mysql (from MYSQL_URL). Each is created here and
// dropped by `cleanup`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Services, createServices } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { type Database, type Dialect, closeDatabase, dropMysqlDatabase, migrateToLatest, openDatabase } from '../../src/store/db.js';

export function testDialect(): Dialect {
  const dialect = process.env.ICLOCKD_TEST_DB ?? 'sqlite';
  if (dialect !== 'sqlite' && dialect !== 'mysql') throw new Error(`ICLOCKD_TEST_DB must be sqlite or mysql, not ${dialect}`);
  return dialect;
}

export interface TestDatabaseUrl {
  url: string;
  /** Removes the database (MySQL) or its directory (SQLite). */
  drop(): Promise<void>;
}

/** A URL naming a database that does not exist yet. */
export function freshDatabaseUrl(): TestDatabaseUrl {
  if (testDialect() === 'mysql') {
    const base = process.env.MYSQL_URL;
    if (!base) throw new Error('ICLOCKD_TEST_DB=mysql needs MYSQL_URL');
    const u = new URL(base);
    u.pathname = `/iclockd_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const url = u.toString();
    return { url, drop: () => dropMysqlDatabase(url) };
  }
  const dir = mkdtempSync(join(tmpdir(), 'iclockd-test-'));
  return { url: `sqlite:${join(dir, 'iclockd.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestDatabase {
  db: Database;
  url: string;
  cleanup(): Promise<void>;
}

/** A fresh, migrated database. */
export async function openTestDatabase(): Promise<TestDatabase> {
  const fresh = freshDatabaseUrl();
  const db = await openDatabase(fresh.url);
  await migrateToLatest(db);
  return {
    db,
    url: fresh.url,
    async cleanup() {
      await closeDatabase(db).catch(() => undefined);
      await fresh.drop();
    },
  };
}

export interface TestServices {
  s: Services;
  cleanup(): Promise<void>;
}

/** The services (no HTTP) on a fresh, migrated database, configured from `env`, logging nothing. */
export async function openTestServices(env: NodeJS.ProcessEnv): Promise<TestServices> {
  const t = await openTestDatabase();
  return { s: createServices(loadConfig(env), t.db, createLogger('silent')), cleanup: t.cleanup };
}
