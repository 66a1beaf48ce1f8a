// The device registry: a row per terminal, created on first contact. Every terminal polls
// every few seconds, so devices are served from the process's device cache (devices/cache.ts)
// and "last seen" writes are batched.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import type { DeviceInfo } from '../../protocol/index.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import { activeAdminKeyExists } from '../store/apiKeys.js';
import {
  type Device,
  type DeviceChange,
  type DeviceState,
  findDevice,
  insertDevice,
  countDevicesInState,
  listDevices,
  recordDevicesSeen,
  updateDevice,
  updateDevices,
  type DeviceFilter,
  approvedDevicesNotSeenSince,
  countApprovedDevicesClockOff,
} from '../store/devices.js';
import { addDeviceHeartbeats } from '../store/deviceHeartbeats.js';
import { transactionWithRetry } from '../store/transaction.js';
import type { Listed, Window } from '../store/list.js';
import { type RateLimiter, rateLimited } from '../limits.js';
import { charsOf, identifierProblem, isInt32 } from '../store/columns.js';
import { CACHE_MAX, type DeviceCache } from './cache.js';
import { contactGapMs, settleMs } from './clock.js';

export type { Device, DeviceState };

const SEEN_FLUSH_MS = 5_000;
/**
 * Tries of one part of a flush: every instance writes the rows of the terminals it heard, so
 * with several instances (Galera above all) parts of two flushes meet often.
 */
const SEEN_WRITE_ATTEMPTS = 8;
/** Devices per pair of flush statements. */
const SEEN_WRITE_PART = 200;
/** The timeline's resolution: requests are counted per device and five minutes. */
export const HEARTBEAT_BUCKET_MS = 5 * 60_000;
/** The poll interval (Delay) iclockd tells every terminal; a device's own report of it wins. */
export const POLL_DELAY_SECONDS = 10;

/**
 * A device's contacts not written yet: the latest (epoch milliseconds), and its requests per
 * timeline bucket. Kept across flushes while the device polls and updated in place: neither
 * a poll nor a flush makes a new object for a polling terminal (10,000 terminals would
 * otherwise fill the old generation between collections). A device silent for a whole flush
 * interval is dropped.
 */
interface Seen {
  at: number;
  address: string | null;
  /** The `at` last written (0: none yet). */
  writtenAt: number;
  /** The current bucket and its requests not written yet. */
  bucketAt: number;
  requests: number;
  /** Unwritten requests of earlier buckets (a bucket ended between flushes, or a flush failed). */
  earlier: { bucketAt: number; requests: number }[] | null;
}

/** What a flush took from an entry: the `writtenAt` before, and the counts it writes. */
interface SeenTaken {
  serial: string;
  seen: Seen;
  writtenAt: number;
  counts: { bucketAt: number; requests: number }[];
}

/**
 * A terminal's contact with this process, epoch milliseconds: its last request, and since
 * when it has talked without a break (no silence longer than contactGapMs, no refusal).
 */
interface Heard {
  at: number;
  since: number;
}

/** What an upload tells about its device. */
export type UploadFacts = Pick<DeviceChange, 'attlogStamp' | 'operlogStamp' | 'attphotoStamp' | 'biodataStamp' | 'clockDriftSeconds' | 'clockDriftAt'>;

export interface Contact {
  pushver: string | null;
  language: number | null;
  deviceType: string | null;
  address: string | null;
}

/** How new terminals are taken: the policy, and the bounds on who may introduce them. */
export interface NewDeviceRules {
  timeZone: string;
  devicePolicy: 'approve' | 'pending' | null;
  /** Terminals that may await approval at once (ICLOCKD_PENDING_MAX_DEVICES); absent: no cap. */
  pendingMaxDevices?: number;
  /** New serials per client address (ICLOCKD_NEW_DEVICES_PER_HOUR); absent: no limit. */
  newSerials?: RateLimiter;
  /** Told of each new terminal refused, by reason (a metric). */
  refused?: (reason: 'new_serials' | 'pending_devices') => void;
}

/**
 * What a terminal says about itself, less what its column cannot hold: a value that would be
 * cut would differ from the stored one on every request, and be written again each time.
 */
function fitting(c: Contact): Contact {
  const fits = (v: string | null, max: number) => v === null || identifierProblem(v, max) === null;
  const pushver = fits(c.pushver, charsOf('devices', 'push_version'));
  const language = c.language === null || isInt32(c.language);
  const deviceType = fits(c.deviceType, charsOf('devices', 'device_type'));
  // Every poll passes here: the same object when all of it fits (the usual case).
  if (pushver && language && deviceType) return c;
  return { pushver: pushver ? c.pushver : null, language: language ? c.language : null, deviceType: deviceType ? c.deviceType : null, address: c.address };
}

export interface DeviceRegistryDeps {
  knex: Knex;
  /** The process's device cache, shared with the pipeline. */
  cache: DeviceCache;
  settings: NewDeviceRules;
  logger: Logger;
  /** The instant device requests arrive at (tests move it to stand for minutes of polling). */
  clock: Clock;
}

export class DeviceRegistry {
  private readonly knex: Knex;
  private readonly cache: DeviceCache;
  private readonly settings: NewDeviceRules;
  private readonly logger: Logger;
  private readonly now: Clock;
  /** Each recently polling device's last contact and unwritten requests per timeline bucket. */
  private readonly seen = new Map<string, Seen>();
  /** The flush in flight: flushes run one at a time. */
  private flushing: Promise<void> | undefined;
  /** Each device's contact with this process (bounded like the cache; updated in place). */
  private readonly heard = new Map<string, Heard>();
  /** When this process last failed to write to the database (epoch ms): uploads refused then come back as backlogs. */
  private storeTroubleAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor({ knex, cache, settings, logger, clock }: DeviceRegistryDeps) {
    this.knex = knex;
    this.cache = cache;
    this.settings = settings;
    this.logger = logger;
    this.now = clock;
  }

  start(): void {
    // A flush still running when the next is due (a slow database) is not joined by another.
    this.timer ??= setInterval(() => void (this.flushing ?? this.flushSeen()), SEEN_FLUSH_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flushSeen();
  }

  /** The device's zone: its own, else the configured default. */
  zoneOf(device: Pick<Device, 'timeZone'>): string {
    return device.timeZone ?? this.settings.timeZone;
  }

  /** The zone's UTC offset now, in minutes (for the handshake's TimeZone). */
  offsetMinutesNow(device: Pick<Device, 'timeZone'>): number {
    return DateTime.fromJSDate(this.now(), { zone: this.zoneOf(device) }).offset;
  }

  /** Push generation: the admin's override, else from what the device announces. */
  generationOf(device: Device): 2 | 3 {
    const v = device.pushGeneration ?? device.pushVersion ?? '';
    return /^3/.test(v) ? 3 : 2;
  }

  private async newDeviceState(): Promise<DeviceState> {
    const policy = this.settings.devicePolicy ?? ((await activeAdminKeyExists(this.knex)) ? 'pending' : 'approve');
    return policy === 'approve' ? 'approved' : 'pending';
  }

  /** The device as stored now, bypassing the cache (another process may have approved it). */
  fresh(serial: string): Promise<Device | null> {
    return this.cache.fresh(serial);
  }

  /** The device, from the cache when it is there; `nowMs` lets a poll that has the time already pass it. */
  get(serial: string, nowMs = this.now().getTime()): Promise<Device | null> {
    return this.cache.get(serial, nowMs);
  }

  /**
   * A request from `serial`: the device, created on first contact; what it announces about
   * itself is stored when it changes. Costs no database round trip when nothing changed,
   * unless `asStored`: then the row is read (an upload must see a block, an approval or a
   * clock measured by another process or the CLI, whatever the cache holds).
   */
  async contact(serial: string, said: Contact, asStored = false): Promise<Device> {
    const c = fitting(said);
    const now = this.now();
    let device = asStored ? await this.fresh(serial) : await this.get(serial, now.getTime());
    if (!device) {
      const state = await this.newDeviceState();
      await this.admitNew(serial, state, c.address);
      device = await insertDevice(this.knex, serial, { state, pushVersion: c.pushver, language: c.language, deviceType: c.deviceType }, now);
      this.logger.info({ device: serial, state: device.state }, 'new device');
      this.cache.remember(device);
    } else {
      const change: DeviceChange = {};
      if (c.pushver !== null && c.pushver !== device.pushVersion) change.pushVersion = c.pushver;
      if (c.language !== null && c.language !== device.language) change.language = c.language;
      if (c.deviceType !== null && c.deviceType !== device.deviceType) change.deviceType = c.deviceType;
      if (Object.keys(change).length) device = await this.change(serial, change);
    }
    this.noteContact(serial, now.getTime(), c.address);
    this.noteHeard(device, now.getTime());
    return device;
  }

  /**
   * Carries on a device's unbroken contact, or starts it again: after a silence longer than its
   * gap, and on every request of a blocked terminal (refused: what it punches stays on it). The
   * row's last contact, written by every process, bridges a silence here while the terminal
   * talked to another process: known contacts no further apart than the gap.
   */
  private noteHeard(device: Device, at: number): void {
    const gap = contactGapMs(this.delayOf(device));
    const heard = this.heard.get(device.serial);
    if (!heard) {
      if (this.heard.size >= CACHE_MAX) this.heard.delete(this.heard.keys().next().value!);
      this.heard.set(device.serial, { at, since: at });
      return;
    }
    const elsewhere = device.lastSeenAt?.getTime() ?? -Infinity;
    const unbroken = at - heard.at <= gap || (elsewhere > heard.at && elsewhere - heard.at <= gap && at - elsewhere <= gap);
    if (!unbroken || device.state === 'blocked') heard.since = at;
    heard.at = at;
  }

  /** An upload of the terminal's was refused (blocked, over budget, too large, storage away): it holds punches it will send later, as a backlog. */
  undelivered(serial: string): void {
    const heard = this.heard.get(serial);
    if (heard) heard.since = this.now().getTime();
  }

  /**
   * Whether an upload arriving now was sent as its punches were made, so their times measure
   * the terminal's clock: the terminal has talked to this process without a break for the
   * settle time, and the database was not away meanwhile (uploads refused then come back late).
   * A process that just started, or that a balancer sends few of its requests, knows less and
   * measures less often; never more often.
   */
  provesClock(device: Device): boolean {
    const heard = this.heard.get(device.serial);
    if (!heard) return false;
    const now = this.now().getTime();
    const settle = settleMs(this.delayOf(device));
    return now - heard.since >= settle && now - this.storeTroubleAt >= settle;
  }

  /**
   * Whether a serial never seen may become a terminal: an address may introduce only so many
   * (random serials would each make a row), and only so many may await approval at once. A
   * refused terminal is answered with an error and keeps its data, as when the server is away.
   */
  private async admitNew(serial: string, state: DeviceState, address: string | null): Promise<void> {
    const wait = this.settings.newSerials?.take(address ?? '') ?? 0;
    if (wait) {
      this.settings.refused?.('new_serials');
      throw rateLimited(wait, `introducing new terminals from ${address ?? 'this address'} (ICLOCKD_NEW_DEVICES_PER_HOUR)`);
    }
    const cap = this.settings.pendingMaxDevices;
    if (state !== 'pending' || cap === undefined) return;
    // Counted each time (new serials from one address are limited above, and the table is small).
    const pending = await countDevicesInState(this.knex, 'pending');
    if (pending >= cap) {
      this.settings.refused?.('pending_devices');
      throw new AppError('service_unavailable', `${pending} terminals already await approval (ICLOCKD_PENDING_MAX_DEVICES): approve or block them before ${serial} is taken`);
    }
  }

  async recordInfo(device: Device, info: DeviceInfo): Promise<Device> {
    const summary = {
      firmware: info.firmware,
      users: info.users,
      fingerprints: info.fingerprints,
      attlogs: info.attlogs,
      ip: info.ip,
      fp_algorithm: info.fpAlgorithm,
      face_algorithm: info.faceAlgorithm,
      faces: info.faces,
      functions: info.functions,
      values: info.values,
    };
    if (JSON.stringify(summary) === JSON.stringify(device.info)) return device;
    return this.change(device.serial, { info: summary, firmware: info.firmware ?? device.firmware, infoAt: this.now() });
  }

  recordOptions(device: Device, options: Record<string, string>): Promise<Device> {
    const firmware = options.FWVersion ?? options.FirmVer ?? device.firmware;
    return this.change(device.serial, { options, firmware });
  }

  /** Writes a change and refreshes the cache. */
  async change(serial: string, change: DeviceChange): Promise<Device> {
    await updateDevice(this.knex, serial, change, this.now());
    const device = await findDevice(this.knex, serial);
    if (!device) throw new AppError('not_found', `No device ${serial}`);
    return this.cache.remember(device);
  }

  /**
   * Writes what an upload tells about its device (stamps, clock drift) and applies it to the
   * cached copy without reading the row back: one statement per upload, not two.
   */
  async note(device: Device, change: UploadFacts): Promise<void> {
    await updateDevice(this.knex, device.serial, change, this.now());
    this.noted(device.serial, change);
  }

  /** What uploads told about their terminals, written in the caller's transaction (their punches'): one statement; `noted` once it committed. */
  async noteWithin(trx: Knex.Transaction, notes: { serial: string; change: UploadFacts }[]): Promise<void> {
    await updateDevices(trx, notes, this.now());
  }

  /** A change written (and committed) applied to the cached copy. */
  noted(serial: string, change: UploadFacts): void {
    this.cache.patch(serial, change);
  }

  async setState(serial: string, state: DeviceState): Promise<Device> {
    if (!(await findDevice(this.knex, serial))) throw new AppError('not_found', `No device ${serial}`);
    return this.change(serial, { state });
  }

  list(filter: DeviceFilter, window: Window): Promise<Listed<Device>> {
    return listDevices(this.knex, filter, window);
  }

  /** How many devices this process heard from in the last `ms` milliseconds. */
  devicesHeardWithin(ms: number): number {
    const since = this.now().getTime() - ms;
    let n = 0;
    for (const { at } of this.heard.values()) if (at >= since) n++;
    return n;
  }

  /** The device with the last contact this process has not written yet (at most SEEN_FLUSH_MS old). */
  withUnflushedSeen(device: Device): Device {
    const seen = this.seen.get(device.serial);
    if (!seen || seen.at === seen.writtenAt || (device.lastSeenAt && device.lastSeenAt.getTime() >= seen.at)) return device;
    return { ...device, lastSeenAt: new Date(seen.at), lastAddress: seen.address };
  }

  /** The poll interval a device works with: what it reported (options Delay), else what iclockd told it. */
  delayOf(device: Pick<Device, 'options'>): number {
    const reported = Number(device.options?.Delay ?? device.options?.RequestDelay);
    return Number.isInteger(reported) && reported > 0 && reported <= 3600 ? reported : POLL_DELAY_SECONDS;
  }

  /**
   * Approved terminals heard from before but not within three of their poll intervals (nor the
   * last 30 s: the database is asked only for those, a short list in a healthy fleet).
   */
  async countSilent(now = this.now()): Promise<number> {
    const candidates = await approvedDevicesNotSeenSince(this.knex, new Date(now.getTime() - 3 * POLL_DELAY_SECONDS * 1000));
    return candidates.filter((d) => !this.isOnline(d, now)).length;
  }

  /** Approved terminals whose last measured clock is off by more than `seconds` (0: none counted, nothing is held). */
  countClockOff(seconds: number): Promise<number> {
    return seconds > 0 ? countApprovedDevicesClockOff(this.knex, seconds) : Promise.resolve(0);
  }

  /** Online: heard from within three of its poll intervals. */
  isOnline(device: Pick<Device, 'options' | 'lastSeenAt'>, now = this.now()): boolean {
    return device.lastSeenAt !== null && now.getTime() - device.lastSeenAt.getTime() <= 3 * this.delayOf(device) * 1000;
  }

  private noteContact(serial: string, at: number, address: string | null): void {
    const bucketAt = Math.floor(at / HEARTBEAT_BUCKET_MS) * HEARTBEAT_BUCKET_MS;
    const seen = this.seen.get(serial);
    if (!seen) {
      this.seen.set(serial, { at, address, writtenAt: 0, bucketAt, requests: 1, earlier: null });
      return;
    }
    seen.at = at;
    // The same text most of the time: keep the string already held, let the request's go.
    if (seen.address !== address) seen.address = address;
    countRequests(seen, bucketAt, 1);
  }

  /** Writes the last-seen times and request counts not written yet; a failure keeps them for the next flush. */
  async flushSeen(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.writeSeen().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async writeSeen(): Promise<void> {
    // In parts, each taken from the entries just before it is written: what a flush holds
    // stays small and short-lived.
    let part: SeenTaken[] = [];
    for (const [serial, seen] of this.seen) {
      if (seen.at === seen.writtenAt && seen.requests === 0 && !seen.earlier) {
        this.seen.delete(serial); // silent since the last flush
        continue;
      }
      const counts = seen.earlier ?? [];
      if (seen.requests) counts.push({ bucketAt: seen.bucketAt, requests: seen.requests });
      part.push({ serial, seen, writtenAt: seen.writtenAt, counts });
      seen.writtenAt = seen.at;
      seen.requests = 0;
      seen.earlier = null;
      if (part.length < SEEN_WRITE_PART) continue;
      if (!(await this.writeSeenPart(part))) return;
      part = [];
    }
    if (part.length) await this.writeSeenPart(part);
  }

  /** Writes what was taken from some entries; on failure puts it back (the contacts since are newer and stay). */
  private async writeSeenPart(part: SeenTaken[]): Promise<boolean> {
    try {
      // In serial order, so two instances' flushes lock the rows they share in the same order;
      // both statements in one transaction, retried whole when another instance's flush (on
      // Galera, through another node) wrote one of these terminals' rows at the same time.
      part.sort((a, b) => (a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0));
      const moved = part.filter((p) => p.seen.writtenAt > p.writtenAt);
      await transactionWithRetry(
        this.knex,
        async (trx) => {
          await recordDevicesSeen(trx, moved.map((p) => ({ serial: p.serial, at: new Date(p.seen.writtenAt), address: p.seen.address })));
          await addDeviceHeartbeats(trx, part.flatMap((p) => p.counts.map((c) => ({ serial: p.serial, bucketAt: new Date(c.bucketAt), requests: c.requests }))));
        },
        SEEN_WRITE_ATTEMPTS,
      );
      return true;
    } catch (err) {
      for (const p of part) {
        p.seen.writtenAt = p.writtenAt;
        for (const c of p.counts) countRequests(p.seen, c.bucketAt, c.requests);
      }
      this.storeTroubleAt = this.now().getTime();
      this.logger.warn({ err }, 'could not record device heartbeats; will retry');
      return false;
    }
  }
}

/** Adds requests to a bucket of a device's unwritten counts (the bucket now, or an earlier one). */
function countRequests(seen: Seen, bucketAt: number, requests: number): void {
  if (bucketAt === seen.bucketAt) {
    seen.requests += requests;
    return;
  }
  const earlier = seen.earlier?.find((e) => e.bucketAt === bucketAt);
  if (earlier) earlier.requests += requests;
  else if (bucketAt < seen.bucketAt) (seen.earlier ??= []).push({ bucketAt, requests });
  else {
    // A new bucket begins: the one before waits for the flush with the others.
    if (seen.requests) (seen.earlier ??= []).push({ bucketAt: seen.bucketAt, requests: seen.requests });
    seen.bucketAt = bucketAt;
    seen.requests = requests;
  }
}
