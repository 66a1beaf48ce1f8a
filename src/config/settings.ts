// Every setting, declared once: its variable, its rule, its default and its documentation.
// Config parsing (config.ts), `iclockd serve --help` and docs/operator/settings.md
// (settingsDoc.ts, `npm run docs:settings`) are all made from SETTINGS. A config file's key
// for a setting is its key here.
import { z } from 'zod';
import { isCidr } from '../limits.js';
import { isKnownZone } from '../pipeline/time.js';
import { hostTimeZone } from './hostTimeZone.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_DATABASE_URL = 'sqlite:./data/iclockd.sqlite';

/** The rules the settings share, with the words every error uses. */
const number = () => z.coerce.number({ message: 'must be a number' });
const wholeNumber = () => number().int('must be a whole number');
const portNumber = () => wholeNumber().min(0, 'must be between 0 and 65535').max(65535, 'must be between 0 and 65535');
/** `10.0.0.0/8, 192.168.1.20, fd00::/8` (a file may give a JSON array). */
const addressList = () =>
  z
    .union([z.string().transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean)), z.array(z.string())])
    .refine((list) => list.every(isCidr), { message: 'must be a comma-separated list of addresses or CIDR blocks, such as 10.0.0.0/8, 192.168.1.20' });
const atLeast = (min: number) => wholeNumber().min(min, `must be ${min} or more`);
const notNegative = () => number().min(0, 'must be 0 or more');
const flag = () =>
  z
    .preprocess((v) => (typeof v === 'boolean' ? String(v) : v), z.enum(['1', '0', 'true', 'false', 'yes', 'no'], { message: 'must be 1 or 0' }))
    .transform((v) => v === '1' || v === 'true' || v === 'yes');
/** A name of a row of a 140-character column (a shift type, a holiday list). */
const recordName = (what: string) => z.string().trim().min(1, `must name ${what}`).max(140, 'must be at most 140 characters');

export interface SettingDeclaration<Schema extends z.ZodType, Value> {
  /** The environment variable; a config file may use it or the setting's key. */
  env: string;
  /** What a value (a string from the environment, or any JSON value from the file) must be, and what it becomes. */
  schema: Schema;
  /** The value when the setting is not given; a function when it depends on the host. */
  default: Value | (() => Value);
  /** The default as the documentation words it, where the value alone would not say it. */
  shownDefault?: string;
  /** A valid value other than the default, as the variable would hold it: the tests set each setting to it. */
  example: string;
  /** One paragraph of Markdown for the operator: what the setting does and what its values mean. */
  doc: string;
}

/** Declares a setting with a default, of the type its schema makes. */
function setting<Schema extends z.ZodType>(declaration: SettingDeclaration<Schema, z.output<Schema>>): SettingDeclaration<Schema, z.output<Schema>> {
  return declaration;
}

/** Declares a setting that is null when not given. */
function optionalSetting<Schema extends z.ZodType>(
  declaration: Omit<SettingDeclaration<Schema, z.output<Schema>>, 'default'>,
): SettingDeclaration<Schema, z.output<Schema> | null> {
  return { ...declaration, default: null };
}

export const SETTINGS = {
  host: setting({
    env: 'ICLOCKD_HOST',
    schema: z.string().min(1, 'must not be empty'),
    default: '0.0.0.0',
    example: '127.0.0.1',
    doc: 'address to listen on',
  }),
  port: setting({
    env: 'ICLOCKD_PORT',
    schema: portNumber(),
    default: 8081,
    example: '9000',
    doc: 'TCP port; 8081 is the port ZKTeco terminals use for ADMS by default. `0` picks a free port.',
  }),
  databaseUrl: setting({
    env: 'DATABASE_URL',
    schema: z.string().refine((v) => /^sqlite:.+/.test(v) || /^mysql:\/\/[^/]+\/[^/?]+/.test(v), {
      message: 'must be mysql://user:pass@host:3306/db or sqlite:<path>',
    }),
    default: DEFAULT_DATABASE_URL,
    example: 'mysql://iclockd:secret@db:3306/iclockd',
    doc: '`mysql://user:pass@host:3306/db` or `sqlite:<path>` (relative to the working directory)',
  }),
  timeZone: setting({
    env: 'ICLOCKD_TZ',
    schema: z.string().refine((v) => isKnownZone(v), { message: 'must be an IANA time zone name such as Asia/Riyadh or UTC' }),
    default: hostTimeZone,
    shownDefault: "the host's zone",
    example: 'Pacific/Chatham',
    doc: 'IANA zone (e.g. `Asia/Riyadh`) for devices that have none of their own; terminals send local wall time',
  }),
  logLevel: setting({
    env: 'ICLOCKD_LOG_LEVEL',
    schema: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }),
    default: 'info',
    example: 'debug',
    doc: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`',
  }),
  shutdownGraceSeconds: setting({
    env: 'ICLOCKD_SHUTDOWN_GRACE_SECONDS',
    schema: atLeast(0),
    default: 10,
    example: '3',
    doc: 'on SIGINT/SIGTERM, how long in-flight requests may take to finish',
  }),
  requestTimeoutSeconds: setting({
    env: 'ICLOCKD_REQUEST_TIMEOUT_SECONDS',
    schema: atLeast(1),
    default: 60,
    example: '30',
    doc: 'a client must send its whole request within this (its headers within 20 s); a slower one gets `408` and is disconnected',
  }),
  tlsCert: optionalSetting({
    env: 'ICLOCKD_TLS_CERT',
    schema: z.string().min(1, 'must name a PEM file'),
    example: '/etc/iclockd/cert.pem',
    doc: 'PEM certificate (chain) file; with `ICLOCKD_TLS_KEY`, `ICLOCKD_PORT` speaks HTTPS',
  }),
  tlsKey: optionalSetting({
    env: 'ICLOCKD_TLS_KEY',
    schema: z.string().min(1, 'must name a PEM file'),
    example: '/etc/iclockd/key.pem',
    doc: 'its PEM private key',
  }),
  httpPort: optionalSetting({
    env: 'ICLOCKD_HTTP_PORT',
    schema: portNumber(),
    example: '8082',
    doc: 'with TLS on: a plain-HTTP port for terminals that cannot do HTTPS; it serves `/iclock/…` and `/healthz`, `/readyz`, `/metrics` only (the keyed API answers `403`: keys never travel in clear)',
  }),
  apiAllow: setting({
    env: 'ICLOCKD_API_ALLOW',
    schema: addressList(),
    default: [],
    shownDefault: 'everyone',
    example: '10.0.0.0/8, 192.168.1.20',
    doc: 'comma-separated addresses or CIDR blocks (IPv4, IPv6) that may use the JSON API (`/api/…`); others get `403 permission_error`',
  }),
  deviceAllow: setting({
    env: 'ICLOCKD_DEVICE_ALLOW',
    schema: addressList(),
    default: [],
    shownDefault: 'everyone',
    example: 'fd00::/8',
    doc: 'the same for the terminal endpoints (`/iclock/…`); others get a `403` text reply and are not registered',
  }),
  trustProxy: setting({
    env: 'ICLOCKD_TRUST_PROXY',
    schema: flag(),
    default: false,
    example: '1',
    doc: '`1`: the client address is the one `X-Forwarded-For` names (only behind a proxy that sets it, or anyone can claim any address)',
  }),
  apiRatePerAddress: setting({
    env: 'ICLOCKD_API_RATE_PER_ADDRESS',
    schema: notNegative(),
    default: 0,
    shownDefault: '`0` (off)',
    example: '5',
    doc: 'JSON API requests per second per client address, bursts of twice that; beyond, `429 rate_limited` with `Retry-After` (checked before the key, so a flood costs no hashing)',
  }),
  apiRatePerKey: setting({
    env: 'ICLOCKD_API_RATE_PER_KEY',
    schema: notNegative(),
    default: 0,
    shownDefault: '`0` (off)',
    example: '2.5',
    doc: 'the same per API key',
  }),
  deviceRate: setting({
    env: 'ICLOCKD_DEVICE_RATE',
    schema: notNegative(),
    default: 20,
    example: '0',
    doc: 'requests per second one terminal may make (bursts of 40); beyond, a poll gets a plain `OK` and anything else `503` with `Retry-After`, without touching the database, so a terminal stuck in a loop cannot flood it. `0`: no cap',
  }),
  maxBodyBytes: setting({
    env: 'ICLOCKD_MAX_BODY_BYTES',
    schema: wholeNumber().min(1024, 'must be at least 1024'),
    default: 4 * 1024 * 1024,
    example: '2048',
    doc: 'largest request body (uploads and bulk punches; other endpoints have smaller bounds, see Security); a larger one gets `413`',
  }),
  futureWindowHours: setting({
    env: 'ICLOCKD_FUTURE_WINDOW_HOURS',
    schema: notNegative(),
    default: 24,
    example: '2',
    doc: 'a punch further ahead than this is held as `suspect_time`',
  }),
  timeFloor: setting({
    env: 'ICLOCKD_TIME_FLOOR',
    schema: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
      .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), { message: 'must be a real date' }),
    default: '2010-01-01',
    example: '2020-01-01',
    doc: 'a punch before this date (a terminal whose clock reset) is held as `suspect_time`',
  }),
  dbAcquireTimeoutSeconds: setting({
    env: 'ICLOCKD_DB_ACQUIRE_TIMEOUT_SECONDS',
    schema: atLeast(1),
    default: 10,
    example: '3',
    doc: 'how long a request may wait for a database connection (or for the database to answer a new one) before it gets `503` (terminals: a non-`OK` reply, so they keep their data)',
  }),
  dbStatementTimeoutSeconds: setting({
    env: 'ICLOCKD_DB_STATEMENT_TIMEOUT_SECONDS',
    schema: atLeast(1),
    default: 60,
    example: '20',
    doc: 'the longest one statement, or a row lock it waits for, may take (MySQL/MariaDB); a link that goes silent fails 5 s later. Migrations are exempt',
  }),
  devicePolicy: optionalSetting({
    env: 'ICLOCKD_DEVICE_POLICY',
    schema: z.enum(['approve', 'pending'], { message: 'must be approve or pending' }),
    // Unset, the policy follows the keys: `pending` once any admin API key exists, else `approve`.
    shownDefault: '`pending` once an admin key exists, else `approve`',
    example: 'pending',
    doc: 'what a new terminal is: `approve`d at first contact, or `pending` (uploads held until approved)',
  }),
  pendingMaxUploads: setting({
    env: 'ICLOCKD_PENDING_MAX_UPLOADS',
    schema: atLeast(1),
    default: 1000,
    example: '50',
    doc: 'uploads a pending terminal may have held; beyond, its uploads get `503` and stay on the terminal until it is approved (nothing held is dropped)',
  }),
  pendingMaxBytes: setting({
    env: 'ICLOCKD_PENDING_MAX_BYTES',
    schema: atLeast(1),
    default: 8 * 1024 * 1024,
    example: '1048576',
    doc: 'the same in bytes (8 MiB: a full terminal\'s log)',
  }),
  pendingMaxDays: setting({
    env: 'ICLOCKD_PENDING_MAX_DAYS',
    schema: atLeast(1),
    default: 14,
    example: '7',
    doc: 'days a terminal may wait for approval and still have uploads held; after, they get `503` until it is approved',
  }),
  pendingMaxDevices: setting({
    env: 'ICLOCKD_PENDING_MAX_DEVICES',
    schema: atLeast(1),
    default: 100,
    example: '20',
    doc: 'terminals that may await approval at once; a new serial beyond is answered `503` and not registered until some are approved or blocked',
  }),
  newDevicesPerHour: setting({
    env: 'ICLOCKD_NEW_DEVICES_PER_HOUR',
    schema: atLeast(0),
    default: 120,
    example: '10',
    doc: 'new serial numbers one client address may introduce per hour (all at once or spread out); beyond, `429` and nothing registered. Known terminals are never limited by it. `0`: no limit',
  }),
  storeTemplates: setting({
    env: 'ICLOCKD_STORE_TEMPLATES',
    schema: flag(),
    default: false,
    example: '1',
    doc: '`1` keeps the fingerprint/face/palm templates terminals upload (biometric data; never logged). Off, they are only archived',
  }),
  syncLogDays: setting({
    env: 'ICLOCKD_SYNC_LOG_DAYS',
    schema: atLeast(1),
    default: 90,
    example: '400',
    doc: 'days the sync log keeps its rows (pruned every hour, 5,000 rows per statement, like the archive)',
  }),
  archiveDays: setting({
    env: 'ICLOCKD_ARCHIVE_DAYS',
    schema: atLeast(1),
    default: 30,
    example: '90',
    doc: 'days the request archive keeps device uploads (held uploads of pending devices are kept until approval)',
  }),
  clockDriftSeconds: setting({
    env: 'ICLOCKD_CLOCK_DRIFT_SECONDS',
    schema: atLeast(1),
    default: 300,
    example: '60',
    doc: 'a terminal whose clock is measured further off than this is reported as having a wrong clock (see *Terminal clocks*)',
  }),
  zkConnectTimeoutSeconds: setting({
    env: 'ICLOCKD_ZK_CONNECT_TIMEOUT_SECONDS',
    schema: atLeast(1),
    default: 5,
    example: '10',
    doc: 'seconds the poller waits for a terminal read over TCP 4370 to accept the connection (see *Terminals without ADMS*)',
  }),
  zkReplyTimeoutSeconds: setting({
    env: 'ICLOCKD_ZK_REPLY_TIMEOUT_SECONDS',
    schema: atLeast(1),
    default: 10,
    example: '30',
    doc: 'seconds the poller waits for each reply packet of such a terminal; past it the poll fails and nothing it read is stored',
  }),
  zkPollsAtOnce: setting({
    env: 'ICLOCKD_ZK_POLLS_AT_ONCE',
    schema: atLeast(1),
    default: 4,
    example: '8',
    doc: 'terminals one instance reads over TCP 4370 at the same time (others wait their turn; several instances share the terminals, one reading each at a time)',
  }),
  holdClockOffSeconds: setting({
    env: 'ICLOCKD_HOLD_CLOCK_OFF_SECONDS',
    schema: atLeast(0),
    default: 900,
    example: '0',
    doc: 'a terminal whose clock is measured further off than this has its new punches held as `suspect_time` (stored; no check-in, nothing forwarded) until a punch shows its clock right again. `0`: never held, only reported',
  }),
  ingestConcurrency: setting({
    env: 'ICLOCKD_INGEST_CONCURRENCY',
    schema: atLeast(1),
    default: 64,
    example: '4',
    doc: 'requests that store punches at once (concurrent ones share one transaction: group commit)',
  }),
  ingestQueue: setting({
    env: 'ICLOCKD_INGEST_QUEUE',
    schema: atLeast(0),
    default: 200,
    example: '10',
    doc: 'requests that may wait for that; beyond, `503` at once (devices keep their data and retry)',
  }),
  reconcileAt: setting({
    env: 'ICLOCKD_RECONCILE_AT',
    schema: z
      .string()
      .regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, 'must be HH:MM or off')
      .transform((v) => (v === 'off' ? null : v)),
    default: '03:00',
    example: 'off',
    doc: 'local time (`ICLOCKD_TZ`) of the nightly reconciliation of yesterday, or `off`; it runs once a day for the whole deployment (the instance that claims the day in `daily_jobs` queues it; restarts and other instances do not)',
  }),
  defaultShift: optionalSetting({
    env: 'ICLOCKD_DEFAULT_SHIFT',
    schema: recordName('a shift type'),
    example: 'General',
    doc: 'shift type for employees with no assignment and no default shift',
  }),
  allowMultipleShiftAssignments: setting({
    env: 'ICLOCKD_ALLOW_MULTIPLE_SHIFT_ASSIGNMENTS',
    schema: flag(),
    default: false,
    example: 'yes',
    doc: 'HRMS\'s "Allow Multiple Shift Assignments for Same Date": an employee may have several shifts a day, whose hours must not overlap',
  }),
  finalizeMaxWaitHours: setting({
    env: 'ICLOCKD_FINALIZE_MAX_WAIT_HOURS',
    schema: notNegative(),
    default: 24,
    example: '6',
    doc: 'hours after a shift closes to finalize its attendance even if a terminal feeding the employee was not heard from',
  }),
  absentLookbackDays: setting({
    env: 'ICLOCKD_ABSENT_LOOKBACK_DAYS',
    schema: atLeast(0).max(366, 'must be at most 366'),
    default: 7,
    example: '3',
    doc: "how far back Absent marking goes, in days before today (0–366): on the first pass after a start, and for an employee created or changed since the last pass; never before an employee's `date_of_joining` (else the day they were created). HRMS's `process_attendance_after` in its place",
  }),
  defaultHolidayList: optionalSetting({
    env: 'ICLOCKD_DEFAULT_HOLIDAY_LIST',
    schema: recordName('a holiday list'),
    example: 'Company 2025',
    doc: "holiday list for employees whose shift and own record name none (HRMS: the company's *Default Holiday List*)",
  }),
  outboxWorker: setting({
    env: 'ICLOCKD_OUTBOX_WORKER',
    schema: flag(),
    default: true,
    example: '0',
    doc: '`0`: this `serve` process stores check-ins but does not forward them (another process does)',
  }),
  outboxConcurrency: setting({
    env: 'ICLOCKD_OUTBOX_CONCURRENCY',
    schema: atLeast(1).max(256, 'must be at most 256'),
    default: 4,
    example: '2',
    doc: 'forwarding requests one process has in flight at once',
  }),
  outboxPollMs: setting({
    env: 'ICLOCKD_OUTBOX_POLL_MS',
    schema: atLeast(1),
    default: 1000,
    example: '250',
    doc: 'how often an idle worker looks at the outbox',
  }),
  outboxTimeoutMs: setting({
    env: 'ICLOCKD_OUTBOX_TIMEOUT_MS',
    schema: atLeast(1),
    default: 10_000,
    example: '3000',
    doc: 'a forwarding request without an answer by then is a timeout: the check-in is looked up at the target before it is sent again',
  }),
  outboxSettleMs: setting({
    env: 'ICLOCKD_OUTBOX_SETTLE_MS',
    schema: atLeast(0),
    default: 150_000,
    example: '45000',
    doc: "how long a request iclockd stopped waiting for may still be running at the target; set it above ERPNext's own request timeout (gunicorn's `timeout`, 120 s in bench). A check-in the target does not hold is sent again only after this",
  }),
  outboxBackoffMs: setting({
    env: 'ICLOCKD_OUTBOX_BACKOFF_MS',
    schema: atLeast(1),
    default: 5000,
    example: '100',
    doc: 'first retry delay; it doubles with each try, with jitter (half fixed, half random)',
  }),
  outboxBackoffMaxMs: setting({
    env: 'ICLOCKD_OUTBOX_BACKOFF_MAX_MS',
    schema: atLeast(1),
    default: 3_600_000,
    example: '60000',
    doc: "longest retry delay (a target's `Retry-After` is honoured when longer)",
  }),
  outboxMaxTries: setting({
    env: 'ICLOCKD_OUTBOX_MAX_TRIES',
    schema: atLeast(1),
    default: 30,
    example: '5',
    doc: 'a row that keeps failing is `dead` after this many tries …',
  }),
  outboxMaxAgeHours: setting({
    env: 'ICLOCKD_OUTBOX_MAX_AGE_HOURS',
    schema: notNegative(),
    default: 72,
    example: '12',
    doc: '… or once it is this old, whichever comes first',
  }),
};

/** The variable naming the config file: not a setting itself, so it has no file key and no schema. */
export const CONFIG_FILE_VARIABLE = {
  env: 'ICLOCKD_CONFIG',
  doc: 'path of the JSON config file (or `iclockd --config FILE`)',
} as const;

export type SettingKey = keyof typeof SETTINGS;

/** A setting's value: its default's type (the schema's, or null for an optional setting). */
type SettingValue<Declaration> = Declaration extends { default: infer Default } ? (Default extends () => infer Made ? Made : Default) : never;

/** The settings as the program reads them. */
export type Config = { [Key in SettingKey]: SettingValue<(typeof SETTINGS)[Key]> };

/** Each setting's key and declaration, in declaration order. */
export function settingEntries(): [SettingKey, SettingDeclaration<z.ZodType, unknown>][] {
  return Object.entries(SETTINGS) as [SettingKey, SettingDeclaration<z.ZodType, unknown>][];
}

/** A setting's default value; a fresh copy, so no config shares a list with another. */
export function settingDefault<Key extends SettingKey>(key: Key): Config[Key] {
  const declared: unknown = SETTINGS[key].default;
  return structuredClone(typeof declared === 'function' ? declared() : declared) as Config[Key];
}
