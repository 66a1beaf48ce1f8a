// Process entry for `iclockd serve`: config → database (migrated) → app → listen, and a
// graceful stop on SIGINT/SIGTERM.
import type { Server } from 'node:http';
import { type Services, createApp, createServices } from './app.js';
import { type Config, databaseTimeouts } from './config.js';
import { boundPort, listen, stopServer } from './http/server.js';
import { type Logger, createLogger } from './log.js';
import { closeDatabase, migrateDatabase, openDatabase } from './store/db.js';
import { VERSION } from './version.js';

export interface RunningServer {
  services: Services;
  server: Server;
  port: number;
  /** Stops accepting, finishes in-flight requests, closes the pool. */
  stop(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const applied = await migrateDatabase(config.databaseUrl, config.dbAcquireTimeoutSeconds);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const db = await openDatabase(config.databaseUrl, databaseTimeouts(config));
  const services = createServices(config, db, logger);
  services.registry.start();
  services.retention.start();
  services.reconciler.start();
  services.finalizer.start();
  if (config.outboxWorker) services.outbox.start();
  const server = await listen(createApp(services), config.port, config.host, config.requestTimeoutSeconds).catch(async (err: unknown) => {
    await services.outbox.stop();
    await closeDatabase(db);
    throw err;
  });
  const port = boundPort(server);
  logger.info({ version: VERSION, host: config.host, port, database: db.safeUrl, time_zone: config.timeZone }, 'iclockd listening');

  let stopping: Promise<void> | undefined;
  return {
    services,
    server,
    port,
    stop() {
      stopping ??= (async () => {
        services.health.markShuttingDown();
        await stopServer(server, config.shutdownGraceSeconds * 1000);
        services.retention.stop();
        services.reconciler.stop();
        services.finalizer.stop();
        // In-flight deliveries finish and are recorded before the pool closes.
        await services.outbox.stop();
        await services.registry.stop();
        await closeDatabase(db);
        logger.info('iclockd stopped');
      })();
      return stopping;
    },
  };
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
