// The id each inbound request is known by: in its log line, its sync-log row, a terminal
// request's archive row and the X-Iclockd-Request reply header, so an integrator can quote it
// and an operator find all of them.
import type { Context } from 'koa';
import { newRequestId } from '../pipeline/syncLog.js';

/** The reply header that carries it, on every reply (terminal, JSON, console). */
export const REQUEST_ID_HEADER = 'X-Iclockd-Request';

const ids = new WeakMap<Context, string>();

/** This request's id, made on first ask (the request log, the sync log and the terminal routes ask for it). */
export function requestIdOf(ctx: Context): string {
  let id = ids.get(ctx);
  if (id === undefined) ids.set(ctx, (id = newRequestId()));
  return id;
}
