// Sets of services on one database, as separate `iclockd serve` processes would have, with the
// outbox worker tuned to milliseconds so retries happen at once.
import { type Services, createServices } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type Logger, createLogger } from '../../src/log.js';
import { closeDatabase, openDatabase } from '../../src/store/db.js';

export const FAST_OUTBOX: Partial<Config> = {
  outboxPollMs: 10,
  outboxBackoffMs: 5,
  outboxBackoffMaxMs: 40,
  outboxTimeoutMs: 3000,
  // Nothing the fake ERPNext is sent keeps running after its answer, unless a test says so.
  outboxSettleMs: 0,
  outboxMaxTries: 1000,
  outboxMaxAgeHours: 24,
  outboxConcurrency: 4,
};

export interface Node {
  s: Services;
  /** Stops the worker (finishing in-flight deliveries) and closes this node's pool. */
  close(): Promise<void>;
}

/** A "process": its own pool on the database at `url`, its own services; the worker started unless told not to. */
export async function startNode(url: string, overrides: Partial<Config> = {}, opts: { worker?: boolean; logger?: Logger } = {}): Promise<Node> {
  const config: Config = { ...loadConfig({ ICLOCKD_TZ: 'UTC' }), databaseUrl: url, ...FAST_OUTBOX, ...overrides };
  const db = await openDatabase(url);
  const s = createServices(config, db, opts.logger ?? createLogger('silent'));
  if (opts.worker !== false) s.outbox.start();
  return {
    s,
    async close() {
      await s.outbox.stop();
      await closeDatabase(db);
    },
  };
}

/** Waits for a condition, polling; fails with `what` after a generous deadline (timings are never asserted). */
export async function until(what: string, check: () => boolean | Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}
