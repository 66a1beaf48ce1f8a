// One sync_log row per inbound request, `processed` or `error`, with what the handler
// reports in ctx.state; written before the reply goes out.
import type { Context, Next } from 'koa';
import type { Logger } from '../log.js';
import { NO_COUNTS, type SyncCounts, type SyncLogService } from '../pipeline/syncLog.js';
import { mapError } from './errorReplies.js';

/** What a handler tells the sync log about its request. */
export interface SyncState {
  syncDevice?: string | null;
  syncCounts?: SyncCounts;
  /** Why a request that was answered still failed (text replies carry no error field). */
  syncError?: string;
}

/** Why an answered request was refused: the API's `error`, or Frappe's `exception` (the HRMS method's replies). */
function refusalOf(body: unknown): string | null {
  const b = body as { error?: unknown; exception?: unknown } | undefined;
  if (typeof b?.error === 'string') return b.error;
  if (typeof b?.exception === 'string') return b.exception;
  return null;
}

export function syncLogged(syncLog: SyncLogService, channel: string, logger: Logger, endpoint: (ctx: Context) => string = (ctx) => ctx.path) {
  return async function logSync(ctx: Context, next: Next): Promise<void> {
    const started = process.hrtime.bigint();
    const receivedAt = syncLog.now();
    let thrown: unknown;
    try {
      await next();
    } catch (err) {
      thrown = err;
      throw err;
    } finally {
      const state = ctx.state as SyncState;
      const status = thrown ? mapError(thrown).status : ctx.status;
      const error = thrown ? (thrown as Error).message : (state.syncError ?? (status >= 400 ? refusalOf(ctx.body) : null));
      await syncLog
        .record({
          channel,
          endpoint: endpoint(ctx),
          remoteAddress: ctx.ip,
          receivedAt,
          ok: status < 400 && !state.syncError,
          device: state.syncDevice ?? null,
          counts: state.syncCounts ?? NO_COUNTS,
          error,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        })
        .catch((err: unknown) => logger.error({ err, channel, path: ctx.path }, 'could not write the sync log row'));
    }
  };
}
