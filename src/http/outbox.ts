// /api/v1/targets and /api/v1/outbox: where check-ins are forwarded, and what is waiting,
// refused or dead. Secrets of targets are never answered (masked).
import type Router from '@koa/router';
import { newRouter } from './routing.js';
import type { ApiKeyService } from '../auth/apiKeys.js';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { EMPLOYEE_VALUES, ERPNEXT_METHODS } from '../outbox/erpnext.js';
import { OUTBOX_STATES } from '../store/outbox.js';
import { TARGET_KINDS } from '../store/targets.js';
import { FIELDNAME, type OutboxService, TARGET_NAME, httpUrl, outboxEntryView, targetView } from '../outbox/service.js';
import { commaListParam, listOf, listQuery, operations, pageQuery, resource, successBody, textParam } from './operation.js';
import { pageOf, pageWindow } from './pagination.js';

const targetName = z.string().regex(TARGET_NAME, 'letters, digits, . _ -, at most 64').describe('Cannot be changed');
const targetUrl = z.string().refine((v) => httpUrl(v) !== null, 'an http(s) URL').describe('The ERPNext site or the webhook');
const credential = z.string().trim().min(1).max(140);
const erpnextFields = {
  method: z.enum(ERPNEXT_METHODS).optional().describe('Default hrms'),
  employee_fieldname: z.string().regex(FIELDNAME, 'a field name').optional().describe('Default attendance_device_id'),
  employee_value: z.enum(EMPLOYEE_VALUES).optional().describe('What is sent as the employee (default attendance_device_id; employee for method resource)'),
  time_zone: z.string().optional().describe('IANA zone of the site (default ICLOCKD_TZ)'),
  paused: z.boolean().optional(),
};
const signingSecret = z.string().trim().min(16).max(200).describe('Signing secret, 16 characters or more');
/** A new target: the fields of its kind, and no others. */
const TargetCreate = z.discriminatedUnion('kind', [
  z.strictObject({ name: targetName, kind: z.literal('erpnext'), url: targetUrl, api_key: credential, api_secret: credential, ...erpnextFields }),
  z.strictObject({ name: targetName, kind: z.literal('webhook'), url: targetUrl, secret: signingSecret.optional().describe('Generated and answered once when absent'), paused: z.boolean().optional() }),
]);
/** A change: any field; which ones the target's kind takes is the service's check. */
const TargetChange = z.object({
  name: z.string().optional(),
  kind: z.enum(TARGET_KINDS).optional(),
  url: targetUrl.optional(),
  api_key: credential.optional(),
  api_secret: credential.optional(),
  ...erpnextFields,
  secret: signingSecret.optional(),
});
const OutboxQuery = listQuery({
  state: commaListParam(OUTBOX_STATES),
  target: textParam('Target name'),
  employee: textParam('Employee id'),
});
const RetryAll = z.object({ state: z.enum(['dead', 'rejected']).optional().describe('Default dead'), target: z.string().optional().describe('Only this target') });

const TARGET_FIELDS = 'name, kind, url, settings (secrets as ********), state, state_reason, queue {pending, rejected, dead}, last_delivered_at, last_error';
const TargetItem = resource('Target', TARGET_FIELDS);
const OutboxItem = resource(
  'Outbox row',
  'id, target, event, state, tries, next_attempt_at, in_flight, unconfirmed_send_at, failure_reason, last_error, last_status, remote_ref, idempotency_key and the check-in',
);

export function outboxRoutes(apiKeys: ApiKeyService, outbox: OutboxService, maxBodyBytes: number): Router {
  const router = newRouter('/api/v1');
  const targets = operations({ tag: 'Forwarding targets', access: 'admin', apiKeys, maxBodyBytes });
  const rows = operations({ tag: 'Outbox', access: 'admin', apiKeys, maxBodyBytes });
  const targetSaved = { description: 'The target', schema: successBody(TARGET_FIELDS) };
  const rowSaved = { description: 'The row', schema: successBody('the outbox row') };

  router.get(
    '/targets',
    targets({ summary: 'List forwarding targets', query: pageQuery, response: { description: 'Targets', schema: listOf(TargetItem) } }, async (ctx, { query }) => {
      const { page, window } = pageWindow(query);
      const [all, queues] = await Promise.all([outbox.listTargets(), outbox.queues()]);
      const slice = all.slice(window.offset, window.offset + window.limit);
      ctx.body = pageOf(page, slice.map((t) => targetView(t, queues.get(t.id))), all.length);
    }),
  );
  router.post(
    '/targets',
    targets({ summary: 'Add a forwarding target', body: TargetCreate, status: 201, errors: ['conflict'], response: targetSaved }, async (ctx, { body }) => {
      const { target, generatedSecret } = await outbox.addTarget(body);
      ctx.status = 201;
      // A generated signing secret is shown this once, like an API key's.
      ctx.body = { success: true, ...targetView(target), ...(generatedSecret ? { secret: generatedSecret } : {}) };
    }),
  );
  router.get(
    '/targets/:name',
    targets({ summary: 'Read a forwarding target', errors: ['not_found'], response: { description: 'The target', schema: TargetItem } }, async (ctx) => {
      const target = await outbox.getTarget(ctx.params.name!);
      ctx.body = targetView(target, (await outbox.queues()).get(target.id));
    }),
  );
  router.patch(
    '/targets/:name',
    targets({ summary: 'Change a forwarding target', body: TargetChange, errors: ['not_found'], response: targetSaved }, async (ctx, { body }) => {
      ctx.body = { success: true, ...targetView(await outbox.updateTarget(ctx.params.name!, body)) };
    }),
  );
  router.delete(
    '/targets/:name',
    targets({ summary: 'Remove a forwarding target', errors: ['not_found'], response: { description: 'Removed', schema: successBody('name') } }, async (ctx) => {
      await outbox.removeTarget(ctx.params.name!);
      ctx.body = { success: true, name: ctx.params.name };
    }),
  );
  router.post(
    '/targets/:name/test',
    targets(
      {
        summary: 'Check a forwarding target',
        description: 'Nothing is sent.',
        errors: ['not_found'],
        response: { description: 'success tells whether the target answered as expected', schema: z.object({ success: z.boolean(), target: z.string(), status: z.unknown(), message: z.string() }) },
      },
      async (ctx) => {
        const result = await outbox.testTarget(ctx.params.name!);
        ctx.body = { success: result.ok, target: ctx.params.name, status: result.status, message: result.message };
      },
    ),
  );
  router.post(
    '/targets/:name/pause',
    targets({ summary: 'Pause a forwarding target', errors: ['not_found'], response: targetSaved }, async (ctx) => {
      ctx.body = { success: true, ...targetView(await outbox.pauseTarget(ctx.params.name!)) };
    }),
  );
  router.post(
    '/targets/:name/resume',
    targets({ summary: 'Resume a forwarding target', errors: ['not_found'], response: targetSaved }, async (ctx) => {
      ctx.body = { success: true, ...targetView(await outbox.resumeTarget(ctx.params.name!)) };
    }),
  );

  router.get(
    '/outbox',
    rows({ summary: 'List outbox rows, oldest first', query: OutboxQuery, response: { description: 'Rows', schema: listOf(OutboxItem) } }, async (ctx, { query }) => {
      const { page, window } = pageWindow(query);
      const listed = await outbox.list({ states: query.state?.split(','), target: query.target, employee: query.employee }, window);
      ctx.body = pageOf(page, listed.rows.map(outboxEntryView), listed.total);
    }),
  );
  router.post(
    '/outbox/retry',
    rows(
      { summary: 'Send all dead (or rejected) rows again', body: RetryAll, response: { description: 'How many were requeued', schema: successBody('state, requeued') } },
      async (ctx, { body }) => {
        const state = body.state ?? 'dead';
        const requeued = await outbox.retryAll(state, body.target || undefined);
        ctx.body = { success: true, state, requeued };
      },
    ),
  );
  const rowId = (raw: string | undefined) => {
    const id = Number(raw);
    if (!Number.isInteger(id) || id < 1) throw new AppError('not_found', `No outbox row ${raw}`);
    return id;
  };
  router.get(
    '/outbox/:id',
    rows({ summary: 'Read an outbox row', errors: ['not_found'], response: { description: 'The row', schema: OutboxItem } }, async (ctx) => {
      ctx.body = outboxEntryView(await outbox.get(rowId(ctx.params.id)));
    }),
  );
  router.post(
    '/outbox/:id/retry',
    rows({ summary: 'Send a rejected or dead row again', errors: ['not_found', 'conflict'], response: rowSaved }, async (ctx) => {
      ctx.body = { success: true, ...outboxEntryView(await outbox.retry(rowId(ctx.params.id))) };
    }),
  );

  return router;
}
