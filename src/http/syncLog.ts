// One sync_log row per inbound request, `processed` or `error`, with what the handler
// reports; written before the reply goes out.
import type { Context, Next } from 'koa';
import type { Logger } from '../log.js';
import { NO_COUNTS, type SyncCounts, type SyncLogService } from '../pipeline/syncLog.js';
import { mapError } from './errorReplies.js';
import { requestIdOf } from './requestId.js';

/** What a JSON or admin handler tells the sync log about its request, in ctx.state (terminal requests report through their IclockRequest). */
export interface SyncState {
  syncDevice?: string | null;
  syncCounts?: SyncCounts;
  /** Why a request that was answered still failed (text replies carry no error field). */
  syncError?: string;
}

/** What a sync-log row says of a request besides its outcome, as read once it is answered. */
export interface SyncReport {
  requestId: string;
  endpoint: string;
  device: string | null;
  counts: SyncCounts;
  /** Why a request that was answered still failed (text replies carry no error field). */
  error: string | null;
}

/** Why an answered request was refused: the API's `error`, or Frappe's `exception` (the HRMS method's replies). */
function refusalOf(body: unknown): string | null {
  const b = body as { error?: unknown; exception?: unknown } | undefined;
  if (typeof b?.error === 'string') return b.error;
  if (typeof b?.exception === 'string') return b.exception;
  return null;
}

/** Runs `handle`, then writes the request's row with what `report` says by then (thrown errors pass on). */
export function syncRecorder(syncLog: SyncLogService, channel: string, logger: Logger) {
  return async function recordSync(ctx: Context, handle: () => Promise<unknown>, report: () => SyncReport): Promise<void> {
    const started = process.hrtime.bigint();
    const receivedAt = syncLog.now();
    let thrown: unknown;
    try {
      await handle();
    } catch (err) {
      thrown = err;
      throw err;
    } finally {
      const r = report();
      const status = thrown ? mapError(thrown).status : ctx.status;
      const error = thrown ? (thrown as Error).message : (r.error ?? (status >= 400 ? refusalOf(ctx.body) : null));
      await syncLog
        .record({
          requestId: r.requestId,
          channel,
          endpoint: r.endpoint,
          remoteAddress: ctx.ip,
          receivedAt,
          ok: status < 400 && r.error === null,
          device: r.device,
          counts: r.counts,
          error,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        })
        .catch((err: unknown) => logger.error({ err, channel, path: ctx.path, request: r.requestId }, 'could not write the sync log row'));
    }
  };
}

/** Middleware for JSON and admin routes: the row reports what the handler left in ctx.state (SyncState). */
export function syncLogged(syncLog: SyncLogService, channel: string, logger: Logger) {
  const recordSync = syncRecorder(syncLog, channel, logger);
  return function logSync(ctx: Context, next: Next): Promise<void> {
    return recordSync(ctx, next, () => {
      const state = ctx.state as SyncState;
      return { requestId: requestIdOf(ctx), endpoint: ctx.path, device: state.syncDevice ?? null, counts: state.syncCounts ?? NO_COUNTS, error: state.syncError ?? null };
    });
  };
}
