// Liveness and readiness: is the process up, and can it do its job (database reachable,
// schema current, not shutting down).
import { type Database, migrationStatus } from './store/db.js';
import { VERSION } from './version.js';

export interface Readiness {
  ready: boolean;
  database: 'ok' | 'unreachable';
  migrations: { applied: number; pending: string[] } | null;
  shutting_down: boolean;
  error?: string;
}

export class HealthService {
  private readonly startedAt = Date.now();
  private shuttingDown = false;

  constructor(private readonly db: Database) {}

  liveness(): { status: 'ok'; version: string; uptime_seconds: number } {
    return { status: 'ok', version: VERSION, uptime_seconds: Math.round((Date.now() - this.startedAt) / 1000) };
  }

  /** From now on readiness is false, so a load balancer drains this instance. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async readiness(): Promise<Readiness> {
    try {
      const status = await migrationStatus(this.db);
      return {
        ready: status.pending.length === 0 && !this.shuttingDown,
        database: 'ok',
        migrations: { applied: status.applied.length, pending: status.pending },
        shutting_down: this.shuttingDown,
      };
    } catch (err) {
      return {
        ready: false,
        database: 'unreachable',
        migrations: null,
        shutting_down: this.shuttingDown,
        error: (err as Error).message,
      };
    }
  }
}
