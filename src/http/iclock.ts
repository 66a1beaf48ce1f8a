// /iclock/*: the ZKTeco ADMS / PUSH endpoints. Thin: the codec reads and writes, the device
// services decide. Replies are text/plain with Content-Length, and Node adds the Date header
// in GMT, which terminals set their clocks from (with TimeZone from the option block).
import { createHash, randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import { newRouter } from './routing.js';
import type { Context, Middleware } from 'koa';
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
import { NO_COUNTS, type SyncCounts, type SyncLogService } from '../pipeline/syncLog.js';
import { VERSION } from '../version.js';
import { bodyLimit, readRawBody } from './body.js';
import { type Reply, answeringErrors, deviceTextDialect, send } from './errorReplies.js';
import { requestIdOf } from './requestId.js';
import { syncRecorder } from './syncLog.js';

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
 * A terminal's request, read once where it arrives (the Koa routes below and the poll's fast
 * path): the guards, the handlers and the sync log read this, never the query string again.
 */
export interface IclockRequest {
  /** The id it is known by (./requestId.ts): log line, X-Iclockd-Request header, archive and sync-log rows. */
  readonly id: string;
  /** The query string as sent (without '?'), as the archive keeps it. */
  readonly querystring: string;
  readonly query: DeviceQuery;
  /** The SN as sent, unchecked (null: none); serialOf() checks it before anything is registered. */
  readonly serial: string | null;
  /** The terminal, once the registry has answered for it (null until then). */
  device: Device | null;
  /** What the sync log is told: the records the request carried and what became of them. */
  counts: SyncCounts;
  /** Why a request that was answered still failed (text replies carry no error field). */
  error: string | null;
}

/** The one reading of a terminal's request; `id` from requestIdOf (Koa) or newRequestId (fast path). */
export function readIclockRequest(id: string, querystring: string): IclockRequest {
  const query = parseDeviceQuery(querystring);
  return { id, querystring, query, serial: query.sn, device: null, counts: NO_COUNTS, error: null };
}

/** How a terminal's request is named in the log: its path, its SN as sent and its id. */
export function logFieldsOf(path: string, r: IclockRequest) {
  return { path, sn: r.serial, request: r.id };
}

/** The sync log's name for a terminal's request: its path, and the table it uploads. */
function endpointOf(path: string, q: DeviceQuery): string {
  return q.table ? `${path}?table=${q.table}` : path;
}

/**
 * The poll every terminal makes every few seconds (GET /iclock/getrequest): INFO stored when
 * it changed, then the due commands or OK. No database round trip in the usual case (cached
 * device, no command open). Served by the fast path in front of Koa and by the route below.
 */
export function heartbeat(deps: Pick<IclockDeps, 'registry' | 'commands' | 'perDevice'>) {
  return async function poll(r: IclockRequest, address: string | null): Promise<DeviceReply> {
    const q = r.query;
    const sn = serialOf(q);
    // Over its budget (a terminal stuck in a loop): OK, from memory.
    if (deps.perDevice.take(sn)) return { status: 200, body: OK_REPLY };
    const d = await deps.registry.contact(sn, contactOf(q, address));
    r.device = d;
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

/** One step of a terminal route: Koa middleware that is also handed the request as read. */
type DeviceStep = (ctx: Context, r: IclockRequest, next: () => Promise<void>) => Promise<void>;

export function iclockRoutes(deps: IclockDeps): Router {
  const router = newRouter('/iclock');
  /** A request as it arrived, for the archive. */
  const request = (ctx: Context, r: IclockRequest, body: Buffer): DeviceRequest => ({
    requestId: r.id,
    method: ctx.method,
    path: ctx.path,
    query: r.querystring,
    body,
    remoteAddress: ctx.ip,
    receivedAt: deps.clock(),
  });

  /**
   * A terminal route: the request read once (readIclockRequest) under the id the request log
   * put in its reply header, then `steps` in order, each handed the same IclockRequest.
   */
  function deviceRoute(...steps: DeviceStep[]): Middleware {
    return async function terminalRequest(ctx: Context): Promise<void> {
      const r = readIclockRequest(requestIdOf(ctx), ctx.querystring);
      const run = async (i: number): Promise<void> => {
        const step = steps[i];
        if (step) await step(ctx, r, () => run(i + 1));
      };
      await run(0);
    };
  }

  /** Anything thrown below is answered in text, as terminals read it. */
  const answerInText: DeviceStep = (ctx, r, next) => answeringErrors(ctx, next, deviceTextDialect, deps.logger, () => logFieldsOf(ctx.path, r));
  // A terminal over its request budget (one stuck in a loop) is answered without the database:
  // a poll gets a plain OK, anything else 503 with Retry-After, so it keeps its data for later.
  const withinBudget: DeviceStep = async (ctx, r, next) => {
    const wait = r.serial ? deps.perDevice.take(r.serial) : 0;
    if (!wait) return next();
    if (ctx.path === '/iclock/ping') return text(ctx, OK_REPLY);
    send(ctx, { status: 503, body: formatErrorReply(`too many requests from ${r.serial}; send it again in ${wait} s`), retryAfterSeconds: wait });
  };
  /** The request's sync-log row, with what the handler left on its IclockRequest. */
  const recordSync = syncRecorder(deps.syncLog, 'adms', deps.logger);
  const logged: DeviceStep = (ctx, r, next) =>
    recordSync(ctx, next, () => ({ requestId: r.id, endpoint: endpointOf(ctx.path, r.query), device: r.device?.serial ?? null, counts: r.counts, error: r.error }));
  /** A device route: its errors in text, the per-terminal budget, then `handlers` (on the route itself, not on a prefix). */
  const guarded = (...handlers: DeviceStep[]) => deviceRoute(answerInText, withinBudget, ...handlers);
  /**
   * An upload not answered 200 (blocked, over budget, too large, storage away) stays on the
   * terminal and comes later as a backlog, whose punch times say nothing about its clock.
   */
  const refusalsNoted: DeviceStep = async (ctx, r, next) => {
    let refused = true;
    try {
      await next();
      refused = ctx.status !== 200;
    } finally {
      if (refused && r.serial) deps.registry.undelivered(r.serial);
    }
  };
  const guardedUpload = (...handlers: DeviceStep[]) => deviceRoute(answerInText, refusalsNoted, withinBudget, ...handlers);

  /**
   * The device a request comes from; a blocked one is refused (it keeps its data and retries).
   * `asStored`: read from the database, not the cache (uploads: a block or approval made by
   * another process or the CLI applies to the very next one).
   */
  async function device(ctx: Context, r: IclockRequest, asStored = false): Promise<Device> {
    const d = await deps.registry.contact(serialOf(r.query), contactOf(r.query, ctx.ip), asStored);
    r.device = d;
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
  router.get('/cdata', guarded(logged, async (ctx, r) => {
    const d = await device(ctx, r);
    if (deps.registry.generationOf(d) === 3) {
      text(ctx, formatPush3Handshake(registryCode(d.serial), push3Config(d)));
      return;
    }
    text(ctx, formatOptionBlock(optionBlock(d, r.query.pushver === null)));
  }));

  // Uploads: ATTLOG, OPERLOG, BIODATA, options, photos, 3.x rows. OK only after commit.
  const upload: DeviceStep = async (ctx, r) => {
    const d = await device(ctx, r, true);
    const body = await readRawBody(ctx, bodyLimit('upload', deps.maxBodyBytes));
    const result = await deps.uploads.receive(d, request(ctx, r, body), r.query);
    r.counts = { total: result.records + result.rejected.length, created: result.created, duplicate: result.duplicate, failed: result.rejected.length };
    if (result.rejected.length) r.error = `${result.rejected.length} line(s) could not be read (archived with request ${r.id})`;
    // For replay and the simulator; terminals ignore headers they do not know.
    ctx.set('X-Iclockd-Created', String(result.created));
    ctx.set('X-Iclockd-Duplicate', String(result.duplicate));
    ctx.set('X-Iclockd-Rejected', String(result.rejected.length));
    // Held for a terminal awaiting approval: acknowledged, stored only once it is approved.
    ctx.set('X-Iclockd-Held', result.outcome === 'quarantined' ? '1' : '0');
    text(ctx, result.reply);
  };
  router.post('/cdata', guardedUpload(logged, upload));
  router.post('/fdata', guardedUpload(logged, upload));
  router.post('/querydata', guardedUpload(logged, upload));

  // Heartbeat: INFO when it changed, then due commands or OK. No sync_log row. Most polls are
  // answered by the fast path (./fastPath.ts); this route takes the rest (HEAD, odd spellings).
  const poll = heartbeat(deps);
  // heartbeat() keeps its own budget (an over-budget poll is a plain OK).
  router.get('/getrequest', deviceRoute(answerInText, async (ctx, r) => {
    send(ctx, await poll(r, ctx.ip));
  }));

  // Command results.
  router.post('/devicecmd', guarded(logged, async (ctx, r) => {
    const d = await device(ctx, r);
    const body = await readRawBody(ctx, bodyLimit('form', deps.maxBodyBytes));
    const { results, unread } = await deps.devices.receiveCommandResults(d, request(ctx, r, body));
    r.counts = { total: results + unread, created: results, duplicate: 0, failed: unread };
    text(ctx, OK_REPLY);
  }));

  // Push 3.x.
  router.post('/registry', guarded(logged, async (ctx, r) => {
    const d = await device(ctx, r);
    const body = await readRawBody(ctx, bodyLimit('form', deps.maxBodyBytes));
    await deps.uploads.archive(d, request(ctx, r, body), 'processed');
    await deps.registry.recordOptions(d, parseOptionsBody(body, legacyEncodingOf(d.language)));
    text(ctx, formatRegistryReply(registryCode(d.serial)));
  }));
  router.post('/push', guarded(logged, async (ctx, r) => {
    const d = await device(ctx, r);
    await deps.uploads.archive(d, request(ctx, r, await readRawBody(ctx, bodyLimit('form', deps.maxBodyBytes))), 'processed');
    text(ctx, formatPush3Config(push3Config(d)));
  }));
  router.get('/ping', guarded(async (ctx, r) => {
    await device(ctx, r);
    text(ctx, OK_REPLY);
  }));
  router.get('/rtdata', guarded(async (ctx, r) => {
    const d = await device(ctx, r);
    text(ctx, formatServerTime(deps.clock(), deps.registry.offsetMinutesNow(d)));
  }));

  // Anything else under /iclock/ from a terminal: kept in the archive and answered. Without a
  // serial it is nobody's: refused, so no one can fill the archive anonymously.
  router.all('/{*rest}', guarded(logged, async (ctx, r) => {
    const d = await device(ctx, r);
    const body = ctx.method === 'GET' || ctx.method === 'HEAD' ? Buffer.alloc(0) : await readRawBody(ctx, bodyLimit('form', deps.maxBodyBytes));
    await deps.uploads.archive(d, request(ctx, r, body), 'unknown');
    text(ctx, OK_REPLY);
  }));

  return router;
}
