// Composition root: builds the services from config and database, and the Koa app from the
// services. Tests build the same app around their own database.
import type { RequestListener } from 'node:http';
import type Router from '@koa/router';
import Koa from 'koa';
import { AttendanceFinalizer } from './attendance/finalizer.js';
import { AttendanceRunner } from './attendance/runner.js';
import { ShiftService } from './attendance/service.js';
import { ApiKeyService } from './auth/apiKeys.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import { DeviceCache } from './devices/cache.js';
import { CommandQueue } from './devices/commands.js';
import { Reconciler } from './devices/reconcile.js';
import { DeviceRegistry } from './devices/registry.js';
import { DeviceService } from './devices/service.js';
import { DeviceUploads } from './devices/uploads.js';
import { EmployeeService } from './employees/service.js';
import { HealthService } from './health.js';
import { Retention } from './retention.js';
import { adminRoutes } from './http/admin.js';
import { apiRoutes } from './http/api.js';
import { deviceRoutes } from './http/devices.js';
import { pollerRoutes } from './http/pollers.js';
import { healthRoutes } from './http/health.js';
import { withHeartbeatFastPath } from './http/fastPath.js';
import { heartbeat, iclockRoutes } from './http/iclock.js';
import { consoleRoutes } from './http/console.js';
import { eventRoutes } from './http/events.js';
import { keyRoutes } from './http/keys.js';
import { sessionRoutes } from './http/session.js';
import { unmatchedRoutes } from './http/unmatched.js';
import { shiftRoutes } from './http/shifts.js';
import { outboxRoutes } from './http/outbox.js';
import { openApiRoutes } from './http/openapi.js';
import { admission } from './http/limits.js';
import { errorHandler, requestLog } from './http/middleware.js';
import { oneSpellingOfPaths } from './http/routing.js';
import { AllowList, RateLimiter } from './limits.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { OutboxService } from './outbox/service.js';
import { IngestGate } from './pipeline/gate.js';
import { INGEST_TRANSACTIONS, IngestService } from './pipeline/ingest.js';
import { PunchIntake } from './pipeline/intake.js';
import { PunchRecords } from './pipeline/records.js';
import { SyncLogService } from './pipeline/syncLog.js';
import { PollerService } from './poller/service.js';
import type { Database } from './store/db.js';

/** Who may call, and how often (per process). */
export interface Limits {
  apiAllow: AllowList;
  deviceAllow: AllowList;
  perAddress: RateLimiter;
  perKey: RateLimiter;
  perDevice: RateLimiter;
  /** New serial numbers per client address. */
  newSerials: RateLimiter;
}

export interface Services {
  limits: Limits;
  config: Config;
  logger: Logger;
  db: Database;
  /** The one clock every service reads the time from. */
  clock: Clock;
  health: HealthService;
  apiKeys: ApiKeyService;
  /** Device rows in memory, shared by the registry and the intake. */
  deviceCache: DeviceCache;
  intake: PunchIntake;
  ingest: IngestService;
  records: PunchRecords;
  employees: EmployeeService;
  syncLog: SyncLogService;
  gate: IngestGate;
  metrics: Metrics;
  attendance: AttendanceRunner;
  shifts: ShiftService;
  finalizer: AttendanceFinalizer;
  registry: DeviceRegistry;
  uploads: DeviceUploads;
  commands: CommandQueue;
  reconciler: Reconciler;
  deviceService: DeviceService;
  retention: Retention;
  outbox: OutboxService;
  /** Terminals read over TCP 4370. */
  pollers: PollerService;
}

/** `clock`: the time every service reads (tests set or move it; the machine's clock otherwise). */
export function createServices(config: Config, db: Database, logger: Logger, clock: Clock = systemClock): Services {
  const { knex } = db;
  const limits: Limits = {
    apiAllow: new AllowList(config.apiAllow),
    deviceAllow: new AllowList(config.deviceAllow),
    perAddress: new RateLimiter(config.apiRatePerAddress),
    perKey: new RateLimiter(config.apiRatePerKey),
    perDevice: new RateLimiter(config.deviceRate),
    newSerials: new RateLimiter(config.newDevicesPerHour / 3600, config.newDevicesPerHour),
  };
  const deviceCache = new DeviceCache({ knex, clock, logger });
  const gate = new IngestGate(config.ingestConcurrency, config.ingestQueue);
  const attendance = new AttendanceRunner(knex, config, clock);
  const health = new HealthService(db);
  // Its gauges read the registry at scrape time, once both exist.
  const metrics = new Metrics(knex, {
    devicesHeardWithin: (ms) => registry.devicesHeardWithin(ms),
    ready: async () => (await health.readiness()).ready,
    galera: () => health.galera(),
    devicesSilent: () => registry.countSilent(),
    devicesClockOff: () => registry.countClockOff(config.holdClockOffSeconds),
  });
  const refused = (reason: string) => metrics.pendingRefused.inc({ reason });
  const registry = new DeviceRegistry({ knex, cache: deviceCache, settings: { ...config, newSerials: limits.newSerials, refused }, logger, clock });
  // Every check-in created writes its outbox rows in its own transaction.
  const outbox = new OutboxService({ knex, settings: config, logger, clock, metrics });
  const ingest = new IngestService({ knex, settings: config, clock, gate, attendance, metrics, transactions: INGEST_TRANSACTIONS[db.dialect], sink: outbox });
  const uploads = new DeviceUploads({ knex, ingest, registry, settings: { ...config, holdRefused: refused }, logger, clock });
  const commands = new CommandQueue({ knex, logger, clock });
  const reconciler = new Reconciler({ knex, commands, logger, settings: config, clock });
  const syncLog = new SyncLogService(knex, clock);
  const deviceService = new DeviceService({ knex, registry, uploads, commands, reconciler, settings: config, clock });
  return {
    config,
    logger,
    db,
    clock,
    health,
    apiKeys: new ApiKeyService({ knex, clock, perKey: limits.perKey }),
    limits,
    deviceCache,
    intake: new PunchIntake(deviceCache, config.timeZone),
    ingest,
    records: new PunchRecords(knex, clock),
    employees: new EmployeeService({ knex, ingest, clock, listener: outbox }),
    syncLog,
    gate,
    metrics,
    attendance,
    shifts: new ShiftService({ knex, attendance, settings: config, clock }),
    finalizer: new AttendanceFinalizer({ knex, attendance, settings: config, logger, clock }),
    registry,
    uploads,
    commands,
    reconciler,
    deviceService,
    retention: new Retention({ knex, days: { archive: config.archiveDays, syncLog: config.syncLogDays }, logger, clock }),
    outbox,
    pollers: new PollerService({ knex, ingest, registry, syncLog, settings: config, logger, clock, approve: (serial) => deviceService.approve(serial) }),
  };
}

/** Every router of the app (the security test walks them). */
export function createRouters(s: Services): Router[] {
  const common = { apiKeys: s.apiKeys, timeZone: s.config.timeZone, maxBodyBytes: s.config.maxBodyBytes };
  const routers = [
    // Terminals first: every one polls every few seconds, and each router a request passes costs a route match.
    iclockRoutes({
      registry: s.registry,
      uploads: s.uploads,
      commands: s.commands,
      devices: s.deviceService,
      syncLog: s.syncLog,
      logger: s.logger,
      maxBodyBytes: s.config.maxBodyBytes,
      perDevice: s.limits.perDevice,
      clock: s.clock,
    }),
    healthRoutes(s.health, s.metrics),
    keyRoutes(s.apiKeys, s.config.maxBodyBytes),
    apiRoutes({ ...common, intake: s.intake, ingest: s.ingest, syncLog: s.syncLog, logger: s.logger, shifts: s.shifts, clock: s.clock }, s.config),
    adminRoutes({ ...common, employees: s.employees, ingest: s.ingest, records: s.records, syncLog: s.syncLog, devices: s.deviceService, logger: s.logger }),
    deviceRoutes(s.apiKeys, s.deviceService, s.config.maxBodyBytes, s.config.timeZone),
    pollerRoutes(s.apiKeys, s.pollers, s.config.maxBodyBytes),
    shiftRoutes(s.apiKeys, s.shifts, s.config.maxBodyBytes),
    outboxRoutes(s.apiKeys, s.outbox, s.config.maxBodyBytes),
    // The web console: its sign-in, live feed and unmatched ids, and its pages.
    sessionRoutes(s.apiKeys, s.config.maxBodyBytes, s.config.timeZone),
    eventRoutes(s.apiKeys, s.ingest.feed),
    unmatchedRoutes(s.apiKeys, s.records, s.employees, s.config.maxBodyBytes),
    consoleRoutes(),
  ];
  return [...routers, openApiRoutes(() => routers)];
}

/** What the HTTP server runs: terminal polls on the fast path, everything else through Koa. */
export function createHandler(s: Services): RequestListener {
  return withHeartbeatFastPath(createApp(s).callback(), {
    poll: heartbeat({ registry: s.registry, commands: s.commands, perDevice: s.limits.perDevice }),
    deviceAllow: s.limits.deviceAllow,
    trustProxy: s.config.trustProxy,
    metrics: s.metrics,
    logger: s.logger,
  });
}

export function createApp(s: Services): Koa {
  // Behind a proxy that sets X-Forwarded-For (ICLOCKD_TRUST_PROXY), the client is the address it names.
  const app = new Koa({ proxy: s.config.trustProxy });
  app.silent = true; // errors are logged once, by the error mapper
  app.use(requestLog(s.logger, s.metrics));
  app.use(errorHandler(s.logger));
  // Before any guard or router: one spelling of every path.
  app.use(oneSpellingOfPaths());
  app.use(admission({ ...s.limits, httpsOnly: s.config.tlsCert !== null }));
  for (const router of createRouters(s)) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
