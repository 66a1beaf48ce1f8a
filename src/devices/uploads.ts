// Device uploads (POST /iclock/cdata): durable first. Every upload's bytes are archived in the
// same transaction as the punches parsed from it, and the device is acknowledged only after
// that commits. The same code processes a live upload, a quarantined one once its device is
// approved, and an archived one again after a codec fix (idempotent: punches dedupe).
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import {
  type AttlogRecord,
  type DeviceQuery,
  type LineError,
  type OperlogRecord,
  type Upload,
  OK_REPLY,
  formatReplyToUpload,
  isPunchEvent,
  legacyEncodingOf,
  parseDeviceCmd,
  parseDeviceQuery,
  parseUpload,
} from '../../protocol/index.js';
import type { AlsoWrite, IngestService } from '../pipeline/ingest.js';
import type { IngestResult } from '../pipeline/outcome.js';
import { type Punch, logTypeOfPunchState } from '../pipeline/punch.js';
import { TimestampError, parseTimestamp } from '../pipeline/time.js';
import {
  type ArchiveOutcome,
  type ArchivedRequest,
  type DeviceRequest,
  archiveRequest,
  archiveRequests,
  archivedTotals,
  findArchivedRequests,
  updateArchivedOutcome,
} from '../store/deviceRequests.js';
import { type DeviceTemplate, upsertDeviceTemplates, upsertDeviceUsers } from '../store/deviceUsers.js';
import { isDatabaseUnavailable, transactionWithRetry } from '../store/transaction.js';
import { charsOf, clipChars, identifierProblem, isInt32, isStorableInstant } from '../store/columns.js';
import type { Logger } from '../log.js';
import { AppError } from '../errors.js';
import { REALTIME_MAX_LINES, clockHeld } from './clock.js';
import type { Device, DeviceRegistry, UploadFacts } from './registry.js';

export type { DeviceRequest };

export interface UploadOutcome {
  /** The reply body for the device. */
  reply: string;
  outcome: ArchiveOutcome;
  /** Records in the body now stored (new or already there). */
  records: number;
  created: number;
  duplicate: number;
  rejected: LineError[];
}

interface Processed {
  reply: string;
  outcome: ArchiveOutcome;
  records: number;
  created: number;
  duplicate: number;
  rejected: LineError[];
  /** Of `rejected`, the lines the codec could not read (the ingest counts the ones it refused). */
  unread: number;
  /** Stamp to remember once committed. */
  stamp: { kind: 'attlog' | 'operlog' | 'attphoto' | 'biodata'; value: string } | null;
  options: Record<string, string> | null;
}

/** An upload of punches: ATTLOG, or RTLOG (whose variant it shares with RTSTATE). */
type PunchesUpload = Extract<Upload, { kind: 'ATTLOG' | 'RTLOG' | 'RTSTATE' }>;


/** An ATTLOG or RTLOG upload read into punches, before they are stored. */
interface PunchUpload {
  upload: PunchesUpload;
  punches: Punch[];
  /** The line each punch came from, for a punch the ingest rejects. */
  lines: Pick<LineError, 'line' | 'text'>[];
  /** Records read (RTLOG: every row, punch or not). */
  records: number;
  rejected: LineError[];
  stamp: Processed['stamp'];
  /** Lines in the body, read or not: a real-time upload has few. */
  lineCount: number;
  /** The latest time the terminal's clock stated in it (RTLOG: of any event), for measuring that clock. */
  latestStated: Date | null;
}

/** A clock measurement: arrival minus the latest stated time, in seconds, and when. */
interface ClockReading {
  seconds: number;
  at: Date;
}

/** The latest of some instants a terminal stated, leaving out what no column could hold; null for none. */
function latest(instants: Date[]): Date | null {
  let max: Date | null = null;
  for (const t of instants) if (isStorableInstant(t) && (max === null || t > max)) max = t;
  return max;
}

/** Punches held as suspect_time whatever their times say: their terminal's clock is known wrong. */
function untrust(read: PunchUpload): void {
  read.punches = read.punches.map((p) => ({ ...p, timeUntrusted: true }));
}

function summarize(error: LineError[]): string | null {
  if (error.length === 0) return null;
  const shown = error.slice(0, 5).map((e) => `line ${e.line}: ${e.reason}`);
  return `${error.length} line(s) not read: ${shown.join('; ')}${error.length > 5 ? '; …' : ''}`;
}

/** Which template of a user a biometric record is: finger / face number, sample, type. */
function templateOf(r: OperlogRecord): DeviceTemplate[] {
  if (r.kind === 'OPLOG' || r.kind === 'USER' || r.kind === 'UNKNOWN' || r.kind === 'ERRORLOG' || !r.pin) return [];
  const f = (name: string) => Object.entries(r.fields).find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
  const slot = [f('fid'), f('no'), f('index'), f('type'), f('filename')].join(':');
  return [{ pin: r.pin, kind: r.kind, slot, fields: r.fields }];
}

/** What a terminal awaiting approval may have held (ICLOCKD_PENDING_MAX_*), and who is told of a refusal. */
export interface HoldBounds {
  pendingMaxUploads: number;
  pendingMaxBytes: number;
  pendingMaxDays: number;
  /** A metric: uploads refused because their terminal's hold is full, by reason. */
  holdRefused?: (reason: 'uploads' | 'bytes' | 'age') => void;
}

/** A live upload's row in the request archive, written with its punches. */
type ArchiveRow = Parameters<typeof archiveRequest>[1];

/** An upload stored: what became of it, its archive row still to insert (null: a replay, whose row is updated), and what it told about its terminal. */
interface Stored extends Processed {
  row: ArchiveRow | null;
  facts: { serial: string; change: UploadFacts };
}

export interface DeviceUploadsDeps {
  knex: Knex;
  ingest: IngestService;
  registry: DeviceRegistry;
  settings: { storeTemplates: boolean; holdClockOffSeconds: number } & HoldBounds;
  logger: Logger;
  clock: Clock;
}

export class DeviceUploads {
  private readonly knex: Knex;
  private readonly ingest: IngestService;
  private readonly registry: DeviceRegistry;
  private readonly settings: DeviceUploadsDeps['settings'];
  private readonly logger: Logger;
  private readonly now: Clock;

  constructor({ knex, ingest, registry, settings, logger, clock }: DeviceUploadsDeps) {
    this.knex = knex;
    this.ingest = ingest;
    this.registry = registry;
    this.settings = settings;
    this.logger = logger;
    this.now = clock;
  }

  /**
   * A live upload, from `device` as stored now (not a cached copy: a block, an approval or a
   * clock measured elsewhere applies to it). A pending device's upload is archived whole
   * (quarantine) and acknowledged. Its punches measure the terminal's clock when they were
   * sent as they were made; while that clock is known wrong they are held as suspect_time.
   */
  async receive(device: Device, req: DeviceRequest, query: DeviceQuery): Promise<UploadOutcome> {
    if (device.state === 'blocked') throw new AppError('authentication_error', 'Device Unauthorized');
    const upload = readUpload(device, query, req.body);
    const read = this.readPunches(device, upload);
    const clock = read ? this.readClock(device, read, req.receivedAt) : null;
    if (device.state === 'pending') {
      await this.assertRoomToHold(device, req.body.length);
      const preview = this.preview(upload);
      await archiveRequest(this.knex, {
        deviceSerial: device.serial,
        ...req,
        outcome: 'quarantined',
        records: preview.records,
        rejectedLines: preview.rejected.length,
        error: null,
      });
      // Measured now, it holds these punches when they are released (if the clock is wrong).
      if (clock) await this.registry.note(device, { clockDriftSeconds: clock.seconds, clockDriftAt: clock.at });
      this.logClockHold(device, clock);
      // Approved between the check and the insert: release what was just held.
      const now = await this.registry.fresh(device.serial);
      if (now?.state === 'approved') await this.replayArchived(now, { outcome: 'quarantined' });
      return { ...preview, outcome: 'quarantined', created: 0, duplicate: 0 };
    }
    // The latest measurement decides, this upload's own first: the punch that shows the clock
    // wrong is held, and the one that shows it right again is not.
    if (read && clockHeld(clock?.seconds ?? device.clockDriftSeconds, this.settings.holdClockOffSeconds)) untrust(read);
    const { written: result } = await this.ingest.submit({ punches: read?.punches ?? [], alsoWrite: this.archivedWith(device, req, upload, read, clock) });
    this.ingest.countInvalid('adms', result.unread);
    // Committed: the terminal is told so whatever happens to the notes about it (a 503 now
    // would have it send the same upload for ever).
    await this.afterCommit(device, result, clock).catch((err: unknown) => this.logger.error({ err, device: device.serial }, 'upload stored, but what it says about its terminal was not'));
    return result;
  }

  /**
   * The terminal's clock error measured by this upload, or null when the upload cannot tell:
   * more than a few lines (a backlog), no time stated, or a terminal that has not been talking
   * to iclockd without a break for long enough (DeviceRegistry.provesClock). No bound on the
   * figure: a clock two days behind is reported as two days behind.
   */
  private readClock(device: Device, read: PunchUpload, receivedAt: Date): ClockReading | null {
    if (read.lineCount > REALTIME_MAX_LINES || read.latestStated === null || !this.registry.provesClock(device)) return null;
    return { seconds: Math.round((receivedAt.getTime() - read.latestStated.getTime()) / 1000), at: receivedAt };
  }

  /**
   * What a processed upload tells about its terminal: the stamp it reached (when it moved and
   * its column can hold it: else the terminal keeps sending from its own) and the clock, when
   * this upload measured it.
   */
  private factsOf(device: Device, p: Processed, clock: ClockReading | null): UploadFacts {
    const change: UploadFacts = clock ? { clockDriftSeconds: clock.seconds, clockDriftAt: clock.at } : {};
    if (p.stamp && identifierProblem(p.stamp.value, charsOf('devices', 'attlog_stamp')) === null) {
      const key = `${p.stamp.kind}Stamp` as 'attlogStamp';
      if (device[key] !== p.stamp.value) change[key] = p.stamp.value;
    }
    return change;
  }

  /** In the log, a hold of the terminal's punches starting or ending with this clock measurement. */
  private logClockHold(device: Device, clock: ClockReading | null): void {
    if (!clock) return;
    const limit = this.settings.holdClockOffSeconds;
    const was = clockHeld(device.clockDriftSeconds, limit);
    const is = clockHeld(clock.seconds, limit);
    if (is && !was) this.logger.warn({ device: device.serial, clock_drift_seconds: clock.seconds }, 'terminal clock wrong: its punches are held for review');
    if (was && !is) this.logger.info({ device: device.serial, clock_drift_seconds: clock.seconds }, 'terminal clock right again: its punches are no longer held');
  }

  /**
   * Whether an archived upload came while the terminal's clock was known wrong: the latest
   * measurement was made by then and says so. (A later measurement says nothing of that time.)
   */
  private clockWrongAt(device: Device, receivedAt: Date): boolean {
    return device.clockDriftAt !== null && device.clockDriftAt.getTime() <= receivedAt.getTime() && clockHeld(device.clockDriftSeconds, this.settings.holdClockOffSeconds);
  }

  /**
   * What a live upload writes with its punches: its other records (users, templates), its row
   * in the request archive and what it tells about its terminal (stamp, clock). The batch's
   * archive rows go in one multi-row insert (the sync log finds a row by its request id) and
   * its terminals' facts in one update.
   */
  private archivedWith(device: Device, req: DeviceRequest, upload: Upload, read: PunchUpload | null, clock: ClockReading | null): AlsoWrite<Stored> {
    return {
      each: async (trx, results) => {
        const p = read ? this.punchesProcessed(read, results) : await this.process(trx, device, upload);
        const facts = { serial: device.serial, change: this.factsOf(device, p, clock) };
        const row: ArchiveRow = { deviceSerial: device.serial, ...req, outcome: p.outcome, records: p.records, rejectedLines: p.rejected.length, error: summarize(p.rejected) };
        return { ...p, row, facts };
      },
      all: this.storeAll,
    };
  }

  /** The batch's archive rows in one statement, and what its uploads told about their terminals in one more. */
  private readonly storeAll = async (trx: Knex.Transaction, stored: Stored[]): Promise<void> => {
    await archiveRequests(trx, stored.flatMap((v) => (v.row ? [v.row] : [])));
    await this.registry.noteWithin(
      trx,
      stored.flatMap((v) => (Object.keys(v.facts.change).length > 0 ? [v.facts] : [])),
    );
  };

  /**
   * Runs archived requests of a device again, in arrival order (quarantine release, reprocess).
   * A request that cannot be processed keeps its bytes and outcome, with the reason on its
   * row, and never stops the ones after it (`failed`); only the database being away does.
   */
  async replayArchived(
    device: Device,
    filter: { outcome?: ArchiveOutcome; from?: Date; to?: Date },
  ): Promise<{ requests: number; records: number; created: number; duplicate: number; rejected: number; failed: number }> {
    const total = { requests: 0, records: 0, created: 0, duplicate: 0, rejected: 0, failed: 0 };
    let afterId = 0;
    for (;;) {
      const batch = await findArchivedRequests(this.knex, { deviceSerial: device.serial, ...filter, afterId }, 100);
      if (batch.length === 0) return total;
      for (const archived of batch) {
        afterId = archived.id;
        if (archived.method !== 'POST') continue;
        const result = await this.replayOne(device, archived);
        if (result === null) {
          total.failed++;
          continue;
        }
        await this.afterCommit(device, result, null);
        total.requests++;
        total.records += result.records;
        total.created += result.created;
        total.duplicate += result.duplicate;
        total.rejected += result.rejected.length;
      }
    }
  }

  /** One archived request processed again (with its punches, through the pipeline); null when it could not be (the reason is on its row). */
  private async replayOne(device: Device, archived: ArchivedRequest): Promise<Stored | null> {
    try {
      const upload = readUpload(device, parseDeviceQuery(archived.query), archived.body);
      const read = this.readPunches(device, upload);
      if (read && this.clockWrongAt(device, archived.receivedAt)) untrust(read);
      const { written } = await this.ingest.submit({
        punches: read?.punches ?? [],
        alsoWrite: {
          each: async (trx, results): Promise<Stored> => {
            const processed = read ? this.punchesProcessed(read, results) : await this.process(trx, device, upload);
            await updateArchivedOutcome(trx, archived.id, {
              outcome: processed.outcome,
              records: processed.records,
              rejectedLines: processed.rejected.length,
              error: summarize(processed.rejected),
            });
            return { ...processed, row: null, facts: { serial: device.serial, change: this.factsOf(device, processed, null) } };
          },
          all: this.storeAll,
        },
      });
      return written;
    } catch (err) {
      if (isDatabaseUnavailable(err)) throw err;
      const reason = `could not be processed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      await updateArchivedOutcome(this.knex, archived.id, { outcome: archived.outcome, records: archived.records, rejectedLines: archived.rejectedLines, error: reason });
      return null;
    }
  }

  /** Command results (POST /iclock/devicecmd), archived; the command queue reads them. */
  async commandResults(device: Device, req: DeviceRequest): Promise<ReturnType<typeof parseDeviceCmd>> {
    const parsed = parseDeviceCmd(req.body, legacyEncodingOf(device.language));
    await archiveRequest(this.knex, {
      deviceSerial: device.serial,
      ...req,
      outcome: parsed.errors.length ? 'unparsed' : 'processed',
      records: parsed.results.length,
      rejectedLines: parsed.errors.length,
      error: summarize(parsed.errors),
    });
    return parsed;
  }

  /** A request kept as it came (registry, push, or a path iclockd does not know), so nothing a device sends is lost. */
  async archive(device: Device, req: DeviceRequest, outcome: 'processed' | 'unknown'): Promise<void> {
    if (device.state === 'pending') await this.assertRoomToHold(device, req.body.length);
    await archiveRequest(this.knex, { deviceSerial: device.serial, ...req, outcome, records: 0, rejectedLines: 0, error: null });
  }

  /**
   * A terminal awaiting approval may have only so much held (uploads, bytes, days of waiting):
   * past that, its uploads are refused with a 503, so it keeps them and sends them again once
   * approved, and nobody can fill the disk by inventing terminals. Nothing held is dropped.
   */
  private async assertRoomToHold(device: Device, bytes: number): Promise<void> {
    const full = await this.holdFull(device, bytes);
    if (!full) return;
    this.settings.holdRefused?.(full.reason);
    throw new AppError('service_unavailable', `${device.serial} awaits approval and ${full.says}: approve it (iclockd devices approve ${device.serial}) or block it; until then it keeps its data`);
  }

  /** Whether a pending terminal's hold has no room for `bytes` more, and why in words; null while it has. */
  async holdFull(device: Device, bytes: number): Promise<{ reason: 'uploads' | 'bytes' | 'age'; says: string } | null> {
    const held = await archivedTotals(this.knex, device.serial);
    const b = this.settings;
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    if (held.requests >= b.pendingMaxUploads) return { reason: 'uploads', says: `already has ${held.requests} uploads held (ICLOCKD_PENDING_MAX_UPLOADS ${b.pendingMaxUploads})` };
    if (held.bytes + bytes > b.pendingMaxBytes) return { reason: 'bytes', says: `already has ${mb(held.bytes)} held (ICLOCKD_PENDING_MAX_BYTES ${mb(b.pendingMaxBytes)})` };
    if ((this.now().getTime() - device.createdAt.getTime()) / 86_400_000 > b.pendingMaxDays) return { reason: 'age', says: `has waited more than ${b.pendingMaxDays} days (ICLOCKD_PENDING_MAX_DAYS)` };
    return null;
  }

  /** Once an upload committed: the options it carried, its facts on the cached device, and in the log a clock hold starting or ending. */
  private async afterCommit(device: Device, p: Stored, clock: ClockReading | null): Promise<void> {
    if (p.options) await this.registry.recordOptions(device, p.options);
    this.registry.noted(device.serial, p.facts.change);
    this.logClockHold(device, clock);
  }

  /** What the reply would be, without storing anything (quarantine): from the upload as read once, records counted by kind. */
  private preview(upload: Upload): Pick<UploadOutcome, 'reply' | 'records' | 'rejected'> {
    const counted =
      upload.kind === 'ATTLOG' || upload.kind === 'OPERLOG' || upload.kind === 'BIODATA' || upload.kind === 'IDCARD' || upload.kind === 'TABLEDATA' ? upload.parsed : null;
    const records = counted?.records.length ?? 0;
    return { reply: formatReplyToUpload(upload, records), records, rejected: counted?.errors ?? [] };
  }

  private attlogPunch(device: Device, r: AttlogRecord): Punch {
    const t = parseTimestamp(r.time, this.registry.zoneOf(device));
    return {
      deviceSerial: device.serial,
      deviceId: null,
      site: device.site,
      deviceUserId: r.pin,
      localTime: t.localTime,
      instant: t.instant,
      timeZone: t.timeZone,
      logType: r.status === null ? 'AUTO' : logTypeOfPunchState(r.status),
      punchState: r.status,
      verifyMode: r.verify,
      workCode: r.workCode,
      latitude: null,
      longitude: null,
      source: 'adms',
    };
  }

  /** Punches from records, each converted alone: a record with an impossible time is rejected by itself. */
  private toPunches<R extends { line: number }>(
    records: R[],
    convert: (r: R) => Punch,
    rejected: LineError[],
    text: (r: R) => string,
  ): Pick<PunchUpload, 'punches' | 'lines'> {
    const punches: Punch[] = [];
    const lines: PunchUpload['lines'] = [];
    for (const r of records) {
      try {
        punches.push(convert(r));
        lines.push({ line: r.line, text: text(r) });
      } catch (err) {
        if (!(err instanceof TimestampError)) throw err;
        rejected.push({ line: r.line, text: text(r), reason: err.message });
      }
    }
    return { punches, lines };
  }

  /** An ATTLOG or RTLOG upload's punches, read without the database; null for other kinds. */
  private readPunches(device: Device, upload: Upload): PunchUpload | null {
    if (upload.kind === 'ATTLOG') return this.readAttlog(device, upload);
    if (upload.kind === 'RTLOG') return this.readRtlog(device, upload);
    return null;
  }

  private readAttlog(device: Device, upload: Extract<Upload, { kind: 'ATTLOG' }>): PunchUpload {
    const { records, errors } = upload.parsed;
    const rejected = [...errors];
    const read = this.toPunches(records, (r) => this.attlogPunch(device, r), rejected, (r) => `${r.pin}\t${r.time}`);
    return {
      upload,
      ...read,
      records: read.punches.length,
      rejected,
      stamp: upload.stamp === null ? null : { kind: 'attlog', value: upload.stamp },
      lineCount: records.length + errors.length,
      latestStated: latest(read.punches.map((p) => p.instant)),
    };
  }

  private readRtlog(device: Device, upload: Extract<Upload, { kind: 'RTLOG' | 'RTSTATE' }>): PunchUpload {
    const { records, errors } = upload.parsed;
    const rejected = [...errors];
    const events = records.filter((r) => isPunchEvent(r.fields));
    const read = this.toPunches(
      events,
      (r) => {
        const f = r.fields;
        const inout = f.inoutstatus === '0' ? 0 : f.inoutstatus === '1' ? 1 : null;
        return {
          ...this.attlogPunch(device, { line: r.line, pin: f.pin!.trim(), time: f.time!.trim(), status: inout, verify: null, workCode: null, extra: [] }),
          verifyMode: f.verifytype !== undefined && /^\d+$/.test(f.verifytype) ? Number(f.verifytype) : null,
        };
      },
      rejected,
      (r) => `${r.fields.pin}\t${r.fields.time}`,
    );
    // Every event states the terminal's time, a door opening as well as a punch.
    const stated = records.flatMap((r) => {
      if (!r.fields.time) return [];
      try {
        return [parseTimestamp(r.fields.time.trim(), this.registry.zoneOf(device)).instant];
      } catch (err) {
        if (err instanceof TimestampError) return [];
        throw err;
      }
    });
    return { upload, ...read, records: records.length, rejected, stamp: null, lineCount: records.length + errors.length, latestStated: latest(stated) };
  }

  /** A punch upload once its punches are stored: a punch the ingest refused is a rejected line of its own. */
  private punchesProcessed(u: PunchUpload, results: IngestResult[]): Processed {
    const created = results.filter((r) => r.newPunch).length;
    const refused = results.flatMap((r, i) => (r.outcome === 'rejected' ? [{ ...u.lines[i]!, reason: r.problem.reason }] : []));
    const rejected = refused.length ? [...u.rejected, ...refused].sort((a, b) => a.line - b.line) : u.rejected;
    const stored = results.length - refused.length;
    return {
      reply: formatReplyToUpload(u.upload, stored),
      outcome: rejected.length ? 'unparsed' : 'processed',
      records: u.records - refused.length,
      created,
      duplicate: stored - created,
      rejected,
      unread: u.rejected.length,
      stamp: u.stamp,
      options: null,
    };
  }

  /** An upload without punches (readPunches read none), its records stored in `trx`, by its kind. */
  private async process(trx: Knex.Transaction, device: Device, upload: Upload): Promise<Processed> {
    switch (upload.kind) {
      case 'ATTLOG':
      case 'RTLOG':
        throw new Error(`${upload.kind} carries punches: readPunches reads it`);
      case 'OPERLOG':
      case 'BIODATA':
      case 'IDCARD':
        return withRejects(upload, await this.storeUsers(trx, device, upload));
      case 'OPTIONS':
        return processed({ options: upload.options });
      case 'TABLEDATA':
        return withRejects(upload, { records: upload.parsed.records.length, rejected: upload.parsed.errors });
      case 'ATTPHOTO':
        return processed({ stamp: upload.stamp === null ? null : { kind: 'attphoto', value: upload.stamp } });
      case 'ERRORLOG':
      case 'RTSTATE':
        return processed({});
      case 'UNKNOWN':
        return processed({ outcome: 'unknown' });
    }
  }

  /** Users, operations and templates stored in `trx`: a record whose PIN no column can hold is rejected alone; the others are kept. */
  private async storeUsers(trx: Knex.Transaction, device: Device, upload: Extract<Upload, { kind: 'OPERLOG' | 'BIODATA' | 'IDCARD' }>): Promise<Pick<Processed, 'records' | 'rejected' | 'stamp'>> {
    const rejected = [...upload.parsed.errors];
    const records = upload.parsed.records.filter((r) => {
      const pin = 'pin' in r ? r.pin : null;
      const problem = pin === null ? null : identifierProblem(pin, charsOf('device_users', 'pin'));
      if (problem) rejected.push({ line: r.line, text: `${r.kind} PIN=${clipChars(pin!, 64)}`, reason: `PIN ${problem}` });
      return problem === null;
    });
    rejected.sort((a, b) => a.line - b.line);
    const at = this.now();
    await upsertDeviceUsers(
      trx,
      device.serial,
      records.flatMap((r) => (r.kind === 'USER' ? [{ pin: r.pin, name: r.name, privilege: r.privilege !== null && isInt32(r.privilege) ? r.privilege : null, card: r.card }] : [])),
      at,
    );
    // Biometric data: kept only when the operator asked for it (and then never logged).
    if (this.settings.storeTemplates) await upsertDeviceTemplates(trx, device.serial, records.flatMap(templateOf), at);
    const stamp = upload.kind === 'IDCARD' || upload.stamp === null ? null : { kind: upload.kind === 'OPERLOG' ? ('operlog' as const) : ('biodata' as const), value: upload.stamp };
    return { records: records.length, rejected, stamp };
  }
}

/** An upload read once, in the terminal's code page for text that is not UTF-8 (a live one's query as read at the edge, an archived one's from its stored text). */
function readUpload(device: Device, query: DeviceQuery, body: Buffer): Upload {
  return parseUpload(query, body, legacyEncodingOf(device.language));
}

/** An upload processed that stored no punches: `OK`, nothing rejected, unless `p` says otherwise. */
function processed(p: Partial<Processed>): Processed {
  return { reply: OK_REPLY, outcome: 'processed', records: 0, created: 0, duplicate: 0, rejected: [], unread: 0, stamp: null, options: null, ...p };
}

/** A records upload processed: replied with the count stored; a line rejected makes it `unparsed` (none of them was read by the ingest). */
function withRejects(upload: Upload, p: Pick<Processed, 'records' | 'rejected'> & Partial<Processed>): Processed {
  return processed({ ...p, reply: formatReplyToUpload(upload, p.records), unread: p.rejected.length, outcome: p.rejected.length ? 'unparsed' : 'processed' });
}
