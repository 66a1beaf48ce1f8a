// /api/v1/session: the web console's sign-in. POST checks an admin key (in the body, or the
// Authorization header) and sets the session cookie: HttpOnly, SameSite=Strict, Path=/, and
// Secure when the request came over TLS. GET says who is signed in; DELETE signs out.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { ApiKeyService, Principal } from '../auth/apiKeys.js';
import { AppError } from '../errors.js';
import { type AuthState, SESSION_COOKIE, requireRole, requireSameSite } from './auth.js';
import { readJsonBody } from './body.js';

function cookieOptions(ctx: Context, expires: Date) {
  return { httpOnly: true, sameSite: 'strict' as const, secure: ctx.secure, path: '/', expires, overwrite: true };
}

function principalView(p: Principal) {
  return { api_key: p.apiKey, label: p.label, role: p.role };
}

export function sessionRoutes(apiKeys: ApiKeyService, maxBodyBytes: number, timeZone: string): Router {
  const router = new Router({ prefix: '/api/v1/session' });

  router.post('/', async (ctx) => {
    const body = await readJsonBody(ctx, maxBodyBytes);
    const key = typeof body.api_key === 'string' ? body.api_key.trim() : '';
    const secret = typeof body.api_secret === 'string' ? body.api_secret.trim() : '';
    const header = ctx.get('authorization') || (key && secret ? `token ${key}:${secret}` : undefined);
    if (!header) throw new AppError('authentication_error', 'Sign in with an admin API key and its secret (api_key, api_secret)');
    const principal = await apiKeys.authenticate(header);
    if (principal.role !== 'admin') throw new AppError('permission_error', `The console needs an admin key; ${principal.apiKey} has role ${principal.role}`);
    // No other site may sign a browser in (login CSRF).
    requireSameSite(ctx);
    const { token, expiresAt } = await apiKeys.startSession(principal);
    ctx.cookies.set(SESSION_COOKIE, token, cookieOptions(ctx, expiresAt));
    ctx.body = { success: true, ...principalView(principal), expires_at: expiresAt.toISOString() };
  });

  router.get('/', requireRole(apiKeys, 'admin'), async (ctx) => {
    // The zone the console shows instants in (ICLOCKD_TZ), as the API's dates are read in it.
    ctx.body = { success: true, ...principalView((ctx.state as AuthState).principal!), time_zone: timeZone };
  });

  router.delete('/', requireRole(apiKeys, 'admin'), async (ctx) => {
    const token = ctx.cookies.get(SESSION_COOKIE);
    if (token) await apiKeys.endSession(token);
    ctx.cookies.set(SESSION_COOKIE, '', cookieOptions(ctx, new Date(0)));
    ctx.body = { success: true, signed_out: Boolean(token) };
  });

  return router;
}
