// GET /api/v1/events/punches: the live punch feed as server-sent events (`event: punch`, one
// JSON PunchEvent per message), with a comment line every 15 s so proxies keep the stream
// open. Each stream ends when the feed closes (shutdown) and answers `Connection: close`, so
// an open console page never holds up a graceful stop.
import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import { newRouter } from './routing.js';
import type { ApiKeyService } from '../auth/apiKeys.js';
import { AppError } from '../errors.js';
import type { PunchFeed } from '../pipeline/feed.js';
import { operations } from './operation.js';
import { authenticate } from './auth.js';

const KEEPALIVE_MS = 15_000;
/** How often an open stream checks that its caller may still read it (a signed-out session, a revoked key). */
const RECHECK_MS = 5_000;

export function eventRoutes(apiKeys: ApiKeyService, feed: PunchFeed): Router {
  const router = newRouter('/api/v1/events');
  const op = operations({ tag: 'Live feed', access: 'admin', apiKeys });

  router.get(
    '/punches',
    op(
      {
        summary: 'Punches as they are stored (server-sent events)',
        description:
          'event: punch, data: {punch_id, device, device_user_id, employee, employee_name, local_time, time, time_zone, log_type, source, outcome, checkin_id}; what this instance ingests, after commit. A comment every 15 s keeps proxies from closing it. The stream closes within 5 s of its session ending or its key being revoked.',
        errors: ['service_unavailable'],
        response: { description: 'The stream', contentType: 'text/event-stream' },
      },
      async (ctx) => {
        const stream = new PassThrough();
        const send = (text: string) => {
          if (!stream.writableEnded) stream.write(text);
        };
        let keepalive: NodeJS.Timeout | undefined;
        let recheck: NodeJS.Timeout | undefined;
        const unsubscribe = feed.subscribe(
          (events) => {
            for (const e of events) send(`event: punch\nid: ${e.punch_id}\ndata: ${JSON.stringify(e)}\n\n`);
          },
          () => end(),
        );
        if (!unsubscribe) throw new AppError('service_unavailable', 'Too many live feeds are open on this instance, or it is shutting down');
        function end(): void {
          clearInterval(keepalive);
          clearInterval(recheck);
          unsubscribe?.();
          if (!stream.writableEnded) stream.end();
        }
        keepalive = setInterval(() => send(': keepalive\n\n'), KEEPALIVE_MS);
        keepalive.unref();
        // A stream outlives no session: once the session ends or its key is revoked, it closes
        // (the browser's retry is then refused with 401).
        recheck = setInterval(() => {
          authenticate(apiKeys, ctx).catch((err: unknown) => {
            if (err instanceof AppError && ((err.type === 'authentication_error' || err.type === 'permission_error'))) end();
          });
        }, RECHECK_MS);
        recheck.unref();
        // The response closes when the client goes away (or the stream ended).
        ctx.res.on('close', end);
        ctx.req.socket.setTimeout(0);
        ctx.status = 200;
        ctx.set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no', Connection: 'close' });
        // Tells the browser to retry after 3 s should the stream drop, and opens it at once.
        send('retry: 3000\n: connected\n\n');
        ctx.body = stream;
      },
    ),
  );

  return router;
}
