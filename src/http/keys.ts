// /api/v1/keys: the admin API for API keys, mirroring `iclockd keys`.
import type Router from '@koa/router';
import { z } from 'zod';
import type { ApiKeyRecord, ApiKeyService } from '../auth/apiKeys.js';
import { listOf, operations, pageQuery, resource, successBody } from './operation.js';
import { pageOf, pageWindow } from './pagination.js';
import { newRouter } from './routing.js';
import { charsOf } from '../store/columns.js';

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

const KeyCreate = z.object({
  label: z
    .string({ error: 'non-empty text' })
    .trim()
    .min(1, 'non-empty text')
    .max(charsOf('api_keys', 'label'), `at most ${charsOf('api_keys', 'label')} characters`)
    .refine((v) => v.isWellFormed(), 'valid Unicode text')
    .describe('Who or what the key is for'),
  role: z.enum(['ingest', 'admin'], { error: 'ingest or admin' }).optional().describe('Default ingest'),
});
const Key = resource('API key', 'api_key, label, role, status (active/revoked), created_at, last_used_at, revoked_at');

export function keyRoutes(apiKeys: ApiKeyService, maxBodyBytes: number): Router {
  const router = newRouter('/api/v1');
  const op = operations({ tag: 'Keys', access: 'admin', apiKeys, maxBodyBytes });

  router.get(
    '/keys',
    op({ summary: 'List API keys', query: pageQuery, response: { description: 'Keys', schema: listOf(Key) } }, async (ctx, { query }) => {
      const { page, window } = pageWindow(query);
      const { rows: keys, total } = await apiKeys.list(window);
      ctx.body = pageOf(page, keys.map(keyView), total);
    }),
  );

  router.post(
    '/keys',
    op(
      {
        summary: 'Create an API key',
        description: 'Answers the secret once; only its salted hash is kept.',
        body: KeyCreate,
        status: 201,
        response: { description: 'The key and its secret', schema: successBody('api_key, api_secret, label, role') },
      },
      async (ctx, { body }) => {
        const created = await apiKeys.create(body.label, body.role ?? 'ingest');
        ctx.status = 201;
        ctx.body = { success: true, api_key: created.apiKey, api_secret: created.secret, label: created.label, role: created.role };
      },
    ),
  );

  router.delete(
    '/keys/:key',
    op({ summary: 'Revoke an API key', errors: ['not_found'], response: { description: 'Revoked', schema: successBody('api_key, status: revoked') } }, async (ctx) => {
      await apiKeys.revoke(ctx.params.key!);
      ctx.body = { success: true, api_key: ctx.params.key, status: 'revoked' };
    }),
  );

  return router;
}
