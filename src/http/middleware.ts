// Cross-cutting middleware: the app's error replies (the API's JSON) and the request log.
import type { Context, Next } from 'koa';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { answerErrorsIn, jsonDialect } from './errorReplies.js';
import { REQUEST_ID_HEADER, requestIdOf } from './requestId.js';

/**
 * Anything thrown below, and a request no route took, answered as the API's JSON error. Route
 * groups that answer in another dialect (terminals, the HRMS method) answer their own first.
 */
export function errorHandler(logger: Logger) {
  const answerErrors = answerErrorsIn(jsonDialect, logger);
  return async function mapErrors(ctx: Context, next: Next): Promise<void> {
    await answerErrors(ctx, async () => {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError('not_found', `No route for ${ctx.method} ${ctx.path}`);
      }
      // The routers' allowedMethods() set the status and Allow; the body is the API's.
      if (ctx.status === 405 && ctx.body === undefined) {
        const allow = ctx.response.get('Allow');
        throw new AppError('method_not_allowed', `${ctx.path} does not take ${ctx.method}${allow ? `; it takes ${allow}` : ''}`);
      }
    });
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
    // Every reply names its request, so a client can quote the id its log line and sync-log row carry.
    ctx.set(REQUEST_ID_HEADER, requestIdOf(ctx));
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
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10, remote: ctx.ip, request: requestIdOf(ctx) },
        'request',
      );
    }
  };
}
