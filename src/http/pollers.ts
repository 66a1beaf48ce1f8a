// /api/v1/pollers: terminals without ADMS, read over the ZK binary protocol (TCP 4370), for
// operators: add one by its address, list, read, change, remove, and read it now.
import type Router from '@koa/router';
import type { ApiKeyService } from '../auth/apiKeys.js';
import { NewPollerBody, PollerChangeBody, newPollerOf, pollerChangeOf } from '../poller/input.js';
import type { PollerService } from '../poller/service.js';
import { pollReportView, pollerView } from '../poller/view.js';
import { newRouter } from './routing.js';
import { operations, resource, successBody } from './operation.js';

const POLLER_FIELDS =
  'serial, host, port, comm_key_set, interval_seconds, enabled, clear_after_read, set_clock, cursor {count, pin, time}, records, records_capacity, users, users_capacity, last_poll_at, last_success_at, last_error_kind, last_error, failures, next_poll_at, polling_now, created_at';
const PollerItem = resource('Poller', POLLER_FIELDS);

export function pollerRoutes(apiKeys: ApiKeyService, pollers: PollerService, maxBodyBytes: number): Router {
  const router = newRouter('/api/v1');
  const op = operations({ tag: 'Pollers', access: 'admin', apiKeys, maxBodyBytes });
  const saved = (description: string) => ({ description, schema: successBody(POLLER_FIELDS) });

  router.get(
    '/pollers',
    op({ summary: 'List terminals read over TCP 4370', response: { description: 'Pollers, by serial', schema: successBody('pollers[]') } }, async (ctx) => {
      ctx.body = { success: true, pollers: (await pollers.list()).map(pollerView) };
    }),
  );

  router.post(
    '/pollers',
    op(
      {
        summary: 'Read a terminal by its address',
        description: 'Its device row is made (approved) unless it pushes over ADMS already; site and time_zone set it. The comm key is never shown again, only comm_key_set.',
        body: NewPollerBody,
        errors: ['conflict'],
        status: 201,
        response: saved('The poller'),
      },
      async (ctx, { body }) => {
        ctx.status = 201;
        ctx.body = { success: true, ...pollerView(await pollers.add(newPollerOf(body))) };
      },
    ),
  );

  router.get(
    '/pollers/:sn',
    op({ summary: 'Read a poller', errors: ['not_found'], response: { description: 'The poller', schema: PollerItem } }, async (ctx) => {
      ctx.body = pollerView(await pollers.get(ctx.params.sn!));
    }),
  );

  router.patch(
    '/pollers/:sn',
    op({ summary: 'Change a poller', description: 'A new address, key or enabled makes it due at once.', body: PollerChangeBody, errors: ['not_found'], response: saved('The poller') }, async (ctx, { body }) => {
      ctx.body = { success: true, ...pollerView(await pollers.set(ctx.params.sn!, pollerChangeOf(body))) };
    }),
  );

  router.delete(
    '/pollers/:sn',
    op({ summary: 'Stop reading a terminal', description: 'Its punches, users and device row stay.', errors: ['not_found'], response: { description: 'Removed', schema: successBody('serial') } }, async (ctx) => {
      await pollers.remove(ctx.params.sn!);
      ctx.body = { success: true, serial: ctx.params.sn };
    }),
  );

  router.post(
    '/pollers/:sn/poll',
    op(
      {
        summary: 'Read a terminal now',
        description: 'As the scheduled poll does; ok false with failure (unreachable, timeout, wrong_key, serial_mismatch, refused, protocol, lease_lost, blocked, store) and error when it could not be read; polled false when another instance is reading it.',
        errors: ['not_found'],
        response: { description: 'What the poll did', schema: successBody('serial, polled, ok, failure, error, records, submitted, created, duplicate, failed, users, reread, cleared, clock_drift_seconds, clock_set') },
      },
      async (ctx) => {
        ctx.body = { success: true, ...pollReportView(await pollers.pollOnce(ctx.params.sn!)) };
      },
    ),
  );
  return router;
}
