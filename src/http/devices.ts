// /api/v1/devices: the device registry and command queue for operators.
import Router from '@koa/router';
import type { ApiKeyService } from '../auth/apiKeys.js';
import type { DeviceCommand } from '../devices/commands.js';
import type { Device, DeviceState } from '../devices/registry.js';
import type { DeviceService, DeviceStatus, TimelineBucket } from '../devices/service.js';
import { AppError } from '../errors.js';
import { dayRange } from '../pipeline/time.js';
import { type AuthState, requireRole } from './auth.js';
import { readJsonBody } from './body.js';
import { pageOf, parsePageWindow } from './pagination.js';

export function deviceView(d: Device) {
  return {
    serial: d.serial,
    alias: d.alias,
    site: d.site,
    time_zone: d.timeZone,
    state: d.state,
    push_version: d.pushVersion,
    push_generation: d.pushGeneration,
    firmware: d.firmware,
    language: d.language,
    device_type: d.deviceType,
    stamps: { attlog: d.attlogStamp, operlog: d.operlogStamp, attphoto: d.attphotoStamp, biodata: d.biodataStamp },
    info: d.info,
    info_at: d.infoAt?.toISOString() ?? null,
    clock_drift_seconds: d.clockDriftSeconds,
    clock_drift_at: d.clockDriftAt?.toISOString() ?? null,
    options: d.options,
    last_seen_at: d.lastSeenAt?.toISOString() ?? null,
    last_address: d.lastAddress,
    created_at: d.createdAt.toISOString(),
  };
}

/** The console's extras: online (heard from within 3 × Delay), and today's punches. */
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

export function deviceRoutes(apiKeys: ApiKeyService, devices: DeviceService, maxBodyBytes: number, timeZone: string): Router {
  const router = new Router({ prefix: '/api/v1/devices' });
  router.use(requireRole(apiKeys, 'admin'));

  router.get('/', async (ctx) => {
    const { page, window } = parsePageWindow(ctx.query);
    const state = typeof ctx.query.state === 'string' && ctx.query.state ? (ctx.query.state as DeviceState) : undefined;
    if (state && !STATES.includes(state)) throw new AppError('validation_error', `state must be one of ${STATES.join(', ')}`, { fields: ['state'] });
    const site = typeof ctx.query.site === 'string' && ctx.query.site ? ctx.query.site : undefined;
    const listed = await devices.list({ state, site }, window);
    const status = await devices.status(listed.rows);
    ctx.body = pageOf(page, listed.rows.map((d) => ({ ...deviceView(d), ...statusView(status.get(d.serial)) })), listed.total);
  });

  router.get('/:sn', async (ctx) => {
    const diagnosis = await devices.diagnose(ctx.params.sn!);
    const device = await devices.get(ctx.params.sn!).catch((err: unknown) => {
      if (err instanceof AppError && err.type === 'not_found') throw new AppError('not_found', diagnosis.findings[0]!);
      throw err;
    });
    const status = await devices.status([device]);
    ctx.body = { ...deviceView(device), ...statusView(status.get(device.serial)), diagnosis };
  });

  router.get('/:sn/timeline', async (ctx) => {
    const hours = ctx.query.hours === undefined || ctx.query.hours === '' ? 24 : Number(ctx.query.hours);
    const { from, to, buckets } = await devices.timeline(ctx.params.sn!, hours);
    ctx.body = { device: ctx.params.sn, from: from.toISOString(), to: to.toISOString(), bucket_minutes: 5, buckets: buckets.map(bucketView) };
  });

  router.patch('/:sn', async (ctx) => {
    ctx.body = { success: true, ...deviceView(await devices.update(ctx.params.sn!, await readJsonBody(ctx, maxBodyBytes))) };
  });

  router.post('/:sn/approve', async (ctx) => {
    const { device, released } = await devices.approve(ctx.params.sn!);
    ctx.body = { success: true, ...deviceView(device), released };
  });

  router.post('/:sn/block', async (ctx) => {
    ctx.body = { success: true, ...deviceView(await devices.block(ctx.params.sn!)) };
  });

  router.post('/:sn/reconcile', async (ctx) => {
    const body = await readJsonBody(ctx, maxBodyBytes);
    const principal = (ctx.state as AuthState).principal;
    const days = await devices.reconcile(ctx.params.sn!, String(body.from ?? ''), String(body.to ?? body.from ?? ''), principal?.label ?? null);
    ctx.status = 202;
    ctx.body = { success: true, device: ctx.params.sn, days };
  });

  router.post('/:sn/reprocess', async (ctx) => {
    const body = await readJsonBody(ctx, maxBodyBytes);
    const range = dayRange(typeof body.from === 'string' ? body.from : undefined, typeof body.to === 'string' ? body.to : undefined, timeZone);
    ctx.body = { success: true, device: ctx.params.sn, ...(await devices.reprocess(ctx.params.sn!, { from: range.start, to: range.end })) };
  });

  router.get('/:sn/commands', async (ctx) => {
    const { page, window } = parsePageWindow(ctx.query);
    const listed = await devices.commands(ctx.params.sn!, window);
    ctx.body = pageOf(page, listed.rows.map(commandView), listed.total);
  });

  router.post('/:sn/commands', async (ctx) => {
    const spec = await readJsonBody(ctx, maxBodyBytes);
    const principal = (ctx.state as AuthState).principal;
    const queued = await devices.command(ctx.params.sn!, spec, principal ? `${principal.label} (${principal.apiKey})` : null);
    ctx.status = 201;
    // One command: its record; a fan-out (sync-users, copy-users): how many and which.
    ctx.body = queued.length === 1 ? { success: true, ...commandView(queued[0]!) } : { success: true, queued: queued.length, commands: queued.map(commandView) };
  });

  return router;
}
