// Route guards: who may call what. `admin` may do everything; `ingest` only what names it.
import type { Context, Next } from 'koa';
import type { ApiKeyService, Principal, Role } from '../auth/apiKeys.js';
import { AppError } from '../errors.js';

export interface AuthState {
  principal?: Principal;
}

export function requireRole(apiKeys: ApiKeyService, ...allowed: Role[]) {
  return async function authorize(ctx: Context, next: Next): Promise<void> {
    const principal = await apiKeys.authenticate(ctx.get('authorization') || undefined);
    if (principal.role !== 'admin' && !allowed.includes(principal.role)) {
      throw new AppError('permission_error', `An API key with role ${principal.role} may not call ${ctx.method} ${ctx.path}`);
    }
    (ctx.state as AuthState).principal = principal;
    await next();
  };
}
