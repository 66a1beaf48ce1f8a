// Structured JSON logs (pino). Credentials never reach the log: the Authorization header and
// any field named like a secret are redacted wherever they appear.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'secret',
  'password',
  'api_secret',
  '*.secret',
  '*.password',
  '*.api_secret',
  '*.authorization',
];

/** Longest text any logged field keeps, and an error's stack. */
const FIELD_CHARS = 1000;
const STACK_CHARS = 4000;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text);

/**
 * An error as logged: what it is and where, never the data it was about. The driver's own
 * copy of a failed statement (`sql`, with its values inlined) is left out, and the message and
 * stack are bounded (knex puts the statement, with placeholders, in front of the message).
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: clip(String(err), FIELD_CHARS) };
  const e = err as Error & { code?: unknown; errno?: unknown; sqlState?: unknown; status?: unknown };
  const message = clip(e.message, FIELD_CHARS);
  const frames = (e.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return {
    type: e.name,
    message,
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(e.errno !== undefined ? { errno: e.errno } : {}),
    ...(e.sqlState !== undefined ? { sql_state: e.sqlState } : {}),
    ...(typeof e.status === 'number' ? { status: e.status } : {}),
    stack: clip(`${e.name}: ${message}\n${frames.join('\n')}`, STACK_CHARS),
  };
}

/** Every string field (two levels deep) bounded, so no request can make a log line of megabytes. */
function boundFields(obj: Record<string, unknown>, depth = 0): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(obj)) {
    let bounded = value;
    if (typeof value === 'string' && value.length > FIELD_CHARS) bounded = clip(value, FIELD_CHARS);
    else if (depth < 1 && value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Error)) bounded = boundFields(value as Record<string, unknown>, depth + 1);
    if (bounded !== value) (out ??= { ...obj })[key] = bounded;
  }
  return out ?? obj;
}

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: 'iclockd',
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      formatters: { log: (obj) => boundFields(obj) },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
