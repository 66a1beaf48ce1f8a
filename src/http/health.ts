// GET /healthz (process up), GET /readyz (database reachable, migrations current), and
// GET /metrics (Prometheus). No key: load balancers and scrapers call them.
import type Router from '@koa/router';
import { newRouter } from './routing.js';
import { z } from 'zod';
import type { HealthService } from '../health.js';
import type { Metrics } from '../metrics.js';
import { operations } from './operation.js';

const Readiness = z.looseObject({ ready: z.boolean(), database: z.unknown(), migrations: z.object({ applied: z.number(), pending: z.number() }), shutting_down: z.boolean() });

export function healthRoutes(health: HealthService, metrics: Metrics): Router {
  const router = newRouter();
  const op = operations({ tag: 'Health', access: 'public' });
  router.get(
    '/healthz',
    op(
      {
        summary: 'Liveness: the process is up',
        response: { description: 'Up', schema: z.looseObject({ status: z.literal('ok'), version: z.string(), uptime_seconds: z.number() }) },
      },
      (ctx) => {
        ctx.body = health.liveness();
      },
    ),
  );
  router.get(
    '/readyz',
    op(
      {
        summary: 'Readiness: the database answers and no migration is pending',
        description: 'Turns 503 as soon as a shutdown starts, so a load balancer drains the instance.',
        response: { description: 'Ready', schema: Readiness },
        responses: { 503: { description: 'Not ready', schema: Readiness } },
      },
      async (ctx) => {
        const readiness = await health.readiness();
        ctx.status = readiness.ready ? 200 : 503;
        ctx.body = readiness;
      },
    ),
  );
  router.get(
    '/metrics',
    op({ summary: 'Prometheus metrics', response: { description: 'The text exposition format', contentType: 'text/plain' } }, async (ctx) => {
      ctx.type = metrics.registry.contentType;
      ctx.body = await metrics.registry.metrics();
    }),
  );
  return router;
}
