// The JSON API's and the terminals' allow-lists and the JSON API's per-address rate limit, in
// front of every route (a per-key limit is part of the key check, a per-terminal cap part of
// the device routes).
import type { Context, Next } from 'koa';
import { AppError } from '../errors.js';
import { type AllowList, type RateLimiter, rateLimited } from '../limits.js';
import { DEVICE_REFUSED } from './iclock.js';

const PLAIN_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The JSON API's and the terminals' allow-lists, and the per-address limit of the JSON API
 * (before any key is checked, so a flood costs no scrypt). Terminals are refused in text.
 */
export function admission(o: { apiAllow: AllowList; deviceAllow: AllowList; perAddress: RateLimiter; httpsOnly: boolean }) {
  return async function admit(ctx: Context, next: Next): Promise<void> {
    // With TLS on, the plain port is for terminals (and health checks): keys never travel in clear.
    if (o.httpsOnly && !ctx.secure && !ctx.path.startsWith('/iclock/') && !PLAIN_PATHS.has(ctx.path)) {
      throw new AppError('permission_error', 'Use HTTPS: the plain-HTTP port serves terminals and health checks only');
    }
    if (ctx.path.startsWith('/iclock/')) {
      if (!o.deviceAllow.allows(ctx.ip)) {
        ctx.status = 403;
        ctx.type = 'text/plain';
        ctx.body = DEVICE_REFUSED;
        return;
      }
    } else if (ctx.path.startsWith('/api/')) {
      if (!o.apiAllow.allows(ctx.ip)) throw new AppError('permission_error', 'This address may not use the API');
      const wait = o.perAddress.take(ctx.ip);
      if (wait) throw rateLimited(wait, `from ${ctx.ip}`);
    }
    await next();
  };
}
