// The id each inbound request is known by: in its log line, its sync-log row, a terminal
// request's archive row and the X-Iclockd-Request reply header, so an integrator can quote it
// and an operator find all of them.
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';

/** The reply header that carries it, on every reply (terminal, JSON, console). */
export const REQUEST_ID_HEADER = 'X-Iclockd-Request';

/**
 * 32 hex digits, 122 of their 128 bits random (a v4 UUID without its dashes; the shape of a
 * W3C trace id): unique across instances and restarts without an instance id or a shared
 * counter. randomUUID draws from Node's cached entropy, about 0.1 µs against about 4 µs for
 * randomBytes(16), which counts on the poll every terminal makes every few seconds.
 */
export function newRequestId(): string {
  return randomUUID().replaceAll('-', '');
}

const ids = new WeakMap<Context, string>();

/** This request's id, made on first ask (the request log, the sync log and the terminal routes ask for it). */
export function requestIdOf(ctx: Context): string {
  let id = ids.get(ctx);
  if (id === undefined) ids.set(ctx, (id = newRequestId()));
  return id;
}
