// What operators do with devices: approve (which ingests what was held in quarantine, in
// arrival order), block, set zone/site/alias, and queue commands.
import { DateTime } from 'luxon';
import { isKnownZone } from '../pipeline/time.js';
import { commands as build, parseOptionLines } from '../../protocol/index.js';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { charLength, charsOf } from '../store/columns.js';
import { type DeviceFilter, deviceActivity } from '../store/devices.js';
import { listDeviceTemplates, listDeviceUsers } from '../store/deviceUsers.js';
import { listDeviceHeartbeats } from '../store/deviceHeartbeats.js';
import { countPunchesPerDay } from '../store/punches.js';
import { listDeviceSyncLog } from '../store/syncLog.js';
import { type ZkPoller, findPoller, findPollers } from '../store/zkPollers.js';
import { listEmployees } from '../store/employees.js';
import type { Listed, Window } from '../store/list.js';
import type { CommandQueue, DeviceCommand } from './commands.js';
import { type Device, type DeviceRegistry, type DeviceState, HEARTBEAT_BUCKET_MS } from './registry.js';
import type { Reconciler } from './reconcile.js';
import type { DeviceRequest, DeviceUploads } from './uploads.js';
import { clockHeld, spelledDuration } from './clock.js';

export interface DeviceUpdate {
  alias?: unknown;
  site?: unknown;
  time_zone?: unknown;
  push_generation?: unknown;
}

export const COMMAND_KINDS = [
  'reboot',
  'info',
  'check',
  'log',
  'clear-log',
  'reload-options',
  'set-option',
  'query-attlog',
  'verify-sum',
  'add-user',
  'delete-user',
  'raw',
  'sync-users',
  'copy-users',
] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The device command text for an API/CLI request; throws validation_error naming bad fields. */
export function commandText(spec: Record<string, unknown>): string {
  const str = (k: string) => (typeof spec[k] === 'string' || typeof spec[k] === 'number' ? String(spec[k]).trim() : '');
  const need = (...keys: string[]) => {
    const bad = keys.filter((k) => !str(k));
    if (bad.length) throw new AppError('validation_error', `Missing fields for ${String(spec.command)}: ${bad.join(', ')}`, { fields: bad });
  };
  /** Fields a terminal keeps in its user table: no longer than iclockd's copy of it holds. */
  const fits = (max: Record<string, number>) => {
    const bad = Object.entries(max).filter(([k, n]) => charLength(str(k)) > n || !str(k).isWellFormed());
    if (bad.length) throw new AppError('validation_error', `Invalid fields: ${bad.map(([k, n]) => `${k} (at most ${n} characters)`).join(', ')}`, { fields: bad.map(([k]) => k) });
  };
  const range = () => {
    need('from', 'to');
    const bad = ['from', 'to'].filter((k) => !DAY.test(str(k)));
    if (bad.length) throw new AppError('validation_error', 'from and to must be dates YYYY-MM-DD', { fields: bad });
    return [`${str('from')} 00:00:00`, `${str('to')} 23:59:59`] as const;
  };
  switch (spec.command as CommandKind) {
    case 'reboot':
      return build.reboot();
    case 'info':
      return build.info();
    case 'check':
      return build.check();
    case 'log':
      return build.log();
    case 'clear-log':
      return build.clearLog();
    case 'reload-options':
      return build.reloadOptions();
    case 'set-option':
      need('key', 'value');
      return build.setOption(str('key'), str('value'));
    case 'query-attlog':
      return build.queryAttlog(...range());
    case 'verify-sum':
      return build.verifySumAttlog(...range());
    case 'add-user':
      need('pin', 'name');
      fits({ pin: charsOf('device_users', 'pin'), name: charsOf('device_users', 'name'), card: charsOf('device_users', 'card') });
      return build.updateUser({ pin: str('pin'), name: str('name'), card: str('card') || undefined, privilege: spec.privilege === undefined ? undefined : Number(spec.privilege) });
    case 'delete-user':
      need('pin');
      fits({ pin: charsOf('device_users', 'pin') });
      return build.deleteUser(str('pin'));
    case 'raw':
      need('text');
      return str('text');
    case 'sync-users':
    case 'copy-users':
      throw new AppError('validation_error', `${String(spec.command)} sends many commands; use DeviceService.command`);
    default:
      throw new AppError('validation_error', `command must be one of ${COMMAND_KINDS.join(', ')}`, { fields: ['command'] });
  }
}

/** What the console shows beside a device: is it polling, and how much it punched today. */
export interface DeviceStatus {
  online: boolean;
  delaySeconds: number;
  /** Punches recorded on the device's own today (in its zone). */
  punchesToday: number;
  today: string;
}

/** One five-minute slot of a device's timeline. */
export interface TimelineBucket {
  at: Date;
  /** Every request it made (polls, handshakes, uploads). */
  requests: number;
  /** Uploads and other logged requests (the sync log), with the records they carried and how many failed. */
  uploads: number;
  records: number;
  errors: number;
}

/** A timeline reads at most this many sync-log rows (a day of a busy terminal's uploads). */
const TIMELINE_MAX_UPLOADS = 20_000;

export interface Diagnosis {
  /**
   * True when nothing stands in the way of its punches: approved, online, nothing held. Then
   * the first finding begins "Delivering"; otherwise the first finding says what stands in the way.
   */
  delivering: boolean;
  /** Plain sentences, most important first. */
  findings: string[];
}

/** A terminal as an operator sees it, all from one read at one instant, so the parts agree. */
export interface Inspection {
  device: Device;
  status: DeviceStatus;
  diagnosis: Diagnosis;
  /** How it is read over TCP 4370, when it is. */
  poller: ZkPoller | null;
}

/** An instant as wall time in `zone`, named: 2026-12-01 20:26:51 Asia/Riyadh. */
const inZone = (d: Date, zone: string) => `${DateTime.fromJSDate(d, { zone }).toFormat('yyyy-MM-dd HH:mm:ss')} ${zone}`;

export interface DeviceServiceDeps {
  knex: Knex;
  registry: DeviceRegistry;
  uploads: DeviceUploads;
  commands: CommandQueue;
  reconciler: Reconciler;
  settings: { clockDriftSeconds: number; holdClockOffSeconds: number };
  clock: Clock;
}

export class DeviceService {
  private readonly knex: Knex;
  private readonly registry: DeviceRegistry;
  private readonly uploads: DeviceUploads;
  private readonly queue: CommandQueue;
  private readonly reconciler: Reconciler;
  private readonly settings: DeviceServiceDeps['settings'];
  private readonly now: Clock;

  constructor({ knex, registry, uploads, commands: queue, reconciler, settings, clock }: DeviceServiceDeps) {
    this.knex = knex;
    this.registry = registry;
    this.uploads = uploads;
    this.queue = queue;
    this.reconciler = reconciler;
    this.settings = settings;
    this.now = clock;
  }

  /** POST /iclock/devicecmd: archive the results, close their commands, follow up reconciliation. */
  async receiveCommandResults(device: Device, req: DeviceRequest): Promise<{ results: number; unread: number }> {
    const { results, errors } = await this.uploads.commandResults(device, req);
    await this.queue.complete(device.serial, results);
    // An INFO answer is the terminal's whole option list: what the device view shows as its options.
    const info = results.filter((r) => r.cmd.toUpperCase() === 'INFO' && r.returnCode === 0 && r.content);
    if (info.length) {
      const current = (await this.registry.fresh(device.serial)) ?? device;
      await this.registry.recordOptions(current, Object.assign({ ...current.options }, ...info.map((r) => parseOptionLines(r.content!))));
    }
    await this.reconciler.onResults(device.serial, results);
    return { results: results.length, unread: errors.length };
  }

  /** Runs the device's archived uploads again (after a codec fix); only for an approved device. */
  async reprocess(serial: string, range: { from?: Date; to?: Date }): Promise<Awaited<ReturnType<DeviceUploads['replayArchived']>>> {
    const device = await this.get(serial);
    if (device.state !== 'approved') throw new AppError('conflict', `${serial} is ${device.state}; approve it first (that ingests its held uploads)`);
    return this.uploads.replayArchived(device, range);
  }

  /** Queues the reconciliation of a device over days (YYYY-MM-DD, inclusive). */
  async reconcile(serial: string, from: string, to: string, createdBy: string | null): Promise<string[]> {
    await this.get(serial);
    return this.reconciler.schedule(serial, from, to, createdBy);
  }

  /** Why a device is not delivering punches, in plain words (or that it is). */
  async diagnose(serial: string): Promise<Diagnosis> {
    return (await this.inspect(serial)).diagnosis;
  }

  /**
   * The device as stored (with the last contact this process has not written yet), whether it
   * is online and the diagnosis, from that one read at one instant: `online`, `delivering` and
   * the findings cannot disagree. An unknown serial: `device` null and the "never seen" advice.
   */
  async inspect(serial: string, now = this.now()): Promise<Inspection | { device: null; diagnosis: Diagnosis }> {
    const stored = await this.registry.fresh(serial);
    if (!stored) {
      return {
        device: null,
        diagnosis: {
          delivering: false,
          findings: [
            `Never seen: no request from ${serial} has reached iclockd. On the terminal, check Comm → Cloud Server Setting (server address and port, HTTPS off unless a TLS proxy is in front), its network, and the firewall.`,
          ],
        },
      };
    }
    const d = this.registry.withUnflushedSeen(stored);
    // Every time in the diagnosis in the server's zone (ICLOCKD_TZ), as the console shows them.
    const when = (t: Date) => inZone(t, this.registry.zoneOf({ timeZone: null }));
    const poller = await findPoller(this.knex, serial);
    const status = (await this.status([d], now, new Map(poller ? [[serial, poller]] : []))).get(serial)!;
    const a = await deviceActivity(this.knex, serial);
    /** What stands in the way of its punches, then what is only worth knowing. */
    const blocking: string[] = [];
    const notes: string[] = [];
    if (d.state === 'blocked') blocking.push(`Blocked: iclockd refuses it; the terminal keeps its punches until it is approved (iclockd devices approve ${serial}).`);
    if (d.state === 'pending') {
      blocking.push(
        `Pending approval: ${a.quarantined} upload(s) with ${a.quarantinedRecords} record(s) are held and will be ingested in order on approval (iclockd devices approve ${serial}).`,
      );
      // Full for the smallest upload there is: one byte more.
      const full = await this.uploads.holdFull(d, 1);
      if (full) blocking.push(`Hold full: it ${full.says}, so its newer uploads are refused and stay on the terminal until it is approved.`);
    }
    if (d.state === 'approved' && a.quarantined > 0) {
      blocking.push(`${a.quarantined} upload(s) held while it was pending were not all ingested: approve it again to release them (iclockd devices approve ${serial}).`);
    }
    // A terminal that is read (TCP 4370) and never pushes: silence and uploads are the poller's to tell.
    const pollOnly = poller !== null && d.lastSeenAt === null;
    if (poller) pollerFindings(poller, now, when, blocking, notes);
    // The same rule as `online`: heard from within 3 poll intervals.
    if (!pollOnly && !status.online) {
      blocking.push(
        d.lastSeenAt
          ? `Silent: last heard from at ${when(d.lastSeenAt)}, ${spelledDuration((now.getTime() - d.lastSeenAt.getTime()) / 1000)} ago, though it polls every ${status.delaySeconds} s: its punches wait on the terminal until it is back. Check its power, network and Cloud Server Setting.`
          : `Silent: not heard from yet: its punches wait on the terminal until it connects. Check its power, network and Cloud Server Setting.`,
      );
    }
    const drift = d.clockDriftSeconds;
    if (drift !== null && (clockHeld(drift, this.settings.holdClockOffSeconds) || Math.abs(drift) > this.settings.clockDriftSeconds)) {
      const clock = `Clock ${drift < 0 ? 'ahead' : 'behind'} by ${spelledDuration(drift)} (${Math.abs(drift)} s, measured ${when(d.clockDriftAt!)} ${pollOnly ? 'by the poller reading its clock' : 'from a punch it sent as it was made'})`;
      const fix = `set the terminal's date, time and time zone (iclockd reads its times in ${this.registry.zoneOf(d)}), or ${
        pollOnly ? `let the poller set it (iclockd pollers set ${serial} set_clock=true)` : `reboot it (iclockd devices command ${serial} reboot) so it takes iclockd's time when it connects`
      }`;
      if (clockHeld(drift, this.settings.holdClockOffSeconds)) {
        blocking.push(
          `${clock}: its punches are held for review (suspect_time), not made check-ins nor sent to ERPNext, until a punch shows its clock right again (ICLOCKD_HOLD_CLOCK_OFF_SECONDS ${this.settings.holdClockOffSeconds}). To fix: ${fix}. Then accept or correct the held punches (GET /api/v1/punches?device=${serial}&status=suspect_time, POST /api/v1/punches/ID/accept).`,
        );
      } else {
        notes.push(`${clock}: its check-ins carry times that far off; ${fix}.`);
      }
    }
    if (!pollOnly && d.state !== 'blocked' && !a.lastPunchReceivedAt && a.quarantined === 0) {
      blocking.push(
        `Handshakes but no attendance uploads yet: check that the terminal uploads in real time (Realtime on, TransFlag including AttLog), or queue a "check" or "log" command.`,
      );
    }
    if (a.suspect > 0) {
      notes.push(
        `${a.suspect} punch(es) from it are held for review (suspect_time: a time too far ahead, before ICLOCKD_TIME_FLOOR, or stamped while its clock was wrong): accept or correct them (GET /api/v1/punches?device=${serial}&status=suspect_time).`,
      );
    }
    if (a.lastUnparsed) notes.push(`Its last upload with lines iclockd could not read came at ${when(a.lastUnparsed.at)}: ${a.lastUnparsed.error ?? 'see the request archive'}.`);
    if (a.unmatched > 0) {
      notes.push(
        `${a.unmatched} punch(es) match no employee (user ids ${a.unmatchedUserIds.join(', ')}${a.unmatched > a.unmatchedUserIds.length ? ', …' : ''}): give employees those attendance_device_id values and they become check-ins.`,
      );
    }
    const delivering = blocking.length === 0;
    const findings = delivering
      ? [`Delivering${poller ? ` (read over TCP 4370, last at ${poller.lastSuccessAt ? when(poller.lastSuccessAt) : 'never'})` : ''}: last punch received ${a.lastPunchReceivedAt ? when(a.lastPunchReceivedAt) : 'never'}.`, ...notes]
      : [...blocking, ...notes];
    return { device: d, status, diagnosis: { delivering, findings }, poller };
  }

  /** The zone a terminal's wall times are read in, as stored now: its own, else the configured default (an unknown serial too). */
  async timeZoneOf(serial: string): Promise<string> {
    return this.registry.zoneOf((await this.registry.fresh(serial)) ?? { timeZone: null });
  }

  /** The device as stored now (not the registry's cached copy: an operator sees its last-seen time). */
  async get(serial: string): Promise<Device> {
    const d = await this.registry.fresh(serial);
    if (!d) throw new AppError('not_found', `No device ${serial}`);
    return this.registry.withUnflushedSeen(d);
  }

  async list(filter: DeviceFilter, window: Window): Promise<Listed<Device>> {
    const listed = await this.registry.list(filter, window);
    return { ...listed, rows: listed.rows.map((d) => this.registry.withUnflushedSeen(d)) };
  }

  /** Approves a device and ingests its quarantined uploads in the order they arrived. */
  async approve(serial: string): Promise<{ device: Device; released: Awaited<ReturnType<DeviceUploads['replayArchived']>> }> {
    const device = await this.registry.setState(serial, 'approved');
    const released = await this.uploads.replayArchived(device, { outcome: 'quarantined' });
    return { device, released };
  }

  block(serial: string): Promise<Device> {
    return this.registry.setState(serial, 'blocked');
  }

  async update(serial: string, input: DeviceUpdate): Promise<Device> {
    await this.get(serial);
    const bad: string[] = [];
    const change: Parameters<DeviceRegistry['change']>[1] = {};
    if (input.alias !== undefined) {
      if (input.alias === null || (typeof input.alias === 'string' && input.alias.length <= 100)) change.alias = (input.alias as string | null) || null;
      else bad.push('alias');
    }
    if (input.site !== undefined) {
      if (typeof input.site === 'string' && input.site.trim() && input.site.length <= 64) change.site = input.site.trim();
      else bad.push('site');
    }
    if (input.time_zone !== undefined) {
      if (input.time_zone === null || (typeof input.time_zone === 'string' && isKnownZone(input.time_zone))) change.timeZone = input.time_zone as string | null;
      else bad.push('time_zone');
    }
    if (input.push_generation !== undefined) {
      if (input.push_generation === null || input.push_generation === '2' || input.push_generation === '3') change.pushGeneration = input.push_generation as string | null;
      else bad.push('push_generation');
    }
    if (bad.length) throw new AppError('validation_error', `Invalid fields: ${bad.join(', ')}`, { fields: bad });
    return this.registry.change(serial, change);
  }

  /** Queues a command; `sync-users` and `copy-users` fan out into one command per user or template. */
  async command(serial: string, spec: Record<string, unknown>, createdBy: string | null): Promise<DeviceCommand[]> {
    const device = await this.get(serial);
    let texts: string[];
    if (spec.command === 'sync-users') {
      // The employee directory of the device's site: PIN = attendance_device_id.
      const { rows } = await listEmployees(this.knex, { status: 'Active', site: device.site }, { offset: 0, limit: 1_000_000 });
      texts = rows.flatMap((e) => (e.attendanceDeviceId ? [build.updateUser({ pin: e.attendanceDeviceId, name: e.name })] : []));
    } else if (spec.command === 'copy-users') {
      const from = typeof spec.from === 'string' ? spec.from.trim() : '';
      if (!from) throw new AppError('validation_error', 'Missing fields for copy-users: from', { fields: ['from'] });
      await this.get(from);
      const users = await listDeviceUsers(this.knex, from);
      const templates = await listDeviceTemplates(this.knex, from);
      texts = [
        ...users.map((u) => build.updateUser({ pin: u.pin, name: u.name, privilege: u.privilege ?? 0, card: u.card ?? undefined })),
        ...templates.map((t) => build.updateTemplate(t.kind, t.fields)),
      ];
    } else {
      texts = [commandText(spec)];
    }
    const queued: DeviceCommand[] = [];
    for (const text of texts) queued.push(await this.queue.enqueue(serial, text, createdBy));
    return queued;
  }

  async commands(serial: string, window: Window): Promise<Listed<DeviceCommand>> {
    await this.get(serial);
    return this.queue.list(serial, {}, window);
  }

  /** Online state and today's punches, for a page of devices; `polled`: their pollers when the caller has read them already. */
  async status(devices: Device[], now = this.now(), polled?: Map<string, ZkPoller>): Promise<Map<string, DeviceStatus>> {
    const today = new Map(devices.map((d) => [d.serial, DateTime.fromJSDate(now).setZone(this.registry.zoneOf(d)).toISODate()!]));
    const earliest = [...today.values()].sort()[0];
    const counts = earliest ? await countPunchesPerDay(this.knex, [...today.keys()], earliest) : new Map<string, Map<string, number>>();
    const pollers = polled ?? (await findPollers(this.knex, devices.map((d) => d.serial)));
    return new Map(
      devices.map((d) => {
        const day = today.get(d.serial)!;
        const poller = pollers.get(d.serial);
        // A terminal that is read, not heard from: online while it was read within 3 intervals.
        const read = poller !== undefined && pollerRead(poller, now);
        return [
          d.serial,
          {
            online: this.registry.isOnline(d, now) || read,
            delaySeconds: poller && d.lastSeenAt === null ? poller.intervalSeconds : this.registry.delayOf(d),
            punchesToday: counts.get(d.serial)?.get(day) ?? 0,
            today: day,
          },
        ];
      }),
    );
  }

  /** Requests and uploads per five minutes over the last `hours` (1 to 168), oldest first. */
  async timeline(serial: string, hours: number, now = this.now()): Promise<{ from: Date; to: Date; buckets: TimelineBucket[] }> {
    await this.get(serial);
    if (!Number.isInteger(hours) || hours < 1 || hours > 168) throw new AppError('validation_error', 'hours must be a whole number from 1 to 168', { fields: ['hours'] });
    const to = new Date(Math.floor(now.getTime() / HEARTBEAT_BUCKET_MS) * HEARTBEAT_BUCKET_MS + HEARTBEAT_BUCKET_MS);
    const from = new Date(to.getTime() - hours * 3600_000);
    const buckets: TimelineBucket[] = [];
    for (let t = from.getTime(); t < to.getTime(); t += HEARTBEAT_BUCKET_MS) buckets.push({ at: new Date(t), requests: 0, uploads: 0, records: 0, errors: 0 });
    const slot = (at: Date) => buckets[Math.floor((at.getTime() - from.getTime()) / HEARTBEAT_BUCKET_MS)];
    for (const h of await listDeviceHeartbeats(this.knex, serial, from)) {
      const b = slot(h.bucketAt);
      if (b) b.requests += h.requests;
    }
    for (const e of await listDeviceSyncLog(this.knex, serial, from, TIMELINE_MAX_UPLOADS)) {
      const b = slot(e.receivedAt);
      if (!b) continue;
      b.uploads++;
      b.records += e.counts.total;
      if (e.status === 'error') b.errors++;
    }
    return { from, to, buckets };
  }
}

/** What stands between a polled terminal (TCP 4370) and its punches, then what is worth knowing: its last poll, and how full its log is. */
/** Read within 3 of its intervals: the poller's "online" (a terminal heard from within 3 of its Delay). */
function pollerRead(p: ZkPoller, now: Date): boolean {
  return p.lastSuccessAt !== null && now.getTime() - p.lastSuccessAt.getTime() <= 3 * p.intervalSeconds * 1000;
}

function pollerFindings(p: ZkPoller, now: Date, when: (t: Date) => string, blocking: string[], notes: string[]): void {
  const at = `${p.host}:${p.port}`;
  const since = p.lastSuccessAt ? `; last read at ${when(p.lastSuccessAt)}` : '; never read yet';
  if (!p.enabled) blocking.push(`Not polled: its poller is off (iclockd pollers set ${p.deviceSerial} enabled=true); its punches wait on the terminal.`);
  else if (p.lastPollAt === null) blocking.push(`Not polled yet: the first poll of ${at} is due at ${when(p.nextPollAt)}.`);
  else if (p.lastErrorKind === null && p.lastSuccessAt !== null && !pollerRead(p, now)) {
    blocking.push(`Not read since ${when(p.lastSuccessAt)}, though it is read every ${p.intervalSeconds} s: is iclockd serve running? Its punches wait on the terminal.`);
  }
  const why: Record<string, string> = {
    unreachable: `Unreachable at ${at}: ${p.lastError}. Check its power, network cable or Wi-Fi and IP address (Comm → Ethernet on the terminal), and that TCP port ${p.port} is open to iclockd`,
    timeout: `Not answering at ${at}: ${p.lastError}. A terminal busy with a user, or a firewall that drops the packets; a read cut off midway stored nothing and is read again whole`,
    wrong_key: `Wrong comm key: ${p.lastError}. Set the key the terminal has (Comm → Connection → COMM Key): iclockd pollers set ${p.deviceSerial} comm_key=N`,
    serial_mismatch: `Another terminal answers at ${at}: ${p.lastError}. Give the poller this terminal's address (iclockd pollers set ${p.deviceSerial} host=…), or add the other terminal by its own serial`,
    refused: `The terminal at ${at} refused the read: ${p.lastError}`,
    protocol: `Not a ZK terminal, or one whose reply iclockd could not read, at ${at}: ${p.lastError}`,
    lease_lost: `Its last poll was taken over by another instance midway (${p.lastError})`,
    store: `Its last poll could not be stored: ${p.lastError}`,
  };
  // Blocked is said by the device's own finding.
  if (p.enabled && p.lastErrorKind !== null && p.lastErrorKind !== 'blocked') {
    blocking.push(`${why[p.lastErrorKind] ?? `${p.lastErrorKind}: ${p.lastError}`}${since}; ${p.failures} failed poll(s) in a row, next at ${when(p.nextPollAt)}.`);
  }
  if (p.records !== null && p.recordsCapacity !== null && p.recordsCapacity > 0) {
    const share = p.records / p.recordsCapacity;
    const clear = p.clearAfterRead ? 'it is cleared after each read, so it is filling faster than it is polled' : `clear it after each read (iclockd pollers set ${p.deviceSerial} clear_after_read=true), or export and clear it on the terminal`;
    if (share >= 1) blocking.push(`Log full: ${p.records} of ${p.recordsCapacity} records. Depending on its settings the terminal now refuses punches or overwrites its oldest records; ${clear}.`);
    else if (share >= 0.9) notes.push(`Log ${Math.round(share * 100)} % full (${p.records} of ${p.recordsCapacity} records): ${clear}.`);
  }
}
