// /api/v1/devices: the device registry and command queue for operators.
import type Router from '@koa/router';
import { newRouter } from './routing.js';
import type { ApiKeyService } from '../auth/apiKeys.js';
import type { DeviceCommand } from '../devices/commands.js';
import type { DeviceState } from '../devices/registry.js';
import { deviceView } from '../devices/view.js';
import { pollerView } from '../poller/view.js';
import { COMMAND_KINDS, type DeviceService, type DeviceStatus, type TimelineBucket } from '../devices/service.js';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { dayRange } from '../pipeline/time.js';
import type { AuthState } from './auth.js';
import { dateText, listOf, listQuery, operations, optionalParam, pageQuery, resource, successBody, textParam, wholeNumber } from './operation.js';
import { pageOf, pageWindow } from './pagination.js';

/** The console's extras: online (heard from within 3 × Delay, the rule the diagnosis follows), and today's punches. */
function statusView(s: DeviceStatus | undefined) {
  return s ? { online: s.online, delay_seconds: s.delaySeconds, punches_today: s.punchesToday, today: s.today } : {};
}

function bucketView(b: TimelineBucket) {
  return { at: b.at.toISOString(), requests: b.requests, uploads: b.uploads, records: b.records, errors: b.errors };
}

function commandView(c: DeviceCommand) {
  return {
    id: c.id,
    device: c.deviceSerial,
    command: c.command,
    state: c.state,
    tries: c.tries,
    return_code: c.returnCode,
    result: c.result,
    created_by: c.createdBy,
    created_at: c.createdAt.toISOString(),
    sent_at: c.sentAt?.toISOString() ?? null,
    completed_at: c.completedAt?.toISOString() ?? null,
  };
}

const STATES: DeviceState[] = ['pending', 'approved', 'blocked'];

const DeviceQuery = listQuery({ state: optionalParam(z.enum(STATES)), site: textParam('Site'), q: textParam('Search: part of the serial or the alias') });
const TimelineQuery = z.object({ hours: optionalParam(wholeNumber(1, 168).describe('Hours back from now (default 24)')) });
const DeviceChange = z.object({
  alias: z.string().max(100).nullable().optional().describe('A name for people; null clears it'),
  site: z.string().trim().min(1).max(64).optional(),
  time_zone: z.string().nullable().optional().describe('IANA time zone of its wall clock; null: ICLOCKD_TZ'),
  push_generation: z.enum(['2', '3']).nullable().optional().describe('"3" for 3.x firmware that announces 2.4.1; null: from what it announces'),
});
const Days = z.object({ from: dateText.describe('First day'), to: dateText.optional().describe('Last day (default: from)') });
const Range = z.object({ from: dateText.optional().describe('First day, in ICLOCKD_TZ'), to: dateText.optional().describe('Last day') });
const option = z.union([z.string(), z.number()]);
const CommandBody = z.object({
  command: z.enum(COMMAND_KINDS).describe('What to send; each kind names the options it needs (see the CLI)'),
  from: z.string().optional().describe('query-attlog, verify-sum: first day; copy-users: the source terminal'),
  to: z.string().optional().describe('query-attlog, verify-sum: last day'),
  pin: option.optional().describe('add-user, delete-user'),
  name: option.optional().describe('add-user'),
  card: option.optional().describe('add-user'),
  privilege: option.optional().describe('add-user'),
  key: option.optional().describe('set-option'),
  value: option.optional().describe('set-option'),
  text: option.optional().describe('raw: the command text'),
});

const DEVICE_FIELDS =
  'serial, alias, site, time_zone, state, push_version, push_generation, firmware, language, device_type, stamps, info, info_at, clock_drift_seconds, clock_drift_at, options, last_seen_at, last_address, created_at, online, delay_seconds, punches_today, today';
const DeviceItem = resource('Device', DEVICE_FIELDS);
const CommandItem = resource('Device command', 'id, device, command, state (pending, sent, succeeded, failed, expired), tries, return_code, result, created_by, created_at, sent_at, completed_at');

export function deviceRoutes(apiKeys: ApiKeyService, devices: DeviceService, maxBodyBytes: number, timeZone: string): Router {
  const router = newRouter('/api/v1');
  const op = operations({ tag: 'Devices', access: 'admin', apiKeys, maxBodyBytes });
  const saved = (description: string) => ({ description, schema: successBody(DEVICE_FIELDS) });

  router.get(
    '/devices',
    op({ summary: 'List terminals', query: DeviceQuery, response: { description: 'Terminals', schema: listOf(DeviceItem) } }, async (ctx, { query }) => {
      const { page, window } = pageWindow(query);
      const listed = await devices.list({ state: query.state, site: query.site, search: query.q }, window);
      const status = await devices.status(listed.rows);
      ctx.body = pageOf(page, listed.rows.map((d) => ({ ...deviceView(d), ...statusView(status.get(d.serial)) })), listed.total);
    }),
  );

  router.get(
    '/devices/:sn',
    op(
      {
        summary: 'Read a terminal, with a diagnosis',
        description: 'A 404 for an unknown serial carries the "never seen" advice.',
        errors: ['not_found'],
        response: { description: 'The terminal and diagnosis {delivering, findings[]}, and how it is read over TCP 4370 (poller, null when it is not)', schema: resource('Device', `${DEVICE_FIELDS}, diagnosis, poller`) },
      },
      async (ctx) => {
        // One read at one instant: the fields, online and the diagnosis agree.
        const seen = await devices.inspect(ctx.params.sn!);
        if (!seen.device) throw new AppError('not_found', seen.diagnosis.findings[0]!);
        ctx.body = { ...deviceView(seen.device), ...statusView(seen.status), diagnosis: seen.diagnosis, poller: seen.poller ? pollerView(seen.poller) : null };
      },
    ),
  );

  router.get(
    '/devices/:sn/timeline',
    op(
      {
        summary: "A terminal's requests, uploads, records and errors per 5 minutes",
        query: TimelineQuery,
        errors: ['not_found'],
        response: { description: 'Buckets of 5 minutes, oldest first', schema: successBody('device, from, to, bucket_minutes, buckets[{at, requests, uploads, records, errors}]') },
      },
      async (ctx, { query }) => {
        const { from, to, buckets } = await devices.timeline(ctx.params.sn!, query.hours ?? 24);
        ctx.body = { device: ctx.params.sn, from: from.toISOString(), to: to.toISOString(), bucket_minutes: 5, buckets: buckets.map(bucketView) };
      },
    ),
  );

  router.patch(
    '/devices/:sn',
    op({ summary: 'Change a terminal', body: DeviceChange, errors: ['not_found'], response: saved('The terminal') }, async (ctx, { body }) => {
      ctx.body = { success: true, ...deviceView(await devices.update(ctx.params.sn!, body)) };
    }),
  );

  router.post(
    '/devices/:sn/approve',
    op({ summary: 'Approve a terminal', description: 'Ingests what it sent while pending (answered as released).', errors: ['not_found'], response: saved('The terminal and released') }, async (ctx) => {
      const { device, released } = await devices.approve(ctx.params.sn!);
      ctx.body = { success: true, ...deviceView(device), released };
    }),
  );

  router.post(
    '/devices/:sn/block',
    op({ summary: 'Block a terminal', errors: ['not_found'], response: saved('The terminal') }, async (ctx) => {
      ctx.body = { success: true, ...deviceView(await devices.block(ctx.params.sn!)) };
    }),
  );

  router.post(
    '/devices/:sn/reconcile',
    op(
      {
        summary: 'Queue the reconciliation of days',
        body: Days,
        status: 202,
        errors: ['not_found'],
        response: { description: 'The days queued', schema: successBody('device, days') },
      },
      async (ctx, { body }) => {
        const principal = (ctx.state as AuthState).principal;
        const days = await devices.reconcile(ctx.params.sn!, body.from, body.to ?? body.from, principal?.label ?? null);
        ctx.status = 202;
        ctx.body = { success: true, device: ctx.params.sn, days };
      },
    ),
  );

  router.post(
    '/devices/:sn/reprocess',
    op(
      {
        summary: 'Run archived uploads again',
        body: Range,
        errors: ['not_found', 'conflict'],
        response: { description: 'What the uploads gave this time', schema: successBody('device and the counts of the replay') },
      },
      async (ctx, { body }) => {
        const range = dayRange(body.from, body.to, timeZone);
        ctx.body = { success: true, device: ctx.params.sn, ...(await devices.reprocess(ctx.params.sn!, { from: range.start, to: range.end })) };
      },
    ),
  );

  router.get(
    '/devices/:sn/commands',
    op({ summary: "List a terminal's commands", query: pageQuery, errors: ['not_found'], response: { description: 'Commands', schema: listOf(CommandItem) } }, async (ctx, { query }) => {
      const { page, window } = pageWindow(query);
      const listed = await devices.commands(ctx.params.sn!, window);
      ctx.body = pageOf(page, listed.rows.map(commandView), listed.total);
    }),
  );

  router.post(
    '/devices/:sn/commands',
    op(
      {
        summary: 'Queue a command',
        description: 'sync-users and copy-users fan out into one command per user or template (answered as queued, commands).',
        body: CommandBody,
        status: 201,
        errors: ['not_found'],
        response: { description: 'The command, or the commands of a fan-out', schema: successBody('the command, or queued and commands') },
      },
      async (ctx, { body }) => {
        const principal = (ctx.state as AuthState).principal;
        const queued = await devices.command(ctx.params.sn!, body, principal ? `${principal.label} (${principal.apiKey})` : null);
        ctx.status = 201;
        // One command: its record; a fan-out (sync-users, copy-users): how many and which.
        ctx.body = queued.length === 1 ? { success: true, ...commandView(queued[0]!) } : { success: true, queued: queued.length, commands: queued.map(commandView) };
      },
    ),
  );

  return router;
}
