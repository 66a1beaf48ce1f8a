// /api/v1/targets and /api/v1/outbox: where check-ins are forwarded, and what is waiting,
// refused or dead. Secrets of targets are never answered (masked).
import Router from '@koa/router';
import type { ApiKeyService } from '../auth/apiKeys.js';
import { AppError } from '../errors.js';
import { type OutboxService, outboxEntryView, targetView } from '../outbox/service.js';
import { requireRole } from './auth.js';
import { readJsonBody } from './body.js';
import { pageOf, parsePageWindow } from './pagination.js';

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export function outboxRoutes(apiKeys: ApiKeyService, outbox: OutboxService, maxBodyBytes: number): Router {
  const router = new Router({ prefix: '/api/v1' });
  router.use(requireRole(apiKeys, 'admin'));

  router.get('/targets', async (ctx) => {
    const { page, window } = parsePageWindow(ctx.query);
    const [targets, queues] = await Promise.all([outbox.listTargets(), outbox.queues()]);
    const slice = targets.slice(window.offset, window.offset + window.limit);
    ctx.body = pageOf(page, slice.map((t) => targetView(t, queues.get(t.id))), targets.length);
  });
  router.post('/targets', async (ctx) => {
    const { target, generatedSecret } = await outbox.addTarget(await readJsonBody(ctx, maxBodyBytes));
    ctx.status = 201;
    // A generated signing secret is shown this once, like an API key's.
    ctx.body = { success: true, ...targetView(target), ...(generatedSecret ? { secret: generatedSecret } : {}) };
  });
  router.get('/targets/:name', async (ctx) => {
    const target = await outbox.getTarget(ctx.params.name!);
    ctx.body = targetView(target, (await outbox.queues()).get(target.id));
  });
  router.patch('/targets/:name', async (ctx) => {
    ctx.body = { success: true, ...targetView(await outbox.updateTarget(ctx.params.name!, await readJsonBody(ctx, maxBodyBytes))) };
  });
  router.delete('/targets/:name', async (ctx) => {
    await outbox.removeTarget(ctx.params.name!);
    ctx.body = { success: true, name: ctx.params.name };
  });
  router.post('/targets/:name/test', async (ctx) => {
    const result = await outbox.testTarget(ctx.params.name!);
    ctx.body = { success: result.ok, target: ctx.params.name, status: result.status, message: result.message };
  });
  router.post('/targets/:name/pause', async (ctx) => {
    ctx.body = { success: true, ...targetView(await outbox.pauseTarget(ctx.params.name!)) };
  });
  router.post('/targets/:name/resume', async (ctx) => {
    ctx.body = { success: true, ...targetView(await outbox.resumeTarget(ctx.params.name!)) };
  });

  router.get('/outbox', async (ctx) => {
    const { page, window } = parsePageWindow(ctx.query);
    const states = text(ctx.query.state)?.split(',');
    const listed = await outbox.list({ states, target: text(ctx.query.target), employee: text(ctx.query.employee) }, window);
    ctx.body = pageOf(page, listed.rows.map(outboxEntryView), listed.total);
  });
  router.post('/outbox/retry', async (ctx) => {
    const body = await readJsonBody(ctx, maxBodyBytes);
    const state = body.state ?? 'dead';
    if (state !== 'dead' && state !== 'rejected') throw new AppError('validation_error', 'state must be dead or rejected', { fields: ['state'] });
    const requeued = await outbox.retryAll(state, text(body.target));
    ctx.body = { success: true, state, requeued };
  });
  const rowId = (raw: string | undefined) => {
    const id = Number(raw);
    if (!Number.isInteger(id) || id < 1) throw new AppError('not_found', `No outbox row ${raw}`);
    return id;
  };
  router.get('/outbox/:id', async (ctx) => {
    ctx.body = outboxEntryView(await outbox.get(rowId(ctx.params.id)));
  });
  router.post('/outbox/:id/retry', async (ctx) => {
    ctx.body = { success: true, ...outboxEntryView(await outbox.retry(rowId(ctx.params.id))) };
  });

  return router;
}
