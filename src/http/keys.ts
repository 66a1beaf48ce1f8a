// /api/v1/keys: the admin API for API keys, mirroring `iclockd keys`.
import Router from '@koa/router';
import type { ApiKeyRecord, ApiKeyService, Role } from '../auth/apiKeys.js';
import { AppError } from '../errors.js';
import { requireRole } from './auth.js';
import { readJsonBody } from './body.js';
import { pageOf, parsePageRequest } from './pagination.js';

export function keyView(k: ApiKeyRecord) {
  return {
    api_key: k.apiKey,
    label: k.label,
    role: k.role,
    status: k.revokedAt ? 'revoked' : 'active',
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
    revoked_at: k.revokedAt?.toISOString() ?? null,
  };
}

export function keyRoutes(apiKeys: ApiKeyService, maxBodyBytes: number): Router {
  const router = new Router({ prefix: '/api/v1/keys' });
  router.use(requireRole(apiKeys, 'admin'));

  router.get('/', async (ctx) => {
    const request = parsePageRequest(ctx.query);
    const { rows: keys, total } = await apiKeys.list({ offset: (request.page - 1) * request.pageSize, limit: request.pageSize });
    ctx.body = pageOf(request, keys.map(keyView), total);
  });

  router.post('/', async (ctx) => {
    const body = await readJsonBody(ctx, maxBodyBytes);
    const bad: string[] = [];
    if (typeof body.label !== 'string' || !body.label.trim()) bad.push('label');
    if (body.role !== undefined && body.role !== 'ingest' && body.role !== 'admin') bad.push('role');
    if (bad.length) {
      throw new AppError('validation_error', `Invalid fields: ${bad.join(', ')} (label: non-empty text; role: ingest or admin)`, {
        fields: bad,
      });
    }
    const created = await apiKeys.create(body.label as string, (body.role as Role | undefined) ?? 'ingest');
    ctx.status = 201;
    ctx.body = { success: true, api_key: created.apiKey, api_secret: created.secret, label: created.label, role: created.role };
  });

  router.delete('/:key', async (ctx) => {
    await apiKeys.revoke(ctx.params.key!);
    ctx.body = { success: true, api_key: ctx.params.key, status: 'revoked' };
  });

  return router;
}
