// `iclockd doctor`: what stands between this machine and a working server, in plain words:
// the configuration, the database, its migrations, the clocks and time zone, a Galera node's
// state and settings, and the port.
// Each check ends within CHECK_SECONDS, and each failure is one line (and its fix).
import { createServer } from 'node:net';
import { DateTime } from 'luxon';
import { type Config, ConfigError, detectHostTimeZone, maskUrlPassword, settingOrigin } from '../config.js';
import { type Database, closeDatabase, migrationStatus, openDatabase, parseMysqlUrl } from '../store/db.js';
import { type GaleraStatus, databaseVersion, galeraStatus, mysqlServerTime } from '../store/databaseServer.js';

export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** What to do about it (warn, fail). */
  fix?: string;
}

/** Host and database clocks further apart than this make wrong check-in times: a failure. */
const CLOCK_FAIL_SECONDS = 60;
const CLOCK_WARN_SECONDS = 5;

/** Longest one check may take: a database that accepts connections and never answers fails here. */
export const CHECK_SECONDS = 5;

/** A check's deadline passed. */
class NoAnswer extends Error {
  override name = 'NoAnswer';
}

/**
 * `work`, or a NoAnswer once `seconds` have passed. What `work` holds open is left to its own
 * timeouts (set to the same bound), so the process still ends soon after.
 */
function within<T>(seconds: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswer(`no answer within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function portCheck(config: Config): Promise<Check> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${config.host}:${config.port}`;
      if (err.code === 'EADDRINUSE') {
        resolve({ name: 'port', status: 'fail', detail: `something already listens on ${where}`, fix: 'stop it (another iclockd?) or choose another ICLOCKD_PORT' });
      } else if (err.code === 'EACCES') {
        resolve({ name: 'port', status: 'fail', detail: `no permission to listen on ${where}`, fix: 'use a port above 1024 (terminals default to 8081) or grant CAP_NET_BIND_SERVICE' });
      } else {
        resolve({ name: 'port', status: 'fail', detail: `cannot listen on ${where}: ${firstLine(err.message)}`, fix: 'check ICLOCKD_HOST names an address of this machine' });
      }
    });
    server.listen(config.port, config.host, () => server.close(() => resolve({ name: 'port', status: 'ok', detail: `${config.host}:${config.port} is free` })));
  });
}

async function boundedPortCheck(config: Config): Promise<Check> {
  try {
    return await within(CHECK_SECONDS, portCheck(config));
  } catch (err) {
    if (!(err instanceof NoAnswer)) throw err;
    return {
      name: 'port',
      status: 'fail',
      detail: `could not try ${config.host}:${config.port} within ${CHECK_SECONDS} s`,
      fix: 'check ICLOCKD_HOST: a host name that takes this long to resolve is better given as an address',
    };
  }
}

const firstLine = (text: string) => text.split('\n')[0]!;

/** The database's failure in plain words, one line; the address where there is one. */
function databaseFailure(err: unknown, config: Config): Pick<Check, 'detail' | 'fix'> {
  const safeUrl = maskUrlPassword(config.databaseUrl);
  const e = err as { code?: string; name?: string; message?: string };
  if (!config.databaseUrl.startsWith('mysql:')) {
    return { detail: `${safeUrl}: ${firstLine(e?.message ?? String(err))}`, fix: 'check that the directory of the SQLite file exists or can be created, and is writable' };
  }
  const { host, port } = parseMysqlUrl(config.databaseUrl);
  const fix = 'check DATABASE_URL, that the server runs and accepts this user from this host, and that the database exists or the user may create it';
  if (err instanceof NoAnswer || e?.name === 'KnexTimeoutError' || e?.code === 'ETIMEDOUT' || e?.code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
    return {
      detail: `no answer from ${host}:${port} within ${CHECK_SECONDS} s`,
      fix: 'check that DATABASE_URL names the MySQL/MariaDB server (not another service on that port), that it is not stuck, and that no firewall drops its packets',
    };
  }
  if (e?.code === 'ECONNREFUSED') return { detail: `nothing accepts connections at ${host}:${port} (connection refused)`, fix };
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return { detail: `the host name ${host} cannot be resolved`, fix };
  if (e?.code === 'EHOSTUNREACH' || e?.code === 'ENETUNREACH') return { detail: `${host}:${port} cannot be reached (no route to it)`, fix };
  return { detail: `${safeUrl}: ${firstLine(e?.message ?? String(err))}`, fix };
}

/** How far this host's clock is ahead of the database server's, in seconds. */
async function clockSkewSeconds(db: Database, now: () => Date): Promise<number> {
  return Math.round((now().getTime() - (await mysqlServerTime(db)).getTime()) / 1000);
}

/**
 * A Galera node against what iclockd needs of it (docs/operator/cluster.md): in the primary
 * component and Synced, row-based replication, interleaved auto-increment locks, causal reads
 * on iclockd's sessions, and a cluster that survives losing one node.
 */
export function galeraCheck(g: GaleraStatus): Check {
  const failures: string[] = [];
  const warnings: string[] = [];
  const fixes: string[] = [];
  if (g.clusterStatus !== 'Primary' || !g.ready) {
    failures.push(`node ${g.node} is not in the primary component (${g.clusterStatus}, wsrep_ready ${g.ready ? 'ON' : 'OFF'}): it refuses iclockd's queries`);
    fixes.push("read the node's error log: it lost the others (network, quorum); bootstrap the most advanced node only if the whole cluster is down");
  } else if (g.localState !== 'Synced') {
    warnings.push(`node ${g.node} is ${g.localState}, not Synced`);
    fixes.push('wait for it to catch up (IST/SST); point this instance at a Synced node meanwhile');
  }
  if (g.binlogFormat !== 'ROW') {
    failures.push(`binlog_format is ${g.binlogFormat}`);
    fixes.push('set binlog_format=ROW on every node (Galera replicates rows)');
  }
  if (g.autoincLockMode !== 2) {
    failures.push(`innodb_autoinc_lock_mode is ${g.autoincLockMode}`);
    fixes.push('set innodb_autoinc_lock_mode=2 on every node (interleaved: required by Galera)');
  }
  if ((g.sessionSyncWait & 1) === 0) {
    warnings.push(`wsrep_sync_wait is ${g.sessionSyncWait} on iclockd's sessions: a read through this node may miss what another instance just wrote through another`);
    fixes.push('allow iclockd to set wsrep_sync_wait per session (it sets bit 1), or set wsrep_sync_wait=1 globally');
  }
  if (g.clusterSize < 3 && failures.length === 0) {
    warnings.push(`a cluster of ${g.clusterSize}: losing one node ${g.clusterSize === 2 ? 'loses the quorum, and both stop' : 'leaves none'}`);
    fixes.push('run three nodes (or two and the arbitrator garbd)');
  }
  const facts = `node ${g.node}, ${g.localState}, one of ${g.clusterSize} (${g.clusterStatus}); binlog_format ${g.binlogFormat}, innodb_autoinc_lock_mode ${g.autoincLockMode}, wsrep_sync_wait ${g.sessionSyncWait} on iclockd's sessions`;
  if (failures.length > 0) return { name: 'galera', status: 'fail', detail: [...failures, ...warnings].join('; '), fix: fixes.join('; ') };
  if (warnings.length > 0) return { name: 'galera', status: 'warn', detail: `${warnings.join('; ')} (${facts})`, fix: fixes.join('; ') };
  return { name: 'galera', status: 'ok', detail: facts };
}

/** The database, its migrations and its clock: each step within CHECK_SECONDS; the first to fail ends them. */
async function databaseChecks(config: Config, now: () => Date): Promise<Check[]> {
  const checks: Check[] = [];
  // The pool's own timeouts at the same bound: a connection never made gives up about when the
  // deadline does, so nothing is left waiting.
  const opening = openDatabase(config.databaseUrl, { acquireSeconds: CHECK_SECONDS, statementSeconds: CHECK_SECONDS });
  let step = 'database';
  try {
    const db = await within(CHECK_SECONDS, opening);
    checks.push({ name: 'database', status: 'ok', detail: `${db.safeUrl} answers (${await within(CHECK_SECONDS, databaseVersion(db))})` });

    step = 'migrations';
    const status = await within(CHECK_SECONDS, migrationStatus(db));
    checks.push(
      status.pending.length === 0
        ? { name: 'migrations', status: 'ok', detail: `all ${status.applied.length} applied` }
        : {
            name: 'migrations',
            status: 'warn',
            detail: `${status.pending.length} pending: ${status.pending.join(', ')}`,
            fix: 'run iclockd migrate (iclockd serve also applies them when it starts)',
          },
    );

    step = 'clock';
    if (db.dialect === 'mysql') {
      const skew = await within(CHECK_SECONDS, clockSkewSeconds(db, now));
      const detail = `this host is ${Math.abs(skew)} s ${skew >= 0 ? 'ahead of' : 'behind'} the database server`;
      const fix = 'keep both clocks in sync with NTP (chrony, systemd-timesyncd)';
      checks.push(
        Math.abs(skew) > CLOCK_FAIL_SECONDS
          ? { name: 'clock', status: 'fail', detail, fix }
          : Math.abs(skew) > CLOCK_WARN_SECONDS
            ? { name: 'clock', status: 'warn', detail, fix }
            : { name: 'clock', status: 'ok', detail },
      );
      step = 'galera';
      const galera = await within(CHECK_SECONDS, galeraStatus(db));
      if (galera) checks.push(galeraCheck(galera));
    } else {
      checks.push({ name: 'clock', status: 'ok', detail: 'the embedded database uses this host\'s clock' });
    }
  } catch (err) {
    checks.push({ name: step, status: 'fail', ...databaseFailure(err, config) });
  }
  // Closed whenever it opens, even after its deadline gave up on it. After a failure that is
  // not waited for: a statement that never got its answer holds the pool until its own
  // timeout, and doctor, failing, exits at once anyway.
  const closing = opening.then(closeDatabase).catch(() => undefined);
  if (checks.at(-1)?.status !== 'fail') await within(CHECK_SECONDS, closing).catch(() => undefined);
  return checks;
}

/** The zone terminals without their own are read in, and whether the host's own zone is one Node knows. */
function timeZoneCheck(config: Config, now: Date): Check {
  const host = detectHostTimeZone();
  const origin = settingOrigin(config, 'timeZone');
  const detail = `${config.timeZone} (${origin ?? "this host's zone"}) for terminals without their own; now ${DateTime.fromJSDate(now, { zone: config.timeZone }).toFormat('yyyy-MM-dd HH:mm ZZ')} there`;
  if (!host.problem) return { name: 'time zone', status: 'ok', detail };
  // ICLOCKD_TZ covers iclockd; the host's own times (logs, other programs) are still off.
  if (origin) return { name: 'time zone', status: 'warn', detail: `${detail}; but ${host.problem}`, fix: "correct TZ (or unset it) so this host's own times are right too" };
  return {
    name: 'time zone',
    status: 'fail',
    detail: `${host.problem}, so iclockd would read terminals without their own zone as UTC`,
    fix: 'set TZ to an IANA zone such as Asia/Riyadh (timedatectl list-timezones), or ICLOCKD_TZ to the terminals\' zone',
  };
}

export async function runChecks(loadConfig: () => Config, now: () => Date = () => new Date()): Promise<Check[]> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return [{ name: 'config', status: 'fail', detail: err.message, fix: 'correct that setting (docs/operator/settings.md)' }];
  }
  const checks: Check[] = [
    { name: 'config', status: 'ok', detail: `database ${maskUrlPassword(config.databaseUrl)}, port ${config.port}` },
    timeZoneCheck(config, now()),
  ];
  checks.push(...(await databaseChecks(config, now)));
  checks.push(await boundedPortCheck(config));
  return checks;
}

/** The checks as lines: status, name, detail, and the fix under it. */
export function formatChecks(checks: Check[]): string[] {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks.flatMap((c) => {
    const line = `${c.status === 'fail' ? 'FAIL' : c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}`;
    return c.fix ? [line, `${' '.repeat(width + 8)}fix: ${c.fix}`] : [line];
  });
}
