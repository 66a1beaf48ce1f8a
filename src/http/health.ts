// GET /healthz (process up), GET /readyz (database reachable, migrations current), and
// GET /metrics (Prometheus). No key: load balancers and scrapers call them.
import Router from '@koa/router';
import type { HealthService } from '../health.js';
import type { Metrics } from '../metrics.js';

export function healthRoutes(health: HealthService, metrics: Metrics): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = health.liveness();
  });
  router.get('/readyz', async (ctx) => {
    const readiness = await health.readiness();
    ctx.status = readiness.ready ? 200 : 503;
    ctx.body = readiness;
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
