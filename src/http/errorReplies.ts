// The one error mapper. Whatever a handler throws is read once (mapError) as a type of the
// status table in errors.ts, a status, a message and details; then a dialect renders it as the
// caller expects to read it: the API's JSON body, the text a terminal reads, or Frappe's error
// body for the HRMS method. Handlers only throw; where a route group is mounted, its dialect
// is chosen (answerErrorsIn): JSON for the app as a whole (middleware.ts), device text on
// every /iclock/ route, Frappe on the HRMS method's routes.
import { randomBytes } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { formatErrorReply } from '../../protocol/index.js';
import { AppError, type ErrorType } from '../errors.js';
import type { Logger } from '../log.js';
import { isDatabaseUnavailable, isWriteConflict } from '../store/transaction.js';

/** An error as every dialect reads it. */
export interface MappedError {
  type: ErrorType;
  status: number;
  message: string;
  /** Extra fields for the JSON body (the bad fields, retry_after). */
  details: Record<string, unknown> | undefined;
  /**
   * `app`: an AppError thrown on purpose; `translated`: a library's or the database's error
   * read as one of the table's types; `unexpected`: anything else, an internal error.
   */
  origin: 'app' | 'translated' | 'unexpected';
  /** What was thrown, for the log. */
  thrown: unknown;
}

/** A library's or the database's error as one of the table's types; null when it is none of them. */
function translated(err: unknown): AppError | null {
  if (isDatabaseUnavailable(err)) return new AppError('service_unavailable', 'The database is unavailable; retry shortly');
  // Still losing to concurrent writers after its retries (Galera, a hot row): nothing was written, and it passes.
  if (isWriteConflict(err)) return new AppError('service_unavailable', 'Concurrent writes kept conflicting; retry shortly');
  const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
  const status = e?.status ?? e?.statusCode;
  // raw-body and http-errors: client mistakes carry a 4xx status and an exposable message.
  if (status === 413 || e?.type === 'entity.too.large') return new AppError('payload_too_large', 'Request body is too large');
  if (status === 415) return new AppError('unsupported_media_type', e.message ?? 'Unsupported content type');
  if (status === 401) return new AppError('authentication_error', e.message ?? 'Authentication required');
  if (status === 403) return new AppError('permission_error', e.message ?? 'Not permitted');
  if (status === 404) return new AppError('not_found', e.message ?? 'Not found');
  if (status !== undefined && status >= 400 && status < 500) return new AppError('validation_error', e.message ?? 'Bad request');
  return null;
}

export function mapError(thrown: unknown): MappedError {
  const known = thrown instanceof AppError ? thrown : translated(thrown);
  if (!known) return { type: 'internal_error', status: 500, message: 'Internal server error', details: undefined, origin: 'unexpected', thrown };
  return { type: known.type, status: known.status, message: known.message, details: known.details, origin: known === thrown ? 'app' : 'translated', thrown };
}

/** A reply: its body (JSON, or text for a terminal) and when to retry. */
export interface Reply<B> {
  status: number;
  body: B;
  retryAfterSeconds?: number;
}

/** The request, for the log line of an error that is the server's own. */
export type LogFields = Record<string, unknown>;

/** How one kind of caller reads an error. */
export type Dialect<B> = (e: MappedError, logger: Logger, where: LogFields) => Reply<B>;

// The API's JSON.

export interface ErrorBody {
  success: false;
  error: string;
  error_type: ErrorType;
  [extra: string]: unknown;
}

function retryAfterOf(e: MappedError): number | undefined {
  if (e.type === 'service_unavailable') return 10;
  if (e.type === 'rate_limited') return Number(e.details?.retry_after ?? 1);
  return undefined;
}

/** `{success: false, error, error_type, ...details}`, the seed's error body. */
export const jsonDialect: Dialect<ErrorBody> = (e, logger, where) => {
  if (e.origin === 'unexpected') logger.error({ err: e.thrown, ...where }, 'unhandled error');
  else if (e.status >= 500) logger.error({ err: e.thrown }, e.message);
  return { status: e.status, body: { success: false, error: e.message, error_type: e.type, ...e.details }, retryAfterSeconds: retryAfterOf(e) };
};

// The text a terminal reads.

/**
 * `ERROR: <message>` for what the services refuse on purpose; anything else (storage trouble,
 * a bug) is a 503, so the terminal keeps its data and sends it again.
 */
export const deviceTextDialect: Dialect<string> = (e, logger, where) => {
  if (e.origin === 'app' && e.status < 500) return { status: e.status, body: formatErrorReply(e.message) };
  // Saturated: the device keeps its data and sends it again shortly.
  if (e.origin === 'app' && e.type === 'service_unavailable') return { status: 503, body: formatErrorReply(e.message), retryAfterSeconds: 10 };
  logger.error({ err: e.thrown, ...where }, 'device request failed');
  return { status: 503, body: formatErrorReply('the server could not store this; send it again later') };
};

// Frappe's, for the HRMS method.

export interface FrappeErrorBody {
  exc_type: string;
  exception: string;
  /** A JSON list of JSON messages: the text clients substring-match. */
  _server_messages: string;
}

/** Frappe's error body for an exception of `excType` (ValidationError, PermissionError, …). */
export function frappeErrorBody(excType: string, message: string): FrappeErrorBody {
  return {
    exc_type: excType,
    exception: `frappe.exceptions.${excType}: ${message}`,
    _server_messages: JSON.stringify([
      JSON.stringify({ message, title: 'Message', indicator: 'red', raise_exception: 1, __frappe_exc_id: randomBytes(8).toString('hex') }),
    ]),
  };
}

/** Frappe's status and exception per type; any other refusal is a 417 ValidationError, as Frappe's frappe.throw is. */
const FRAPPE_EXCEPTIONS: Partial<Record<ErrorType, [number, string]>> = {
  authentication_error: [401, 'AuthenticationError'],
  permission_error: [403, 'PermissionError'],
  not_found: [404, 'DoesNotExistError'],
  payload_too_large: [413, 'ValidationError'],
  unsupported_media_type: [415, 'ValidationError'],
};

/** The services' refusals in Frappe's body; storage trouble and anything unexpected stay the API's JSON (503, 500). */
export const frappeDialect: Dialect<FrappeErrorBody | ErrorBody> = (e, logger, where) => {
  if (e.origin !== 'app' || e.status >= 500) return jsonDialect(e, logger, where);
  const [status, excType] = FRAPPE_EXCEPTIONS[e.type] ?? [417, 'ValidationError'];
  return { status, body: frappeErrorBody(excType, e.message) };
};

// Answering.

/** A reply to the client: text (or encoded bytes) as text/plain, an object as JSON. */
export function send(ctx: Context, reply: Reply<string | Uint8Array | object>): void {
  ctx.status = reply.status;
  if (typeof reply.body === 'string' || reply.body instanceof Uint8Array) {
    ctx.type = 'text/plain';
    ctx.body = typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body);
  } else ctx.body = reply.body;
  if (reply.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(reply.retryAfterSeconds));
}

/** The method and path of a request, as the log names it. */
export const requestFields = (ctx: Context): LogFields => ({ method: ctx.method, path: ctx.path });

/** Runs `next`; whatever it throws is answered in `dialect`, logged with `where()`. */
export async function answeringErrors<B extends string | object>(ctx: Context, next: () => Promise<unknown>, dialect: Dialect<B>, logger: Logger, where: () => LogFields): Promise<void> {
  try {
    await next();
  } catch (err) {
    send(ctx, dialect(mapError(err), logger, where()));
  }
}

/** Middleware: whatever is thrown below is answered in `dialect`. */
export function answerErrorsIn<B extends string | object>(dialect: Dialect<B>, logger: Logger, where: (ctx: Context) => LogFields = requestFields): Middleware {
  return function answerErrors(ctx, next): Promise<void> {
    return answeringErrors(ctx, next, dialect, logger, () => where(ctx));
  };
}
