// One typed, validated config object, read from the environment and an optional JSON file.
// Environment variables win over the file, so a deployment can override one value. What each
// setting is lives in config/settings.ts, declared once.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Config, type SettingKey, settingDefault, settingEntries } from './config/settings.js';

export { type Config, DEFAULT_DATABASE_URL, LOG_LEVELS, type LogLevel } from './config/settings.js';
export { type HostTimeZone, detectHostTimeZone, hostTimeZone } from './config/hostTimeZone.js';

/** How long the database may keep a request waiting. */
export interface DatabaseTimeouts {
  /** Waiting for a connection, or for one to be made (a database that does not answer). */
  acquireSeconds: number;
  /** One statement, and a row lock it waits for; a link that went silent fails a little later. */
  statementSeconds: number;
}

export function databaseTimeouts(c: Pick<Config, 'dbAcquireTimeoutSeconds' | 'dbStatementTimeoutSeconds'>): DatabaseTimeouts {
  return { acquireSeconds: c.dbAcquireTimeoutSeconds, statementSeconds: c.dbStatementTimeoutSeconds };
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = databaseTimeouts({
  dbAcquireTimeoutSeconds: settingDefault('dbAcquireTimeoutSeconds'),
  dbStatementTimeoutSeconds: settingDefault('dbStatementTimeoutSeconds'),
});

function defaults(): Config {
  return Object.fromEntries(settingEntries().map(([key]) => [key, settingDefault(key)])) as Config;
}

/** Where each setting given to a config loadConfig returned came from; doctor tells a default from a choice. */
const settingOrigins = new WeakMap<Config, Partial<Record<SettingKey, string>>>();

/** `ICLOCKD_TZ`, `ICLOCKD_TZ (from /etc/iclockd.json)`, or undefined: the default (or a config not from loadConfig). */
export function settingOrigin(config: Config, key: SettingKey): string | undefined {
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
  const origins: Partial<Record<SettingKey, string>> = {};
  for (const [key, field] of settingEntries()) {
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

/** A URL (database, forwarding target) as it is safe to show or log: any password masked. */
export function maskUrlPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
