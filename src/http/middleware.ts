// Cross-cutting middleware: the one error mapper and the request log.
import type { Context, Next } from 'koa';
import { AppError, type ErrorType } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { isDatabaseUnavailable } from '../store/transaction.js';

export interface ErrorBody {
  success: false;
  error: string;
  error_type: ErrorType;
  [extra: string]: unknown;
}

export function errorBody(err: AppError): ErrorBody {
  return { success: false, error: err.message, error_type: err.type, ...err.details };
}

/** Turns anything thrown below into a status and the API's error body. */
function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) return new AppError('service_unavailable', 'The database is unavailable; retry shortly');
  const e = err as { status?: number; statusCode?: number; type?: string; expose?: boolean; message?: string };
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

export function errorHandler(logger: Logger) {
  return async function mapErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError('not_found', `No route for ${ctx.method} ${ctx.path}`);
      }
      // The routers' allowedMethods() set the status and Allow; the body is the API's.
      if (ctx.status === 405 && ctx.body === undefined) {
        const allow = ctx.response.get('Allow');
        throw new AppError('method_not_allowed', `${ctx.path} does not take ${ctx.method}${allow ? `; it takes ${allow}` : ''}`);
      }
    } catch (err) {
      const appError = toAppError(err);
      if (appError) {
        ctx.status = appError.status;
        ctx.body = errorBody(appError);
        if (appError.type === 'service_unavailable') ctx.set('Retry-After', '10');
        if (appError.type === 'rate_limited') ctx.set('Retry-After', String(appError.details?.retry_after ?? 1));
        if (appError.status >= 500) logger.error({ err }, appError.message);
      } else {
        logger.error({ err, method: ctx.method, path: ctx.path }, 'unhandled error');
        ctx.status = 500;
        ctx.body = errorBody(new AppError('internal_error', 'Internal server error'));
      }
    }
  };
}

const HEARTBEATS = new Set(['/iclock/getrequest', '/iclock/ping']);

/** The channel a path belongs to, for metrics. */
function channelOf(path: string): string {
  if (path.startsWith('/iclock/')) return 'adms';
  if (path.startsWith('/api/')) return 'json';
  return 'other';
}

export function requestLog(logger: Logger, metrics?: Metrics) {
  return async function logRequest(ctx: Context, next: Next): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      // The route pattern, not the path: serials and ids would make unbounded label sets.
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      metrics?.requests.inc({ channel: channelOf(ctx.path), route: String(route), method: ctx.method, status: String(ctx.status) });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // Every terminal polls every few seconds: those are debug lines unless they fail.
      const heartbeat = HEARTBEATS.has(ctx.path) && ctx.status < 400;
      // Only the path, never the query string: integrators have put credentials there.
      logger[heartbeat ? 'debug' : 'info'](
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10, remote: ctx.ip },
        'request',
      );
    }
  };
}
