// The id each inbound request is known by: in its log line, its sync-log row, a terminal
// request's archive row and the X-Iclockd-Request reply header, so an integrator can quote it
// and an operator find all of them.
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';

/** The reply header that carries it, on every reply (terminal, JSON, console). */
export const REQUEST_ID_HEADER = 'X-Iclockd-Request';

/**
 * 32 hex digits: the millisecond it was made (12 digits, as a UUIDv7 begins), then the last 20
 * digits of a v4 UUID (76 random bits). Unique across instances and restarts without an instance
 * id or a shared counter; time first, so that the ids of rows written together sort together and
 * the request_id indexes of the archive and the sync log grow at their end like their other
 * indexes. A random id put each row on a random page of an index as large as the table: on
 * SQLite a sync-log row cost twice as much with it as without it, and as much without it as
 * with a time-ordered one (600,000 rows in statements of 60). randomUUID draws from Node's cached
 * entropy, about 0.1 µs against about 4 µs for randomBytes, which counts on the poll every
 * terminal makes every few seconds.
 */
export function newRequestId(now = Date.now()): string {
  return now.toString(16).padStart(12, '0') + randomUUID().replaceAll('-', '').slice(12);
}

const ids = new WeakMap<Context, string>();

/** This request's id, made on first ask (the request log, the sync log and the terminal routes ask for it). */
export function requestIdOf(ctx: Context): string {
  let id = ids.get(ctx);
  if (id === undefined) ids.set(ctx, (id = newRequestId()));
  return id;
}
