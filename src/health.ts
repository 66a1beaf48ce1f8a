// Liveness and readiness: is the process up, and can it do its job (database reachable,
// schema current, not shutting down).
import { type GaleraStatus, galeraStatus } from './store/databaseServer.js';
import { type Database, migrationStatus } from './store/db.js';
import { VERSION } from './version.js';

export interface Readiness {
  ready: boolean;
  database: 'ok' | 'unreachable';
  migrations: { applied: number; pending: string[] } | null;
  shutting_down: boolean;
  error?: string;
}

/** The longest /readyz takes to answer. */
const READINESS_TIMEOUT_MS = 2_000;

export class HealthService {
  /** performance.now() at start: uptime is a span this process measures, not an instant. */
  private readonly startedAt = performance.now();
  private shuttingDown = false;
  /** The database check in flight. */
  private checking: Promise<Readiness> | null = null;

  constructor(private readonly db: Database) {}

  liveness(): { status: 'ok'; version: string; uptime_seconds: number } {
    return { status: 'ok', version: VERSION, uptime_seconds: Math.round((performance.now() - this.startedAt) / 1000) };
  }

  /** The database node's Galera status (null: not a Galera node), for the metrics. */
  galera(): Promise<GaleraStatus | null> {
    return galeraStatus(this.db);
  }

  /** From now on readiness is false, so a load balancer drains this instance. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  /**
   * Ready or not within READINESS_TIMEOUT_MS, whatever the database does: a load balancer's
   * check gives up after a few seconds, and a silent link (a partition) would otherwise hold
   * it for the statement timeout. Checks share the one in flight, so a silent link costs one
   * hanging query, not one per check.
   */
  async readiness(): Promise<Readiness> {
    this.checking ??= this.check().finally(() => {
      this.checking = null;
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Readiness>((resolve) => {
      timer = setTimeout(() => resolve(this.unreachable(`no answer within ${READINESS_TIMEOUT_MS / 1000} s`)), READINESS_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.checking, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async check(): Promise<Readiness> {
    try {
      const status = await migrationStatus(this.db);
      return {
        ready: status.pending.length === 0 && !this.shuttingDown,
        database: 'ok',
        migrations: { applied: status.applied.length, pending: status.pending },
        shutting_down: this.shuttingDown,
      };
    } catch (err) {
      return this.unreachable((err as Error).message);
    }
  }

  private unreachable(error: string): Readiness {
    return { ready: false, database: 'unreachable', migrations: null, shutting_down: this.shuttingDown, error };
  }
}
