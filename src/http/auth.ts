// Route guards: who may call what. `admin` may do everything; `ingest` only what names it.
// A caller is an `Authorization: token KEY:SECRET` header or, for the web console, a session
// cookie; a cookie-authenticated request that changes something must also carry
// X-Requested-With (which no other site can add without a CORS preflight we never grant) and,
// when the browser sends Origin, come from this very host (CSRF).
import type { Context } from 'koa';
import type { ApiKeyService, Principal, Role } from '../auth/apiKeys.js';
import { AppError } from '../errors.js';

export interface AuthState {
  principal?: Principal;
}

export const SESSION_COOKIE = 'iclockd_session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Throws permission_error unless a state-changing request plainly comes from this site's own pages. */
export function requireSameSite(ctx: Context): void {
  if (SAFE_METHODS.has(ctx.method)) return;
  if (!ctx.get('x-requested-with')) {
    throw new AppError('permission_error', 'A request signed in by the console cookie must send the X-Requested-With header');
  }
  const origin = ctx.get('origin');
  if (origin) {
    let host: string | null = null;
    try {
      host = new URL(origin).host;
    } catch {
      host = null;
    }
    if (host !== ctx.host) throw new AppError('permission_error', `Requests from ${origin} may not use this console session`);
  }
}

/** Who is calling: the Authorization header if there is one, else the console session cookie. */
export async function authenticate(apiKeys: ApiKeyService, ctx: Context): Promise<Principal> {
  const header = ctx.get('authorization');
  const token = header ? undefined : ctx.cookies.get(SESSION_COOKIE);
  if (!token) return apiKeys.authenticate(header || undefined);
  const principal = await apiKeys.authenticateSession(token);
  requireSameSite(ctx);
  return principal;
}

/**
 * The guard of every non-public route (its operation runs it first, see operation.ts): the
 * caller must hold `role`, and `admin` may call everything. Throws authentication_error or
 * permission_error; on success the caller is in ctx.state.principal.
 */
export async function authorize(apiKeys: ApiKeyService, ctx: Context, role: Role): Promise<Principal> {
  const principal = await authenticate(apiKeys, ctx);
  if (principal.role !== 'admin' && principal.role !== role) {
    throw new AppError('permission_error', `An API key with role ${principal.role} may not call ${ctx.method} ${ctx.path}`);
  }
  (ctx.state as AuthState).principal = principal;
  return principal;
}
