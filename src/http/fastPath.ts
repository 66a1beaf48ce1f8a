// Every terminal polls GET /iclock/getrequest every few seconds: with thousands of terminals
// that is most of the traffic, and the Koa stack (context, middleware, router) cost several
// times the work of the poll itself. Polls are answered here, in front of Koa, by the same
// heartbeat() the Koa route uses, reading the request with the same readIclockRequest, with
// the same allow-list, reply, request id header, metric and log line. Anything else (and HEAD)
// goes to Koa.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AllowList } from '../limits.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { deviceTextDialect, mapError } from './errorReplies.js';
import { type DeviceReply, DEVICE_REFUSED, heartbeat, logFieldsOf, readIclockRequest } from './iclock.js';
import { newRequestId } from '../pipeline/syncLog.js';
import { REQUEST_ID_HEADER } from './requestId.js';

const PATH = '/iclock/getrequest';

export interface FastPathDeps {
  poll: ReturnType<typeof heartbeat>;
  deviceAllow: AllowList;
  /** ICLOCKD_TRUST_PROXY: the client is the first X-Forwarded-For address (as Koa reads it). */
  trustProxy: boolean;
  metrics: Metrics;
  logger: Logger;
}

function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? req.headers['x-forwarded-for'] : undefined;
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return first || req.socket.remoteAddress || '';
}

async function answer(req: IncomingMessage, res: ServerResponse, query: string, d: FastPathDeps): Promise<void> {
  const started = process.hrtime.bigint();
  const ip = clientAddress(req, d.trustProxy);
  const id = newRequestId();
  let reply: DeviceReply;
  if (!d.deviceAllow.allows(ip)) reply = { status: 403, body: DEVICE_REFUSED };
  else {
    const r = readIclockRequest(id, query);
    try {
      reply = await d.poll(r, ip);
    } catch (err) {
      reply = deviceTextDialect(mapError(err), d.logger, logFieldsOf(PATH, r));
    }
  }
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  res.statusCode = reply.status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.setHeader(REQUEST_ID_HEADER, id);
  if (reply.retryAfterSeconds) res.setHeader('Retry-After', String(reply.retryAfterSeconds));
  res.end(body);
  d.metrics.requests.inc({ channel: 'adms', route: PATH, method: 'GET', status: String(reply.status) });
  const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
  // Polls are debug lines unless they fail; only the path, never the query string.
  d.logger[reply.status < 400 ? 'debug' : 'info']({ method: 'GET', path: PATH, status: reply.status, ms, remote: ip, request: id }, 'request');
}

export function withHeartbeatFastPath(next: RequestListener, deps: FastPathDeps): RequestListener {
  return (req, res) => {
    const url = req.url ?? '';
    if (req.method !== 'GET' || !url.startsWith(PATH) || (url.length > PATH.length && url[PATH.length] !== '?')) return next(req, res);
    void answer(req, res, url.slice(PATH.length + 1), deps).catch((err: unknown) => {
      deps.logger.error({ err, path: PATH }, 'heartbeat failed');
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  };
}
