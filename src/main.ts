// Process entry for `iclockd serve`: config → database (migrated) → app → listen, and a
// graceful stop on SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { type Services, createHandler, createServices } from './app.js';
import type { Clock } from './clock.js';
import { type Config, ConfigError, databaseTimeouts, detectHostTimeZone, settingOrigin } from './config.js';
import { boundPort, listen, stopServer } from './http/server.js';
import { type Logger, createLogger } from './log.js';
import { closeDatabase, migrateDatabase, openDatabase } from './store/db.js';
import { VERSION } from './version.js';

export interface RunningServer {
  services: Services;
  server: Server;
  port: number;
  /** With TLS: the plain-HTTP port for terminals (ICLOCKD_HTTP_PORT), if any. */
  plainPort?: number;
  /** Stops accepting, finishes in-flight requests, closes the pool. */
  stop(): Promise<void>;
}

/** `clock`: see createServices (tests only). */
export async function startServer(config: Config, logger: Logger = createLogger(config.logLevel), clock?: Clock): Promise<RunningServer> {
  // A TZ Node does not know runs as UTC without a word; shift times would silently be UTC.
  const host = detectHostTimeZone();
  if (host.problem && settingOrigin(config, 'timeZone') === undefined) {
    logger.warn({ time_zone: config.timeZone }, `${host.problem}: shift times and wall times are read in ${config.timeZone}; set ICLOCKD_TZ (iclockd doctor checks it)`);
  }
  const applied = await migrateDatabase(config.databaseUrl, config.dbAcquireTimeoutSeconds);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const db = await openDatabase(config.databaseUrl, databaseTimeouts(config));
  const services = createServices(config, db, logger, clock);
  services.registry.start();
  services.retention.start();
  services.reconciler.start();
  services.finalizer.start();
  services.ingest.start(logger);
  if (config.outboxWorker) services.outbox.start();
  const app = createHandler(services);
  const tlsOn = config.tlsCert !== null;
  const servers: Server[] = [];
  try {
    const tls = config.tlsCert && config.tlsKey ? { cert: readPem(config.tlsCert, 'ICLOCKD_TLS_CERT'), key: readPem(config.tlsKey, 'ICLOCKD_TLS_KEY') } : undefined;
    servers.push(await listen(app, config.port, config.host, config.requestTimeoutSeconds, tls));
    // Terminals that cannot do HTTPS: the same app in plain HTTP (it serves them and health only).
    if (tls && config.httpPort !== null) servers.push(await listen(app, config.httpPort, config.host, config.requestTimeoutSeconds));
  } catch (err) {
    for (const s of servers) await stopServer(s, 0);
    await services.outbox.stop();
    await closeDatabase(db);
    throw err;
  }
  const [server, plainServer] = servers as [Server, Server | undefined];
  // Terminals are polled once the server is up (a failed start polls nothing).
  services.pollers.start();
  const port = boundPort(server);
  const plainPort = plainServer ? boundPort(plainServer) : undefined;
  logger.info(
    { version: VERSION, host: config.host, port, tls: Boolean(tlsOn), http_port: plainPort, database: db.safeUrl, time_zone: config.timeZone },
    'iclockd listening',
  );

  let stopping: Promise<void> | undefined;
  return {
    services,
    server,
    port,
    plainPort,
    stop() {
      stopping ??= (async () => {
        services.health.markShuttingDown();
        // Live-feed streams end now: they would otherwise hold their connections for the whole grace period.
        services.ingest.feed.close();
        await Promise.all(servers.map((s) => stopServer(s, config.shutdownGraceSeconds * 1000)));
        services.retention.stop();
        services.reconciler.stop();
        services.finalizer.stop();
        // Polls running now finish (their punches commit, their terminals are enabled again).
        await services.pollers.stop();
        services.ingest.stop();
        // In-flight deliveries finish and are recorded before the pool closes.
        await services.outbox.stop();
        await services.registry.stop();
        services.deviceCache.stop();
        await closeDatabase(db);
        logger.info('iclockd stopped');
      })();
      return stopping;
    },
  };
}

function readPem(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${variable} names ${path}, which cannot be read: ${(err as Error).message}`);
  }
}

/** Runs until SIGINT or SIGTERM, then stops gracefully and exits 0. */
export async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const running = await startServer(config, logger);
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
