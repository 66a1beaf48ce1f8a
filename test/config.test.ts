import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, DEFAULT_DATABASE_URL, hostTimeZone, loadConfig, maskUrlPassword } from '../src/config.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function configFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'iclockd-config-'));
  dirs.push(dir);
  const path = join(dir, 'config.json');
  writeFileSync(path, content);
  return path;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  test('defaults: port 8081, SQLite under ./data, host time zone, info logs', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8081);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.databaseUrl, DEFAULT_DATABASE_URL);
    assert.equal(c.databaseUrl, 'sqlite:./data/iclockd.sqlite');
    assert.equal(c.timeZone, hostTimeZone());
    assert.equal(c.logLevel, 'info');
    assert.equal(c.maxBodyBytes, 4 * 1024 * 1024);
  });

  test('environment variables set every key', () => {
    const c = loadConfig({
      ICLOCKD_PORT: '9000',
      ICLOCKD_HOST: '127.0.0.1',
      DATABASE_URL: 'mysql://u:p@db:3306/att',
      ICLOCKD_TZ: 'Asia/Kolkata',
      ICLOCKD_LOG_LEVEL: 'debug',
      ICLOCKD_SHUTDOWN_GRACE_SECONDS: '3',
      ICLOCKD_REQUEST_TIMEOUT_SECONDS: '30',
      ICLOCKD_TLS_CERT: '/etc/iclockd/cert.pem',
      ICLOCKD_TLS_KEY: '/etc/iclockd/key.pem',
      ICLOCKD_HTTP_PORT: '8082',
      ICLOCKD_API_ALLOW: '10.0.0.0/8, 192.168.1.20',
      ICLOCKD_DEVICE_ALLOW: 'fd00::/8',
      ICLOCKD_TRUST_PROXY: '1',
      ICLOCKD_API_RATE_PER_ADDRESS: '5',
      ICLOCKD_API_RATE_PER_KEY: '2.5',
      ICLOCKD_DEVICE_RATE: '0',
      ICLOCKD_MAX_BODY_BYTES: '2048',
      ICLOCKD_FUTURE_WINDOW_HOURS: '2',
      ICLOCKD_TIME_FLOOR: '2020-01-01',
      ICLOCKD_DEVICE_POLICY: 'pending',
      ICLOCKD_PENDING_MAX_UPLOADS: '50',
      ICLOCKD_PENDING_MAX_BYTES: '1048576',
      ICLOCKD_PENDING_MAX_DAYS: '7',
      ICLOCKD_PENDING_MAX_DEVICES: '20',
      ICLOCKD_NEW_DEVICES_PER_HOUR: '10',
      ICLOCKD_STORE_TEMPLATES: '1',
      ICLOCKD_ARCHIVE_DAYS: '90',
      ICLOCKD_SYNC_LOG_DAYS: '400',
      ICLOCKD_CLOCK_DRIFT_SECONDS: '60',
      ICLOCKD_ZK_CONNECT_TIMEOUT_SECONDS: '7',
      ICLOCKD_ZK_REPLY_TIMEOUT_SECONDS: '20',
      ICLOCKD_ZK_POLLS_AT_ONCE: '8',
      ICLOCKD_HOLD_CLOCK_OFF_SECONDS: '0',
      ICLOCKD_DB_ACQUIRE_TIMEOUT_SECONDS: '3',
      ICLOCKD_DB_STATEMENT_TIMEOUT_SECONDS: '20',
      ICLOCKD_INGEST_CONCURRENCY: '4',
      ICLOCKD_INGEST_QUEUE: '10',
      ICLOCKD_RECONCILE_AT: 'off',
      ICLOCKD_DEFAULT_SHIFT: 'General',
      ICLOCKD_ALLOW_MULTIPLE_SHIFT_ASSIGNMENTS: 'yes',
      ICLOCKD_FINALIZE_MAX_WAIT_HOURS: '6',
      ICLOCKD_ABSENT_LOOKBACK_DAYS: '3',
      ICLOCKD_DEFAULT_HOLIDAY_LIST: 'Company 2025',
      ICLOCKD_OUTBOX_WORKER: '0',
      ICLOCKD_OUTBOX_CONCURRENCY: '2',
      ICLOCKD_OUTBOX_POLL_MS: '250',
      ICLOCKD_OUTBOX_TIMEOUT_MS: '3000',
      ICLOCKD_OUTBOX_SETTLE_MS: '45000',
      ICLOCKD_OUTBOX_BACKOFF_MS: '100',
      ICLOCKD_OUTBOX_BACKOFF_MAX_MS: '60000',
      ICLOCKD_OUTBOX_MAX_TRIES: '5',
      ICLOCKD_OUTBOX_MAX_AGE_HOURS: '12',
    });
    assert.deepEqual(c, {
      port: 9000,
      host: '127.0.0.1',
      databaseUrl: 'mysql://u:p@db:3306/att',
      timeZone: 'Asia/Kolkata',
      logLevel: 'debug',
      shutdownGraceSeconds: 3,
      requestTimeoutSeconds: 30,
      tlsCert: '/etc/iclockd/cert.pem',
      tlsKey: '/etc/iclockd/key.pem',
      httpPort: 8082,
      apiAllow: ['10.0.0.0/8', '192.168.1.20'],
      deviceAllow: ['fd00::/8'],
      trustProxy: true,
      apiRatePerAddress: 5,
      apiRatePerKey: 2.5,
      deviceRate: 0,
      maxBodyBytes: 2048,
      futureWindowHours: 2,
      timeFloor: '2020-01-01',
      devicePolicy: 'pending',
      pendingMaxUploads: 50,
      pendingMaxBytes: 1048576,
      pendingMaxDays: 7,
      pendingMaxDevices: 20,
      newDevicesPerHour: 10,
      storeTemplates: true,
      archiveDays: 90,
      syncLogDays: 400,
      clockDriftSeconds: 60,
      zkConnectTimeoutSeconds: 7,
      zkReplyTimeoutSeconds: 20,
      zkPollsAtOnce: 8,
      holdClockOffSeconds: 0,
      dbAcquireTimeoutSeconds: 3,
      dbStatementTimeoutSeconds: 20,
      ingestConcurrency: 4,
      ingestQueue: 10,
      reconcileAt: null,
      defaultShift: 'General',
      allowMultipleShiftAssignments: true,
      finalizeMaxWaitHours: 6,
      absentLookbackDays: 3,
      defaultHolidayList: 'Company 2025',
      outboxWorker: false,
      outboxConcurrency: 2,
      outboxPollMs: 250,
      outboxTimeoutMs: 3000,
      outboxSettleMs: 45000,
      outboxBackoffMs: 100,
      outboxBackoffMaxMs: 60000,
      outboxMaxTries: 5,
      outboxMaxAgeHours: 12,
    });
  });

  test('a config file, by key or variable name; the environment wins over it', () => {
    const path = configFile(JSON.stringify({ port: 7000, ICLOCKD_TZ: 'Europe/Berlin', logLevel: 'warn' }));
    const c = loadConfig({ ICLOCKD_CONFIG: path, ICLOCKD_LOG_LEVEL: 'error' });
    assert.equal(c.port, 7000);
    assert.equal(c.timeZone, 'Europe/Berlin');
    assert.equal(c.logLevel, 'error');
  });

  test('an empty variable counts as unset', () => {
    assert.equal(loadConfig({ ICLOCKD_PORT: '' }).port, 8081);
  });

  const invalid: [Record<string, string>, RegExp][] = [
    [{ ICLOCKD_PORT: 'eighty' }, /^ICLOCKD_PORT must be a number \(got "eighty"\)$/],
    [{ ICLOCKD_PORT: '70000' }, /^ICLOCKD_PORT must be between 0 and 65535/],
    [{ ICLOCKD_PORT: '80.5' }, /^ICLOCKD_PORT must be a whole number/],
    [{ ICLOCKD_TZ: 'Mars/Olympus' }, /^ICLOCKD_TZ must be an IANA time zone name/],
    [{ ICLOCKD_API_ALLOW: '10.0.0.0/33' }, /^ICLOCKD_API_ALLOW must be a comma-separated list of addresses or CIDR blocks/],
    [{ ICLOCKD_DEVICE_ALLOW: 'office-lan' }, /^ICLOCKD_DEVICE_ALLOW must be a comma-separated list/],
    [{ DATABASE_URL: 'postgres://x/y' }, /^DATABASE_URL must be mysql:\/\/user:pass@host:3306\/db or sqlite:<path>/],
    [{ DATABASE_URL: 'mysql://host-without-db' }, /^DATABASE_URL must be/],
    [{ ICLOCKD_LOG_LEVEL: 'loud' }, /^ICLOCKD_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
    [{ ICLOCKD_MAX_BODY_BYTES: '10' }, /^ICLOCKD_MAX_BODY_BYTES must be at least 1024/],
    [{ ICLOCKD_TIME_FLOOR: '2000-13-01' }, /^ICLOCKD_TIME_FLOOR must be a real date/],
    [{ ICLOCKD_STORE_TEMPLATES: 'perhaps' }, /^ICLOCKD_STORE_TEMPLATES must be 1 or 0/],
    [{ ICLOCKD_DEVICE_POLICY: 'maybe' }, /^ICLOCKD_DEVICE_POLICY must be approve or pending/],
    [{ ICLOCKD_TIME_FLOOR: 'yesterday' }, /^ICLOCKD_TIME_FLOOR must be a date YYYY-MM-DD/],
    [{ ICLOCKD_DEFAULT_HOLIDAY_LIST: '   ' }, /^ICLOCKD_DEFAULT_HOLIDAY_LIST must name a holiday list/],
    [{ ICLOCKD_DEFAULT_HOLIDAY_LIST: 'h'.repeat(141) }, /^ICLOCKD_DEFAULT_HOLIDAY_LIST must be at most 140 characters/],
  ];
  for (const [env, message] of invalid) {
    test(`invalid ${Object.keys(env)[0]}=${Object.values(env)[0]} fails with one line naming it`, () => {
      const err = errorOf(() => loadConfig(env));
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'));
    });
  }

  test('an invalid value in the file names the variable and the file', () => {
    const path = configFile(JSON.stringify({ port: 'x' }));
    assert.match(errorOf(() => loadConfig({ ICLOCKD_CONFIG: path })).message, new RegExp(`^ICLOCKD_PORT \\(from ${path}\\) must be a number`));
  });

  test('a missing or broken config file is one clear error', () => {
    assert.match(errorOf(() => loadConfig({ ICLOCKD_CONFIG: '/nonexistent/iclockd.json' })).message, /^ICLOCKD_CONFIG names \/nonexistent\/iclockd.json, which cannot be read/);
    assert.match(errorOf(() => loadConfig({ ICLOCKD_CONFIG: configFile('{port: 1') })).message, /is not valid JSON/);
    assert.match(errorOf(() => loadConfig({ ICLOCKD_CONFIG: configFile('[1]') })).message, /must hold a JSON object/);
  });

  test('database passwords are masked for display', () => {
    assert.equal(maskUrlPassword('mysql://root:s3cret@db:3306/x'), 'mysql://root:***@db:3306/x');
    assert.equal(maskUrlPassword('mysql://root@db:3306/x'), 'mysql://root@db:3306/x');
    assert.equal(maskUrlPassword('sqlite:./data/x.sqlite'), 'sqlite:./data/x.sqlite');
  });
});
