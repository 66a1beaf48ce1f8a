// /api/v1/session: the web console's sign-in. POST checks an admin key (in the body, or the
// Authorization header) and sets the session cookie: HttpOnly, SameSite=Strict, Path=/, and
// Secure when the request came over TLS. GET says who is signed in; DELETE signs out.
import type Router from '@koa/router';
import { newRouter } from './routing.js';
import { z } from 'zod';
import type { Context } from 'koa';
import type { ApiKeyService, Principal } from '../auth/apiKeys.js';
import { AppError } from '../errors.js';
import { type AuthState, SESSION_COOKIE, requireSameSite } from './auth.js';
import { operations, successBody } from './operation.js';

function cookieOptions(ctx: Context, expires: Date) {
  return { httpOnly: true, sameSite: 'strict' as const, secure: ctx.secure, path: '/', expires, overwrite: true };
}

function principalView(p: Principal) {
  return { api_key: p.apiKey, label: p.label, role: p.role };
}

const SignIn = z.object({
  api_key: z.string().optional().describe('An admin key (or send the Authorization header instead)'),
  api_secret: z.string().optional().describe('Its secret'),
});

export function sessionRoutes(apiKeys: ApiKeyService, maxBodyBytes: number, timeZone: string): Router {
  const router = newRouter('/api/v1');
  const op = operations({ tag: 'Console session', access: 'admin', apiKeys, maxBodyBytes });

  router.post(
    '/session',
    op(
      {
        summary: 'Sign the console in',
        checksItsOwnKey: true,
        description: 'Checks an admin key and sets the iclockd_session cookie (HttpOnly, SameSite=Strict, Path=/, Secure over TLS). Needs X-Requested-With, and a same-site Origin when the browser sends one.',
        body: SignIn,
        response: { description: 'Who signed in, and until when', schema: successBody('api_key, label, role, expires_at') },
      },
      async (ctx, { body }) => signIn(ctx, body),
    ),
  );

  async function signIn(ctx: Context, body: z.output<typeof SignIn>): Promise<void> {
    const key = body.api_key?.trim() ?? '';
    const secret = body.api_secret?.trim() ?? '';
    const header = ctx.get('authorization') || (key && secret ? `token ${key}:${secret}` : undefined);
    if (!header) throw new AppError('authentication_error', 'Sign in with an admin API key and its secret (api_key, api_secret)');
    const principal = await apiKeys.authenticate(header);
    if (principal.role !== 'admin') throw new AppError('permission_error', `The console needs an admin key; ${principal.apiKey} has role ${principal.role}`);
    // No other site may sign a browser in (login CSRF).
    requireSameSite(ctx);
    const { token, expiresAt } = await apiKeys.startSession(principal);
    ctx.cookies.set(SESSION_COOKIE, token, cookieOptions(ctx, expiresAt));
    ctx.body = { success: true, ...principalView(principal), expires_at: expiresAt.toISOString() };
  }

  router.get(
    '/session',
    op({ summary: 'Who is signed in', response: { description: 'The principal, and the zone the console shows instants in (ICLOCKD_TZ)', schema: successBody('api_key, label, role, time_zone') } }, async (ctx) => {
      ctx.body = { success: true, ...principalView((ctx.state as AuthState).principal!), time_zone: timeZone };
    }),
  );

  router.delete(
    '/session',
    op({ summary: 'Sign out', description: 'Ends the session and clears the cookie.', response: { description: 'signed_out: whether a session was ended', schema: successBody('signed_out') } }, async (ctx) => {
      const token = ctx.cookies.get(SESSION_COOKIE);
      if (token) await apiKeys.endSession(token);
      ctx.cookies.set(SESSION_COOKIE, '', cookieOptions(ctx, new Date(0)));
      ctx.body = { success: true, signed_out: Boolean(token) };
    }),
  );

  return router;
}
