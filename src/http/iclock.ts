// /iclock/*: the ZKTeco ADMS / PUSH endpoints. Thin: the codec reads and writes, the device
// services decide. Replies are text/plain with Content-Length, and Node adds the Date header
// in GMT, which terminals set their clocks from (with TimeZone from the option block).
import { createHash, randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import { newRouter } from './routing.js';
import type { Context, Middleware, Next } from 'koa';
import compose from 'koa-compose';
import {
  type DeviceQuery,
  type OptionBlock,
  type Push3Config,
  OK_REPLY,
  encodeForLanguage,
  formatErrorReply,
  formatOptionBlock,
  formatPush3Config,
  formatPush3Handshake,
  formatRegistryReply,
  formatServerTime,
  isSerialNumber,
  legacyEncodingOf,
  parseDeviceQuery,
  parseOptionsBody,
} from '../../protocol/index.js';
import type { Clock } from '../clock.js';
import type { CommandQueue } from '../devices/commands.js';
import { type Contact, type Device, type DeviceRegistry, POLL_DELAY_SECONDS } from '../devices/registry.js';
import type { DeviceService } from '../devices/service.js';
import type { DeviceRequest, DeviceUploads } from '../devices/uploads.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RateLimiter } from '../limits.js';
import { type SyncLogService, deviceEndpoint } from '../pipeline/syncLog.js';
import { VERSION } from '../version.js';
import { bodyLimit, readRawBody } from './body.js';
import { type Reply, answerErrorsIn, deviceTextDialect, send } from './errorReplies.js';
import { type SyncState, syncLogged } from './syncLog.js';

export interface IclockDeps {
  registry: DeviceRegistry;
  uploads: DeviceUploads;
  commands: CommandQueue;
  devices: DeviceService;
  syncLog: SyncLogService;
  logger: Logger;
  maxBodyBytes: number;
  /** Requests per terminal (ICLOCKD_DEVICE_RATE). */
  perDevice: RateLimiter;
  /** The instant a request arrives at (the one its terminal's contacts are timed by). */
  clock: Clock;
}

/** The push protocol version iclockd speaks; a device uses the lower of this and its own. */
export const PUSH_PROTOCOL_VERSION = '2.4.1';
const PUSH3_PROTOCOL_VERSION = '3.1.2';

function text(ctx: Context, body: string): void {
  send(ctx, { status: 200, body });
}

/** What a terminal outside ICLOCKD_DEVICE_ALLOW is told (403). */
export const DEVICE_REFUSED = formatErrorReply('this address may not reach the device endpoints');

/** A reply to a terminal: text (or encoded bytes), never JSON. */
export type DeviceReply = Reply<string | Uint8Array>;

/**
 * The poll every terminal makes every few seconds (GET /iclock/getrequest): INFO stored when
 * it changed, then the due commands or OK. No database round trip in the usual case (cached
 * device, no command open). Served by the fast path in front of Koa and by the route below.
 */
export function heartbeat(deps: Pick<IclockDeps, 'registry' | 'commands' | 'perDevice'>) {
  return async function poll(q: DeviceQuery, address: string | null): Promise<DeviceReply> {
    const sn = serialOf(q);
    // Over its budget (a terminal stuck in a loop): OK, from memory.
    if (deps.perDevice.take(sn)) return { status: 200, body: OK_REPLY };
    const d = await deps.registry.contact(sn, contactOf(q, address));
    if (d.state === 'blocked') throw new AppError('authentication_error', 'Device Unauthorized');
    if (q.info) await deps.registry.recordInfo(d, q.info);
    // User names in commands: GB18030 for Chinese-language firmware, UTF-8 otherwise.
    return { status: 200, body: encodeForLanguage(await deps.commands.handOut(d.serial), d.language) };
  };
}

/** The terminal's serial number; a request without a valid one is refused (400) and registers nothing. */
function serialOf(q: DeviceQuery): string {
  if (!q.sn) throw new AppError('validation_error', 'no SN in the query');
  if (!isSerialNumber(q.sn)) throw new AppError('validation_error', 'SN must be 1 to 64 letters, digits, "-", "_" or "."');
  return q.sn;
}

/** What a request tells about its terminal. */
function contactOf(q: DeviceQuery, address: string | null): Contact {
  return { pushver: q.pushver, language: q.language, deviceType: q.deviceType, address };
}

/** A stable registry code per device (push 3.x), so a re-registration gets the same one. */
function registryCode(serial: string): string {
  return createHash('sha256').update(`iclockd:${serial}`).digest('hex').slice(0, 16);
}

export function iclockRoutes(deps: IclockDeps): Router {
  const router = newRouter('/iclock');
  /** A request as it arrived. */
  const request = (ctx: Context, body: Buffer): DeviceRequest => ({ method: ctx.method, path: ctx.path, query: ctx.querystring, body, remoteAddress: ctx.ip, receivedAt: deps.clock() });
  const mapErrors = answerErrorsIn(deviceTextDialect, deps.logger, (ctx) => ({ path: ctx.path, sn: ctx.query.SN ?? ctx.query.sn }));
  // A terminal over its request budget (one stuck in a loop) is answered without the database:
  // a poll gets a plain OK, anything else 503 with Retry-After, so it keeps its data for later.
  async function withinBudget(ctx: Context, next: Next): Promise<void> {
    const sn = parseDeviceQuery(ctx.querystring).sn;
    const wait = sn ? deps.perDevice.take(sn) : 0;
    if (!wait) return next();
    if (ctx.path === '/iclock/ping') return text(ctx, OK_REPLY);
    send(ctx, { status: 503, body: formatErrorReply(`too many requests from ${sn}; send it again in ${wait} s`), retryAfterSeconds: wait });
  }
  const logged = syncLogged(deps.syncLog, 'adms', deps.logger, (ctx) => deviceEndpoint(ctx.path, ctx.querystring));
  /** A device route: its errors in text, the per-terminal budget, then `handlers` (on the route itself, not on a prefix). */
  const guarded = (...handlers: Middleware[]) => compose([mapErrors, withinBudget, ...handlers]);
  /**
   * An upload not answered 200 (blocked, over budget, too large, storage away) stays on the
   * terminal and comes later as a backlog, whose punch times say nothing about its clock.
   */
  async function refusalsNoted(ctx: Context, next: Next): Promise<void> {
    let refused = true;
    try {
      await next();
      refused = ctx.status !== 200;
    } finally {
      const sn = parseDeviceQuery(ctx.querystring).sn;
      if (refused && sn) deps.registry.undelivered(sn);
    }
  }
  const guardedUpload = (...handlers: Middleware[]) => compose([mapErrors, refusalsNoted, withinBudget, ...handlers]);

  /**
   * The device a request comes from; a blocked one is refused (it keeps its data and retries).
   * `asStored`: read from the database, not the cache (uploads: a block or approval made by
   * another process or the CLI applies to the very next one).
   */
  async function device(ctx: Context, asStored = false): Promise<Device> {
    const q = parseDeviceQuery(ctx.querystring);
    const d = await deps.registry.contact(serialOf(q), contactOf(q, ctx.ip), asStored);
    (ctx.state as SyncState).syncDevice = d.serial;
    if (d.state === 'blocked') throw new AppError('authentication_error', 'Device Unauthorized');
    return d;
  }

  /** The option block for a device; legacy key names for firmware that sent no pushver. */
  function optionBlock(d: Device, legacyNames: boolean): OptionBlock {
    const stamp = (s: string | null) => s ?? 'None';
    const generation = deps.registry.generationOf(d);
    return {
      sn: d.serial,
      generation,
      legacyNames,
      attlogStamp: stamp(d.attlogStamp),
      operlogStamp: stamp(d.operlogStamp),
      attphotoStamp: stamp(d.attphotoStamp),
      biodataStamp: stamp(d.biodataStamp),
      errorDelay: 30,
      delay: POLL_DELAY_SECONDS,
      transTimes: '00:00;14:05',
      transInterval: 1,
      realtime: true,
      timeZoneOffsetMinutes: deps.registry.offsetMinutesNow(d),
      serverVersion: `${generation === 3 ? PUSH3_PROTOCOL_VERSION : PUSH_PROTOCOL_VERSION} iclockd-${VERSION}`,
      pushProtVer: generation === 3 ? PUSH3_PROTOCOL_VERSION : PUSH_PROTOCOL_VERSION,
      pushOptionsFlag: d.options === null,
    };
  }

  /** Push 3.x configuration: its own keys, then the option block's, with TransFlag in the digit form 3.x firmware needs. */
  function push3Config(d: Device): Push3Config {
    return {
      serverVersion: `${PUSH3_PROTOCOL_VERSION} iclockd-${VERSION}`,
      serverName: 'iclockd',
      pushVersion: PUSH3_PROTOCOL_VERSION,
      requestDelay: POLL_DELAY_SECONDS,
      transTables: 'User Transaction',
      sessionId: randomBytes(8).toString('hex'),
      timeoutSec: 10,
      options: optionBlock(d, false),
    };
  }

  // Handshake: the option block (2.x) or the registry answer (3.x).
  router.get('/cdata', guarded(logged, async (ctx) => {
    const d = await device(ctx);
    if (deps.registry.generationOf(d) === 3) {
      text(ctx, formatPush3Handshake(registryCode(d.serial), push3Config(d)));
      return;
    }
    text(ctx, formatOptionBlock(optionBlock(d, parseDeviceQuery(ctx.querystring).pushver === null)));
  }));

  // Uploads: ATTLOG, OPERLOG, BIODATA, options, photos, 3.x rows. OK only after commit.
  async function upload(ctx: Context): Promise<void> {
    const d = await device(ctx, true);
    const body = await readRawBody(ctx, bodyLimit('upload', deps.maxBodyBytes));
    const result = await deps.uploads.receive(d, request(ctx, body));
    const state = ctx.state as SyncState;
    state.syncCounts = { total: result.records + result.rejected.length, created: result.created, duplicate: result.duplicate, failed: result.rejected.length };
    if (result.rejected.length) state.syncError = `${result.rejected.length} line(s) could not be read (archived as request ${result.archiveId})`;
    // For replay and the simulator; terminals ignore headers they do not know.
    ctx.set('X-Iclockd-Created', String(result.created));
    ctx.set('X-Iclockd-Duplicate', String(result.duplicate));
    ctx.set('X-Iclockd-Rejected', String(result.rejected.length));
    // Held for a terminal awaiting approval: acknowledged, stored only once it is approved.
    ctx.set('X-Iclockd-Held', result.outcome === 'quarantined' ? '1' : '0');
    text(ctx, result.reply);
  }
  router.post('/cdata', guardedUpload(logged, upload));
  router.post('/fdata', guardedUpload(logged, upload));
  router.post('/querydata', guardedUpload(logged, upload));

  // Heartbeat: INFO when it changed, then due commands or OK. No sync_log row.
  const poll = heartbeat(deps);
  // heartbeat() keeps its own budget (an over-budget poll is a plain OK).
  router.get('/getrequest', compose([mapErrors, async (ctx: Context) => {
    const q = parseDeviceQuery(ctx.querystring);
    send(ctx, await poll(q, ctx.ip));
    (ctx.state as SyncState).syncDevice = q.sn;
  }]));

  // Command results.
  router.post('/devicecmd', guarded(logged, async (ctx) => {
    const d = await device(ctx);
    const body = await readRawBody(ctx, bodyLimit('form', deps.maxBodyBytes));
    const { results, unread } = await deps.devices.receiveCommandResults(d, request(ctx, body));
    (ctx.state as SyncState).syncCounts = { total: results + unread, created: results, duplicate: 0, failed: unread };
    text(ctx, OK_REPLY);
  }));

  // Push 3.x.
  router.post('/registry', guarded(logged, async (ctx) => {
    const d = await device(ctx);
    const body = await readRawBody(ctx, bodyLimit('form', deps.maxBodyBytes));
    await deps.uploads.archive(d, request(ctx, body), 'processed');
    await deps.registry.recordOptions(d, parseOptionsBody(body, legacyEncodingOf(d.language)));
    text(ctx, formatRegistryReply(registryCode(d.serial)));
  }));
  router.post('/push', guarded(logged, async (ctx) => {
    const d = await device(ctx);
    await deps.uploads.archive(d, request(ctx, await readRawBody(ctx, bodyLimit('form', deps.maxBodyBytes))), 'processed');
    text(ctx, formatPush3Config(push3Config(d)));
  }));
  router.get('/ping', guarded(async (ctx) => {
    await device(ctx);
    text(ctx, OK_REPLY);
  }));
  router.get('/rtdata', guarded(async (ctx) => {
    const d = await device(ctx);
    text(ctx, formatServerTime(deps.clock(), deps.registry.offsetMinutesNow(d)));
  }));

  // Anything else under /iclock/ from a terminal: kept in the archive and answered. Without a
  // serial it is nobody's: refused, so no one can fill the archive anonymously.
  router.all('/{*rest}', guarded(logged, async (ctx) => {
    const d = await device(ctx);
    const body = ctx.method === 'GET' || ctx.method === 'HEAD' ? Buffer.alloc(0) : await readRawBody(ctx, bodyLimit('form', deps.maxBodyBytes));
    await deps.uploads.archive(d, request(ctx, body), 'unknown');
    text(ctx, OK_REPLY);
  }));

  return router;
}
