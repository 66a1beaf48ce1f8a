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

/** A Galera node as iclockd's own connection sees it: what `iclockd doctor` and the metrics report. */
export interface GaleraStatus {
  /** wsrep_node_name. */
  node: string;
  clusterSize: number;
  /** `Primary` when the node is part of the cluster's quorum. */
  clusterStatus: string;
  /** `Synced` when it serves reads and writes; `Donor/Desynced`, `Joining`, … otherwise. */
  localState: string;
  ready: boolean;
  binlogFormat: string;
  autoincLockMode: number;
  /** wsrep_sync_wait on iclockd's own sessions (it sets bit 1, causal reads). */
  sessionSyncWait: number;
  /** wsrep_retry_autocommit: how often the node retries a single statement that lost certification. */
  retryAutocommit: number;
}

/** The node's Galera status, or null when the database is not a Galera node (SQLite, MySQL, MariaDB with wsrep off). */
export async function galeraStatus(db: Database): Promise<GaleraStatus | null> {
  if (db.dialect !== 'mysql') return null;
  let vars: Record<string, unknown>;
  try {
    const rows = ((await db.knex.raw(
      'SELECT @@wsrep_on AS wsrep_on, @@binlog_format AS binlog_format, @@innodb_autoinc_lock_mode AS autoinc, @@SESSION.wsrep_sync_wait AS sync_wait, @@wsrep_retry_autocommit AS retry, @@wsrep_node_name AS node',
    )) as [Record<string, unknown>[]])[0];
    vars = rows[0]!;
  } catch (err) {
    if ((err as { errno?: number }).errno === 1193) return null; // MySQL: no wsrep variables
    throw err;
  }
  if (Number(vars.wsrep_on) !== 1) return null;
  const status = new Map(
    (((await db.knex.raw("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size', 'wsrep_cluster_status', 'wsrep_local_state_comment', 'wsrep_ready')")) as [{ Variable_name: string; Value: string }[]])[0]).map((r) => [
      r.Variable_name.toLowerCase(),
      r.Value,
    ]),
  );
  return {
    node: String(vars.node),
    clusterSize: Number(status.get('wsrep_cluster_size') ?? 0),
    clusterStatus: status.get('wsrep_cluster_status') ?? '',
    localState: status.get('wsrep_local_state_comment') ?? '',
    ready: status.get('wsrep_ready') === 'ON',
    binlogFormat: String(vars.binlog_format),
    autoincLockMode: Number(vars.autoinc),
    sessionSyncWait: Number(vars.sync_wait),
    retryAutocommit: Number(vars.retry),
  };
}
