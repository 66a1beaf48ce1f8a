// The poller: reads terminals that only answer the ZK binary protocol (TCP 4370) into the same
// pipeline as ADMS uploads (source `zk4370`). Per terminal and poll: take its lease (one
// instance reads a terminal at a time), connect, enable it (a read that died left it disabled),
// check its serial number, measure its clock, disable it, read its users and whole log, enable
// it, and submit what is new since the cursor; the cursor moves in the punches' transaction, by
// the lease holder only. Clearing the log (opt-in) happens only after the punches committed,
// while the terminal is still disabled, and only if the count read again has not changed.
import { hostname } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { type WallTime, formatWallTime } from '../../protocol/zktime.js';
import { type FreeSizes, type ZkAttendance, type ZkUser, pinOf } from '../../protocol/zk4370/index.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import { clockHeld } from '../devices/clock.js';
import type { DeviceRegistry } from '../devices/registry.js';
import { type IngestService, MERGED_BATCH_PUNCHES } from '../pipeline/ingest.js';
import type { IngestResult } from '../pipeline/outcome.js';
import { type Punch, logTypeOfPunchState } from '../pipeline/punch.js';
import { type SyncCounts, type SyncLogService, newRequestId } from '../pipeline/syncLog.js';
import { TimestampError, instantToWallTime, parseTimestamp, wallToInstant } from '../pipeline/time.js';
import { type Device, findDevice, insertDevice } from '../store/devices.js';
import { upsertDeviceUsers } from '../store/deviceUsers.js';
import {
  EMPTY_CURSOR,
  type PollCursor,
  type PollerSettings,
  type ZkPoller,
  advancePollerCursor,
  claimPollerLease,
  deletePoller,
  duePollers,
  findPoller,
  finishPoll,
  insertPoller,
  listPollers,
  renewPollerLease,
  updatePollerSettings,
} from '../store/zkPollers.js';
import { isUniqueViolation } from '../store/transaction.js';
import { ZkError, ZkSession } from './zkClient.js';

export type { ZkPoller };

/** Why a poll failed: the session's reasons, and the poller's own. */
export type PollFailure = ZkError['kind'] | 'serial_mismatch' | 'lease_lost' | 'blocked' | 'store';

export interface PollerServiceSettings {
  clockDriftSeconds: number;
  holdClockOffSeconds: number;
  zkConnectTimeoutSeconds: number;
  zkReplyTimeoutSeconds: number;
  zkPollsAtOnce: number;
}

export interface PollerDeps {
  knex: Knex;
  ingest: IngestService;
  registry: DeviceRegistry;
  syncLog: SyncLogService;
  settings: PollerServiceSettings;
  logger: Logger;
  clock: Clock;
  /** How long a lease lasts unless renewed (default a minute; tests shorten it). */
  leaseMs?: number;
  /** Approves a terminal awaiting approval (the device service's approve: its held uploads are released). */
  approve: (serial: string) => Promise<unknown>;
}

/** What one poll did. */
export interface PollReport {
  serial: string;
  /** False when another instance holds the terminal's lease: nothing was done. */
  polled: boolean;
  ok: boolean;
  failure: PollFailure | null;
  error: string | null;
  /** Records on the terminal, read, and submitted (those past the cursor, or all when the log changed under it). */
  records: number;
  submitted: number;
  counts: SyncCounts;
  users: number;
  /** The whole log was submitted again: it shrank, rotated, or the record the cursor named moved. */
  reread: boolean;
  cleared: boolean;
  clockDriftSeconds: number | null;
  clockSet: boolean;
  sizes: FreeSizes | null;
}

/** Where a terminal's punches belong, kept on its device row: its site, and the zone of its clock (null: ICLOCKD_TZ). */
interface DevicePlace {
  site?: string;
  timeZone?: string | null;
}

/** A new poller: where the terminal is and how to read it, and the terminal's site and zone. */
export interface NewPoller extends PollerSettings, DevicePlace {
  serial: string;
}

/** A change to a poller: any of its settings, and the terminal's site and zone. */
export interface PollerChange extends Partial<PollerSettings>, DevicePlace {}

/** How long a lease lasts unless renewed; renewed every third of it while a poll runs. */
const DEFAULT_LEASE_MS = 60_000;
/** The longest wait after failures in a row (the interval doubles up to it). */
const MAX_BACKOFF_MS = 3_600_000;
/** How often the scheduler looks for due terminals. */
const TICK_MS = 1000;

class PollError extends Error {
  constructor(
    readonly kind: PollFailure,
    message: string,
  ) {
    super(message);
  }
}

export class PollerService {
  /** This instance, as lease owner. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`.slice(0, 64);
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Map<string, Promise<PollReport>>();
  /** What was last written of each terminal's users, by serial (a digest). */
  private readonly usersWritten = new Map<string, string>();
  private readonly knex: Knex;
  private readonly now: Clock;
  private readonly leaseMs: number;

  constructor(private readonly deps: PollerDeps) {
    this.knex = deps.knex;
    this.now = deps.clock;
    this.leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  }

  // --- configuration -------------------------------------------------------------------------

  list(): Promise<ZkPoller[]> {
    return listPollers(this.knex);
  }

  async get(serial: string): Promise<ZkPoller> {
    const p = await findPoller(this.knex, serial);
    if (!p) throw new AppError('not_found', `No poller for terminal ${serial}`);
    return p;
  }

  /**
   * Adds a terminal to poll. Its `devices` row is made (approved: the operator named it) or,
   * when it already pushes over ADMS, kept, with the site and zone given; one awaiting approval
   * is approved by being added (what it sent meanwhile is released by `devices approve`). A
   * blocked one stays blocked, and is not read until approved.
   */
  async add(p: NewPoller): Promise<ZkPoller> {
    const now = this.now();
    const existing = await this.knex.transaction(async (trx) => {
      const device = await findDevice(trx, p.serial);
      if (!device) await insertDevice(trx, p.serial, { state: 'approved', site: p.site ?? 'main', timeZone: p.timeZone ?? null }, now);
      try {
        await insertPoller(trx, p.serial, p, now);
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('conflict', `Terminal ${p.serial} is polled already (iclockd pollers set ${p.serial} … changes it)`);
        throw err;
      }
      return device;
    });
    // Pending: approved the way an operator approves one, so that what it pushed meanwhile is released too.
    if (existing?.state === 'pending') await this.deps.approve(p.serial);
    if (existing) await this.place(p.serial, p);
    return this.get(p.serial);
  }

  async set(serial: string, change: PollerChange): Promise<ZkPoller> {
    const { site, timeZone, ...settings } = change;
    if (Object.keys(change).length === 0) throw new AppError('validation_error', 'Nothing to change', { fields: [] });
    if (!(await updatePollerSettings(this.knex, serial, settings, this.now()))) throw new AppError('not_found', `No poller for terminal ${serial}`);
    await this.place(serial, { site, timeZone });
    return this.get(serial);
  }

  /** Sets the site and zone given (through the registry, whose cache the terminal's punches read). */
  private async place(serial: string, { site, timeZone }: DevicePlace): Promise<void> {
    if (site === undefined && timeZone === undefined) return;
    await this.deps.registry.change(serial, { ...(site !== undefined ? { site } : {}), ...(timeZone !== undefined ? { timeZone } : {}) });
  }

  /** Stops polling a terminal; its device row, punches and users stay. */
  async remove(serial: string): Promise<void> {
    if (!(await deletePoller(this.knex, serial))) throw new AppError('not_found', `No poller for terminal ${serial}`);
    this.usersWritten.delete(serial);
  }

  // --- scheduling ------------------------------------------------------------------------------

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** Stops scheduling and waits for the polls running now. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.running.values()]);
  }

  /** Starts polls of due terminals, up to ICLOCKD_ZK_POLLS_AT_ONCE at once. */
  private async tick(): Promise<void> {
    const room = this.deps.settings.zkPollsAtOnce - this.running.size;
    if (room <= 0) return;
    let due: string[];
    try {
      due = await duePollers(this.knex, this.now(), room + this.running.size);
    } catch (err) {
      this.deps.logger.warn({ err }, 'poller: could not read which terminals are due; will retry');
      return;
    }
    for (const serial of due.filter((s) => !this.running.has(s)).slice(0, room)) {
      this.pollOnce(serial).then(
        (r) => {
          if (r.polled && !r.ok) this.deps.logger.warn({ serial, failure: r.failure, err: r.error }, 'poller: a terminal could not be read; devices show says what to check');
          else if (r.polled && r.counts.created > 0) this.deps.logger.info({ serial, records: r.records, created: r.counts.created }, 'poller: new punches read');
        },
        (err: unknown) => this.deps.logger.warn({ err, serial }, 'poller: a poll failed'),
      );
    }
  }

  // --- one poll --------------------------------------------------------------------------------

  /** Polls one terminal now (the scheduler, `pollers run-once`), unless another poll of it runs here or elsewhere. */
  pollOnce(serial: string): Promise<PollReport> {
    const running = this.running.get(serial);
    if (running) return running;
    const poll = this.poll(serial).finally(() => this.running.delete(serial));
    this.running.set(serial, poll);
    return poll;
  }

  private async poll(serial: string): Promise<PollReport> {
    const poller = await this.get(serial);
    const started = this.now();
    const report: PollReport = { serial, polled: false, ok: false, failure: null, error: null, records: 0, submitted: 0, counts: { total: 0, created: 0, duplicate: 0, failed: 0 }, users: 0, reread: false, cleared: false, clockDriftSeconds: null, clockSet: false, sizes: null };
    if (!(await claimPollerLease(this.knex, serial, this.owner, started, new Date(started.getTime() + this.leaseMs)))) return report;
    report.polled = true;
    const lease = { lost: false };
    const renewal = setInterval(() => {
      renewPollerLease(this.knex, serial, this.owner, new Date(this.now().getTime() + this.leaseMs)).then(
        (held) => {
          if (!held) lease.lost = true;
        },
        () => undefined,
      );
    }, this.leaseMs / 3);
    try {
      await this.read(poller, report, lease);
      report.ok = true;
    } catch (err) {
      const e = err instanceof PollError || err instanceof ZkError ? err : new PollError('store', err instanceof Error ? err.message : String(err));
      report.failure = e.kind;
      report.error = e.message;
    } finally {
      clearInterval(renewal);
    }
    const at = this.now();
    const failures = report.ok ? 0 : poller.failures + 1;
    await finishPoll(this.knex, serial, this.owner, {
      at,
      ok: report.ok,
      errorKind: report.failure,
      error: report.error,
      failures,
      nextPollAt: new Date(at.getTime() + nextDelayMs(poller.intervalSeconds, failures)),
      sizes: report.sizes ? { records: report.sizes.records, recordsCapacity: report.sizes.recordsCapacity, users: report.sizes.users, usersCapacity: report.sizes.usersCapacity } : null,
    }).catch((err: unknown) => this.deps.logger.warn({ err, serial }, 'poller: could not record a poll; its lease lapses by itself'));
    await this.deps.syncLog
      .record({
        requestId: newRequestId(started.getTime()),
        channel: 'zk4370',
        endpoint: `tcp://${poller.host}:${poller.port}`,
        device: serial,
        remoteAddress: poller.host.slice(0, 64),
        receivedAt: started,
        ok: report.ok,
        counts: report.counts,
        error: report.error,
        durationMs: at.getTime() - started.getTime(),
      })
      .catch((err: unknown) => this.deps.logger.warn({ err, serial }, 'poller: could not write the sync log'));
    return report;
  }

  private async read(poller: ZkPoller, report: PollReport, lease: { lost: boolean }): Promise<void> {
    const serial = poller.deviceSerial;
    const device = await findDevice(this.knex, serial);
    if (!device) throw new PollError('store', `Terminal ${serial} has no device row`);
    // Refused as its pushes are: nothing is read until it is approved again.
    if (device.state === 'blocked') throw new PollError('blocked', `${serial} is blocked: not read until it is approved (iclockd devices approve ${serial})`);
    const zone = this.deps.registry.zoneOf(device);
    const s = this.deps.settings;
    const session = await ZkSession.open({ host: poller.host, port: poller.port, commKey: poller.commKey, connectTimeoutMs: s.zkConnectTimeoutSeconds * 1000, replyTimeoutMs: s.zkReplyTimeoutSeconds * 1000 });
    try {
      // A poll that died mid-read (here or on another instance) left it disabled.
      await session.enable();
      const said = await session.serialNumber();
      if (said !== serial) {
        throw new PollError('serial_mismatch', `${poller.host}:${poller.port} answers as ${said}, not ${serial}: not read, so that its punches are not taken for ${serial}'s (did the address move?)`);
      }
      await this.checkClock(session, poller, device, zone, report);
      await session.disable();
      let enabled = false;
      try {
        const sizes = await session.freeSizes();
        report.sizes = sizes;
        const users = await session.users(sizes.users);
        const records = await session.attendance(sizes.records);
        report.records = records.length;
        report.users = users.length;
        if (!poller.clearAfterRead) {
          await session.enable();
          enabled = true;
        }
        if (lease.lost) throw new PollError('lease_lost', 'another instance took the terminal over during the read; it stores what it reads');
        await this.store(poller, device, zone, users, records, report);
        if (poller.clearAfterRead && records.length > 0) {
          // Only what was committed is cleared: nothing may have arrived since the read.
          const again = await session.freeSizes();
          // Only the lease holder clears: the renewal also says it still holds it.
          const held = await renewPollerLease(this.knex, serial, this.owner, new Date(this.now().getTime() + this.leaseMs));
          if (!held) throw new PollError('lease_lost', 'another instance took the terminal over; its log was not cleared');
          if (again.records === records.length) {
            await session.clearAttendance();
            await advancePollerCursor(this.knex, serial, this.owner, EMPTY_CURSOR);
            report.cleared = true;
          }
        }
      } finally {
        if (!enabled) await session.enable().catch(() => undefined); // else enabled on the next connect
      }
    } finally {
      await session.close();
    }
  }

  /** The terminal's clock against ours, in its zone: recorded as its drift, corrected when the operator opted in. */
  private async checkClock(session: ZkSession, poller: ZkPoller, device: Device, zone: string, report: PollReport): Promise<void> {
    let wall: WallTime;
    try {
      wall = await session.time();
    } catch (err) {
      // Firmware that will not tell its time is still read; a dead session is not.
      if (err instanceof ZkError && (err.kind === 'refused' || err.kind === 'protocol')) return;
      throw err;
    }
    const now = this.now();
    let drift: number;
    try {
      // As ADMS measures it: positive when the terminal is behind.
      drift = Math.round((now.getTime() - wallToInstant(wall, zone).getTime()) / 1000);
    } catch {
      return; // a clock in a wall time the zone skips: no drift worth recording
    }
    report.clockDriftSeconds = drift;
    await this.deps.registry.note(device, { clockDriftSeconds: drift, clockDriftAt: now });
    if (poller.setClock && Math.abs(drift) > this.deps.settings.clockDriftSeconds) {
      await session.setTime(instantToWallTime(now, zone));
      report.clockSet = true;
    }
  }

  /**
   * Submits what is new since the cursor (everything, when the log no longer starts as the cursor
   * says), in batches; each batch moves the cursor in its own transaction, by the lease holder only.
   */
  private async store(poller: ZkPoller, device: Device, zone: string, users: ZkUser[], records: ZkAttendance[], report: PollReport): Promise<void> {
    const serial = poller.deviceSerial;
    const byUid = new Map(users.map((u) => [u.uid, u]));
    const pins = records.map((r) => pinOf(r, byUid));
    const times = records.map((r) => formatWallTime(r.time));
    const start = cursorHolds(poller.cursor, pins, times) ? poller.cursor.count : 0;
    // Measured wrong now: its new punches are held for review, as an ADMS terminal's are.
    const untrusted = clockHeld(report.clockDriftSeconds, this.deps.settings.holdClockOffSeconds);
    report.reread = start === 0 && poller.cursor.count > 0;
    await this.writeUsers(serial, users);
    for (let from = start; from < records.length; from += MERGED_BATCH_PUNCHES) {
      const to = Math.min(records.length, from + MERGED_BATCH_PUNCHES);
      const punches: Punch[] = [];
      for (let i = from; i < to; i++) {
        try {
          const punch = this.punchOf(device, zone, pins[i]!, times[i]!, records[i]!);
          if (untrusted) punch.timeUntrusted = true;
          punches.push(punch);
        } catch (err) {
          if (!(err instanceof TimestampError)) throw err;
          report.counts.failed++;
          report.counts.total++;
        }
      }
      const cursor: PollCursor = { count: to, pin: pins[to - 1]!, time: times[to - 1]! };
      const { results } = await this.deps.ingest.submit({
        punches,
        alsoWrite: {
          each: async (trx) => {
            if (!(await advancePollerCursor(trx, serial, this.owner, cursor))) throw new PollError('lease_lost', 'another instance took the terminal over; it stores what it reads');
          },
        },
      });
      tally(report.counts, results);
      report.submitted += to - from;
    }
  }

  /**
   * The terminal's users where ADMS users go, when they differ from what this instance last
   * wrote for it: a poll reads every user each time, and thousands of unchanged rows a minute
   * per terminal would be written for nothing.
   */
  private async writeUsers(serial: string, users: ZkUser[]): Promise<void> {
    const rows = users.map((u) => ({ pin: u.pin, name: u.name, privilege: u.privilege, card: u.card === 0 ? null : String(u.card) }));
    const fingerprint = createHash('sha1').update(JSON.stringify(rows)).digest('hex');
    if (this.usersWritten.get(serial) === fingerprint) return;
    await upsertDeviceUsers(this.knex, serial, rows, this.now());
    this.usersWritten.set(serial, fingerprint);
  }

  /** A record as a punch: the same fields, and so the same key, as the terminal's ADMS upload of it. */
  private punchOf(device: Device, zone: string, pin: string, time: string, r: ZkAttendance): Punch {
    const t = parseTimestamp(time, zone);
    return {
      deviceSerial: device.serial,
      deviceId: null,
      site: device.site,
      deviceUserId: pin,
      localTime: t.localTime,
      instant: t.instant,
      timeZone: t.timeZone,
      logType: logTypeOfPunchState(r.punchState),
      punchState: r.punchState,
      verifyMode: r.verifyMode,
      workCode: r.workCode === null || r.workCode === 0 ? null : String(r.workCode),
      latitude: null,
      longitude: null,
      source: 'zk4370',
    };
  }
}

/** The cursor still names the same record: the log before it is as it was, so only what follows is new. */
function cursorHolds(c: PollCursor, pins: string[], times: string[]): boolean {
  return c.count > 0 && pins.length >= c.count && pins[c.count - 1] === c.pin && times[c.count - 1] === c.time;
}

function tally(counts: SyncCounts, results: IngestResult[]): void {
  for (const r of results) {
    counts.total++;
    if (r.outcome === 'rejected') counts.failed++;
    else if (r.outcome === 'duplicate') counts.duplicate++;
    else counts.created++;
  }
}

/** The wait before the next poll: the interval, doubled per failure in a row up to an hour, ±20 % so terminals drift apart. */
export function nextDelayMs(intervalSeconds: number, failures: number, random = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, intervalSeconds * 1000 * 2 ** Math.min(failures, 20));
  return Math.round(base * (0.8 + 0.4 * random()));
}
