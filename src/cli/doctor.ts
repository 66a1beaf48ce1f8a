// `iclockd doctor`: what stands between this machine and a working server, in plain words:
// the configuration, the database, its migrations, the clocks and time zone, and the port.
import { createServer } from 'node:net';
import { DateTime } from 'luxon';
import { type Config, ConfigError, maskUrlPassword } from '../config.js';
import { closeDatabase, migrationStatus, openDatabase } from '../store/db.js';

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
        resolve({ name: 'port', status: 'fail', detail: `cannot listen on ${where}: ${err.message}`, fix: 'check ICLOCKD_HOST names an address of this machine' });
      }
    });
    server.listen(config.port, config.host, () => server.close(() => resolve({ name: 'port', status: 'ok', detail: `${config.host}:${config.port} is free` })));
  });
}

export async function runChecks(loadConfig: () => Config, now: () => Date = () => new Date()): Promise<Check[]> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return [{ name: 'config', status: 'fail', detail: err.message, fix: 'correct that setting (README, Configuration)' }];
  }
  const checks: Check[] = [
    { name: 'config', status: 'ok', detail: `database ${maskUrlPassword(config.databaseUrl)}, port ${config.port}` },
    {
      name: 'time zone',
      status: 'ok',
      detail: `${config.timeZone} for terminals without their own; now ${DateTime.fromJSDate(now(), { zone: config.timeZone }).toFormat('yyyy-MM-dd HH:mm ZZ')} there`,
    },
  ];

  const mysql = config.databaseUrl.startsWith('mysql:');
  let db: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    db = await openDatabase(config.databaseUrl, { acquireSeconds: Math.min(5, config.dbAcquireTimeoutSeconds), statementSeconds: config.dbStatementTimeoutSeconds });
    const version = mysql
      ? ((await db.knex.raw('SELECT VERSION() AS v')) as [{ v: string }[]])[0][0]!.v
      : `SQLite ${((await db.knex.raw('SELECT sqlite_version() AS v')) as { v: string }[])[0]!.v}`;
    checks.push({ name: 'database', status: 'ok', detail: `${db.safeUrl} answers (${version})` });

    const status = await migrationStatus(db);
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

    if (mysql) {
      const rows = ((await db.knex.raw("SELECT DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H:%i:%sZ') AS t")) as [{ t: string }[]])[0];
      const skew = Math.round((now().getTime() - Date.parse(rows[0]!.t)) / 1000);
      const detail = `this host is ${Math.abs(skew)} s ${skew >= 0 ? 'ahead of' : 'behind'} the database server`;
      const fix = 'keep both clocks in sync with NTP (chrony, systemd-timesyncd)';
      checks.push(
        Math.abs(skew) > CLOCK_FAIL_SECONDS
          ? { name: 'clock', status: 'fail', detail, fix }
          : Math.abs(skew) > CLOCK_WARN_SECONDS
            ? { name: 'clock', status: 'warn', detail, fix }
            : { name: 'clock', status: 'ok', detail },
      );
    } else {
      checks.push({ name: 'clock', status: 'ok', detail: 'the embedded database uses this host\'s clock' });
    }
  } catch (err) {
    checks.push({
      name: 'database',
      status: 'fail',
      detail: `${maskUrlPassword(config.databaseUrl)}: ${(err as Error).message}`,
      fix: mysql
        ? 'check DATABASE_URL, that the server runs and accepts this user from this host, and that the database exists or the user may create it'
        : 'check that the directory of the SQLite file exists or can be created, and is writable',
    });
  } finally {
    if (db) await closeDatabase(db);
  }

  checks.push(await portCheck(config));
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
