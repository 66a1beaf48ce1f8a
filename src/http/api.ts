// The integrators' API on one router: the seed's JSON attendance endpoints (seedApi.ts) and
// ERPNext's HRMS method with the sync tool's Shift Type update (hrmsMethod.ts).
import type Router from '@koa/router';
import { type HrmsDeps, mountHrmsMethod } from './hrmsMethod.js';
import { newRouter } from './routing.js';
import { mountSeedEndpoints } from './seedApi.js';

export type ApiDeps = HrmsDeps;

export function apiRoutes(deps: ApiDeps, settings: { futureWindowHours: number }): Router {
  const router = newRouter();
  mountSeedEndpoints(router, { ...deps, futureWindowHours: settings.futureWindowHours });
  mountHrmsMethod(router, deps);
  return router;
}
