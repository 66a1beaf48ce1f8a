// One typed, validated config object, read from the environment and an optional JSON file.
// Environment variables win over the file, so a deployment can override one value.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IANAZone } from 'luxon';
import { isCidr } from './limits.js';
import { isKnownZone } from './pipeline/time.js';
import { DEFAULT_DATABASE_TIMEOUTS, type DatabaseTimeouts } from './store/db.js';
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  host: string;
  port: number;
  /** `mysql://…` or `sqlite:<path>`, as given. */
  databaseUrl: string;
  /** Default IANA time zone for devices that have none of their own. */
  timeZone: string;
  logLevel: LogLevel;
  /** Seconds to let in-flight requests finish after SIGINT/SIGTERM. */
  shutdownGraceSeconds: number;
  /** Addresses (CIDR) that may use the JSON API; empty: all. */
  apiAllow: string[];
  /** Addresses (CIDR) that may reach /iclock/*; empty: all. */
  deviceAllow: string[];
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: boolean;
  /** JSON API requests per second per client address (bursts of twice that); 0: no limit. */
  apiRatePerAddress: number;
  /** JSON API requests per second per API key (bursts of twice that); 0: no limit. */
  apiRatePerKey: number;
  /** Requests per second one terminal may make (bursts of twice that); beyond, it is told to come back later. 0: no cap. */
  deviceRate: number;
  /** PEM certificate (chain) file: with tlsKey, ICLOCKD_PORT speaks HTTPS. */
  tlsCert: string | null;
  tlsKey: string | null;
  /** With TLS on: a plain-HTTP port for terminals that cannot do HTTPS (device endpoints and health only); null: none. */
  httpPort: number | null;
  /** Seconds a client may take to send a whole request (headers: at most 20 of them); slower ones get 408. */
  requestTimeoutSeconds: number;
  /** Largest request body accepted; more gets 413. */
  maxBodyBytes: number;
  /** A punch more than this many hours in the future is held as suspect_time. */
  futureWindowHours: number;
  /** A punch before this date (YYYY-MM-DD, UTC) is held as suspect_time: a reset device clock. */
  timeFloor: string;
  /**
   * New terminals: `approve` takes them at first contact, `pending` holds their uploads until
   * an admin approves. Unset: `pending` once any admin API key exists, else `approve`.
   */
  devicePolicy: 'approve' | 'pending' | null;
  /** Uploads a terminal awaiting approval may have held; more are refused (it keeps them) until it is approved. */
  pendingMaxUploads: number;
  /** Bytes of uploads a terminal awaiting approval may have held. */
  pendingMaxBytes: number;
  /** Days a terminal awaiting approval keeps being held for; after, its uploads are refused until it is approved. */
  pendingMaxDays: number;
  /** Terminals that may await approval at once; a new one beyond is refused until some are approved or blocked. */
  pendingMaxDevices: number;
  /** New serial numbers one address may introduce per hour, all at once or spread out; 0: no limit. */
  newDevicesPerHour: number;
  /** Keep biometric templates devices upload (off: they are counted and archived only). */
  storeTemplates: boolean;
  /** Days the request archive keeps device uploads. */
  archiveDays: number;
  /** Days the sync log keeps its rows. */
  syncLogDays: number;
  /** A device whose real-time punches arrive further than this from their stated time is flagged. */
  clockDriftSeconds: number;
  /**
   * A terminal whose clock was last measured further off than this has its punches held as
   * suspect_time (stored, not turned into check-ins) until a real-time punch shows it right; 0: off.
   */
  holdClockOffSeconds: number;
  /** Seconds a request may wait for a database connection (or for one to be made) before 503. */
  dbAcquireTimeoutSeconds: number;
  /** Seconds one statement (and a row lock it waits for) may take before it fails. */
  dbStatementTimeoutSeconds: number;
  /** Requests that may store punches at once; more wait. */
  ingestConcurrency: number;
  /** Requests that may wait; more are refused with 503 at once. */
  ingestQueue: number;
  /** Local time (HH:MM, ICLOCKD_TZ) of the nightly reconciliation; null = off. */
  reconcileAt: string | null;
  /** Shift type for employees with no assignment and no default shift of their own. */
  defaultShift: string | null;
  /** As HRMS's HR Settings "Allow Multiple Shift Assignments for Same Date": several shifts a day, none overlapping in time. */
  allowMultipleShiftAssignments: boolean;
  /** Hours after a shift's window closes to finalize its attendance even if a feeding device was not heard from. */
  finalizeMaxWaitHours: number;
  /**
   * How far back Absent marking goes on the first pass after a start (and for an employee
   * created or changed since the last pass), in days before today; never before an employee's
   * date_of_joining (else the day they were created).
   */
  absentLookbackDays: number;
  /** Holidays of an employee whose shift and own record name no list (HRMS: the company's default holiday list). */
  defaultHolidayList: string | null;
  /** Run the outbox delivery worker in `serve` (off: this process only stores, others deliver). */
  outboxWorker: boolean;
  /** Outbox rows one process sends at once. */
  outboxConcurrency: number;
  /** Milliseconds between looks at the outbox when there was nothing to send. */
  outboxPollMs: number;
  /** Milliseconds a forwarding request may take before it counts as a timeout (and is retried). */
  outboxTimeoutMs: number;
  /**
   * Milliseconds a request iclockd stopped waiting for may still run at the target (ERPNext's
   * gunicorn timeout is 120 s): after an unanswered send, the check-in is sent again only
   * once the target does not hold it and this long has passed since that send.
   */
  outboxSettleMs: number;
  /** First retry delay in milliseconds; doubles with each try, with jitter. */
  outboxBackoffMs: number;
  /** Longest retry delay in milliseconds. */
  outboxBackoffMaxMs: number;
  /** Tries after which a row that keeps failing is dead. */
  outboxMaxTries: number;
  /** Hours after which a row that keeps failing is dead. */
  outboxMaxAgeHours: number;
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/iclockd.sqlite';

export interface HostTimeZone {
  /** The host's zone, or UTC when Node cannot name it: always a zone luxon can compute in. */
  zone: string;
  /** Why the host's own zone is not used, or null. */
  problem: string | null;
}

/**
 * The host's zone as Node sees it. A TZ Node does not know (`Mars/Olympus`, a typo) it runs
 * as UTC without a word, reporting no zone or `Etc/Unknown`: that is the problem reported.
 */
export function detectHostTimeZone(tz: string | undefined = process.env.TZ): HostTimeZone {
  const seen: string | undefined = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (seen && IANAZone.isValidZone(seen)) return { zone: seen, problem: null };
  // An empty TZ is UTC, as POSIX has it (Node reports Etc/Unknown).
  if (tz === '') return { zone: 'UTC', problem: null };
  return { zone: 'UTC', problem: tz ? `TZ=${tz} is not a time zone` : `this host's time zone is unknown to Node (${seen ?? 'none'})` };
}

/** The host's own zone; the default for ICLOCKD_TZ. */
export function hostTimeZone(): string {
  return detectHostTimeZone().zone;
}

/** The rules the settings share, with the words every error uses. */
const number = () => z.coerce.number({ message: 'must be a number' });
const wholeNumber = () => number().int('must be a whole number');
/** `10.0.0.0/8, 192.168.1.20, fd00::/8` (a file may give a JSON array). */
const addressList = () =>
  z
    .union([z.string().transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean)), z.array(z.string())])
    .refine((list) => list.every(isCidr), { message: 'must be a comma-separated list of addresses or CIDR blocks, such as 10.0.0.0/8, 192.168.1.20' });
const atLeast = (min: number) => wholeNumber().min(min, `must be ${min} or more`);
const flag = () =>
  z
    .preprocess((v) => (typeof v === 'boolean' ? String(v) : v), z.enum(['1', '0', 'true', 'false', 'yes', 'no'], { message: 'must be 1 or 0' }))
    .transform((v) => v === '1' || v === 'true' || v === 'yes');

/** Each config key, the environment variable that sets it, and its rule. */
const FIELDS = {
  host: { env: 'ICLOCKD_HOST', schema: z.string().min(1, 'must not be empty') },
  port: {
    env: 'ICLOCKD_PORT',
    schema: wholeNumber().min(0, 'must be between 0 and 65535').max(65535, 'must be between 0 and 65535'),
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    schema: z
      .string()
      .refine((v) => /^sqlite:.+/.test(v) || /^mysql:\/\/[^/]+\/[^/?]+/.test(v), {
        message: 'must be mysql://user:pass@host:3306/db or sqlite:<path>',
      }),
  },
  timeZone: {
    env: 'ICLOCKD_TZ',
    schema: z.string().refine((v) => isKnownZone(v), {
      message: 'must be an IANA time zone name such as Asia/Riyadh or UTC',
    }),
  },
  logLevel: { env: 'ICLOCKD_LOG_LEVEL', schema: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }) },
  shutdownGraceSeconds: {
    env: 'ICLOCKD_SHUTDOWN_GRACE_SECONDS',
    schema: atLeast(0),
  },
  requestTimeoutSeconds: { env: 'ICLOCKD_REQUEST_TIMEOUT_SECONDS', schema: atLeast(1) },
  tlsCert: { env: 'ICLOCKD_TLS_CERT', schema: z.string().min(1, 'must name a PEM file') },
  tlsKey: { env: 'ICLOCKD_TLS_KEY', schema: z.string().min(1, 'must name a PEM file') },
  httpPort: { env: 'ICLOCKD_HTTP_PORT', schema: wholeNumber().min(0, 'must be between 0 and 65535').max(65535, 'must be between 0 and 65535') },
  apiAllow: { env: 'ICLOCKD_API_ALLOW', schema: addressList() },
  deviceAllow: { env: 'ICLOCKD_DEVICE_ALLOW', schema: addressList() },
  trustProxy: { env: 'ICLOCKD_TRUST_PROXY', schema: flag() },
  apiRatePerAddress: { env: 'ICLOCKD_API_RATE_PER_ADDRESS', schema: number().min(0, 'must be 0 or more') },
  apiRatePerKey: { env: 'ICLOCKD_API_RATE_PER_KEY', schema: number().min(0, 'must be 0 or more') },
  deviceRate: { env: 'ICLOCKD_DEVICE_RATE', schema: number().min(0, 'must be 0 or more') },
  maxBodyBytes: {
    env: 'ICLOCKD_MAX_BODY_BYTES',
    schema: wholeNumber().min(1024, 'must be at least 1024'),
  },
  futureWindowHours: {
    env: 'ICLOCKD_FUTURE_WINDOW_HOURS',
    schema: number().min(0, 'must be 0 or more'),
  },
  timeFloor: {
    env: 'ICLOCKD_TIME_FLOOR',
    schema: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), {
      message: 'must be a real date',
    }),
  },
  dbAcquireTimeoutSeconds: { env: 'ICLOCKD_DB_ACQUIRE_TIMEOUT_SECONDS', schema: atLeast(1) },
  dbStatementTimeoutSeconds: { env: 'ICLOCKD_DB_STATEMENT_TIMEOUT_SECONDS', schema: atLeast(1) },
  devicePolicy: {
    env: 'ICLOCKD_DEVICE_POLICY',
    schema: z.enum(['approve', 'pending'], { message: 'must be approve or pending' }),
  },
  pendingMaxUploads: { env: 'ICLOCKD_PENDING_MAX_UPLOADS', schema: atLeast(1) },
  pendingMaxBytes: { env: 'ICLOCKD_PENDING_MAX_BYTES', schema: atLeast(1) },
  pendingMaxDays: { env: 'ICLOCKD_PENDING_MAX_DAYS', schema: atLeast(1) },
  pendingMaxDevices: { env: 'ICLOCKD_PENDING_MAX_DEVICES', schema: atLeast(1) },
  newDevicesPerHour: { env: 'ICLOCKD_NEW_DEVICES_PER_HOUR', schema: atLeast(0) },
  storeTemplates: {
    env: 'ICLOCKD_STORE_TEMPLATES',
    schema: flag(),
  },
  syncLogDays: { env: 'ICLOCKD_SYNC_LOG_DAYS', schema: atLeast(1) },
  archiveDays: {
    env: 'ICLOCKD_ARCHIVE_DAYS',
    schema: atLeast(1),
  },
  clockDriftSeconds: {
    env: 'ICLOCKD_CLOCK_DRIFT_SECONDS',
    schema: atLeast(1),
  },
  holdClockOffSeconds: {
    env: 'ICLOCKD_HOLD_CLOCK_OFF_SECONDS',
    schema: atLeast(0),
  },
  ingestConcurrency: {
    env: 'ICLOCKD_INGEST_CONCURRENCY',
    schema: atLeast(1),
  },
  ingestQueue: {
    env: 'ICLOCKD_INGEST_QUEUE',
    schema: atLeast(0),
  },
  reconcileAt: {
    env: 'ICLOCKD_RECONCILE_AT',
    schema: z
      .string()
      .regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, 'must be HH:MM or off')
      .transform((v) => (v === 'off' ? null : v)),
  },
  defaultShift: {
    env: 'ICLOCKD_DEFAULT_SHIFT',
    schema: z.string().trim().min(1, 'must name a shift type').max(140, 'must be at most 140 characters'),
  },
  allowMultipleShiftAssignments: {
    env: 'ICLOCKD_ALLOW_MULTIPLE_SHIFT_ASSIGNMENTS',
    schema: flag(),
  },
  finalizeMaxWaitHours: {
    env: 'ICLOCKD_FINALIZE_MAX_WAIT_HOURS',
    schema: number().min(0, 'must be 0 or more'),
  },
  absentLookbackDays: {
    env: 'ICLOCKD_ABSENT_LOOKBACK_DAYS',
    schema: atLeast(0).max(366, 'must be at most 366'),
  },
  defaultHolidayList: {
    env: 'ICLOCKD_DEFAULT_HOLIDAY_LIST',
    schema: z.string().trim().min(1, 'must name a holiday list').max(140, 'must be at most 140 characters'),
  },
  outboxWorker: {
    env: 'ICLOCKD_OUTBOX_WORKER',
    schema: flag(),
  },
  outboxConcurrency: {
    env: 'ICLOCKD_OUTBOX_CONCURRENCY',
    schema: atLeast(1).max(256, 'must be at most 256'),
  },
  outboxPollMs: {
    env: 'ICLOCKD_OUTBOX_POLL_MS',
    schema: atLeast(1),
  },
  outboxTimeoutMs: {
    env: 'ICLOCKD_OUTBOX_TIMEOUT_MS',
    schema: atLeast(1),
  },
  outboxSettleMs: {
    env: 'ICLOCKD_OUTBOX_SETTLE_MS',
    schema: atLeast(0),
  },
  outboxBackoffMs: {
    env: 'ICLOCKD_OUTBOX_BACKOFF_MS',
    schema: atLeast(1),
  },
  outboxBackoffMaxMs: {
    env: 'ICLOCKD_OUTBOX_BACKOFF_MAX_MS',
    schema: atLeast(1),
  },
  outboxMaxTries: {
    env: 'ICLOCKD_OUTBOX_MAX_TRIES',
    schema: atLeast(1),
  },
  outboxMaxAgeHours: {
    env: 'ICLOCKD_OUTBOX_MAX_AGE_HOURS',
    schema: number().min(0, 'must be 0 or more'),
  },
} as const satisfies Record<keyof Config, { env: string; schema: z.ZodType }>;

function defaults(): Config {
  return {
    host: '0.0.0.0',
    port: 8081,
    databaseUrl: DEFAULT_DATABASE_URL,
    timeZone: hostTimeZone(),
    logLevel: 'info',
    shutdownGraceSeconds: 10,
    requestTimeoutSeconds: 60,
    tlsCert: null,
    tlsKey: null,
    httpPort: null,
    apiAllow: [],
    deviceAllow: [],
    trustProxy: false,
    apiRatePerAddress: 0,
    apiRatePerKey: 0,
    deviceRate: 20,
    maxBodyBytes: 4 * 1024 * 1024,
    futureWindowHours: 24,
    timeFloor: '2010-01-01',
    devicePolicy: null,
    pendingMaxUploads: 1000,
    pendingMaxBytes: 8 * 1024 * 1024,
    pendingMaxDays: 14,
    pendingMaxDevices: 100,
    newDevicesPerHour: 120,
    storeTemplates: false,
    archiveDays: 30,
    syncLogDays: 90,
    clockDriftSeconds: 300,
    holdClockOffSeconds: 900,
    dbAcquireTimeoutSeconds: DEFAULT_DATABASE_TIMEOUTS.acquireSeconds,
    dbStatementTimeoutSeconds: DEFAULT_DATABASE_TIMEOUTS.statementSeconds,
    ingestConcurrency: 64,
    ingestQueue: 200,
    reconcileAt: '03:00',
    defaultShift: null,
    allowMultipleShiftAssignments: false,
    finalizeMaxWaitHours: 24,
    absentLookbackDays: 7,
    defaultHolidayList: null,
    outboxWorker: true,
    outboxConcurrency: 4,
    outboxPollMs: 1000,
    outboxTimeoutMs: 10_000,
    outboxSettleMs: 150_000,
    outboxBackoffMs: 5000,
    outboxBackoffMaxMs: 3_600_000,
    outboxMaxTries: 30,
    outboxMaxAgeHours: 72,
  };
}

/** Where each setting given to a config loadConfig returned came from; doctor tells a default from a choice. */
const settingOrigins = new WeakMap<Config, Partial<Record<keyof Config, string>>>();

/** `ICLOCKD_TZ`, `ICLOCKD_TZ (from /etc/iclockd.json)`, or undefined: the default (or a config not from loadConfig). */
export function settingOrigin(config: Config, key: keyof Config): string | undefined {
  return settingOrigins.get(config)?.[key];
}

/** Thrown for any invalid setting; its message is the one line shown to the operator. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Builds the config from `env` and, when `ICLOCKD_CONFIG` (or `configPath`) names one, a
 * JSON file whose keys are either the config keys (`port`) or the variable names
 * (`ICLOCKD_PORT`).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, configPath = env.ICLOCKD_CONFIG): Config {
  const fileValues = configPath ? readConfigFile(configPath) : {};
  const config = defaults();
  const origins: Partial<Record<keyof Config, string>> = {};
  for (const [key, field] of Object.entries(FIELDS) as [keyof Config, (typeof FIELDS)[keyof Config]][]) {
    const fromEnv = env[field.env];
    const fromFile = fileValues[key] ?? fileValues[field.env];
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fromFile;
    if (raw === undefined) continue;
    const parsed = field.schema.safeParse(raw);
    const origin = fromEnv !== undefined && fromEnv !== '' ? field.env : `${field.env} (from ${configPath})`;
    if (!parsed.success) throw new ConfigError(`${origin} ${parsed.error.issues[0]?.message ?? 'is invalid'} (got ${JSON.stringify(raw)})`);
    (config as unknown as Record<string, unknown>)[key] = parsed.data;
    origins[key] = origin;
  }
  settingOrigins.set(config, origins);
  if ((config.tlsCert === null) !== (config.tlsKey === null)) {
    throw new ConfigError('ICLOCKD_TLS_CERT and ICLOCKD_TLS_KEY go together: set both (HTTPS) or neither');
  }
  if (config.httpPort !== null && config.tlsCert === null) {
    throw new ConfigError('ICLOCKD_HTTP_PORT is the plain-HTTP port beside HTTPS: set ICLOCKD_TLS_CERT and ICLOCKD_TLS_KEY too');
  }
  return config;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (err) {
    throw new ConfigError(`ICLOCKD_CONFIG names ${path}, which cannot be read: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`ICLOCKD_CONFIG file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`ICLOCKD_CONFIG file ${path} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

export function databaseTimeouts(c: Pick<Config, 'dbAcquireTimeoutSeconds' | 'dbStatementTimeoutSeconds'>): DatabaseTimeouts {
  return { acquireSeconds: c.dbAcquireTimeoutSeconds, statementSeconds: c.dbStatementTimeoutSeconds };
}

/** A URL (database, forwarding target) as it is safe to show or log: any password masked. */
export function maskUrlPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
