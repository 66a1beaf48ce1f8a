// ingest: punches → (idempotent) punch rows → employee match → check-ins, in one transaction.
// Also where punches that waited (unmatched, inactive employee, suspect time) are settled later.
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { type Employee, findEmployeesByDeviceIds, findEmployeesByIds } from '../store/employees.js';
import {
  type Checkin,
  type NewPunch,
  type PunchStatus,
  type StoredPunch,
  claimPunch,
  employeesWithUnmatchedPunches,
  findCheckinsByIds,
  findCheckinsByKeys,
  findPendingPunches,
  lockPendingPunches,
  lockPunch,
  findPunchesByKeys,
  insertCheckins,
  insertPunches,
  updatePunch,
} from '../store/punches.js';
import { attendanceSeries, checkinSeries, reserveSeriesAhead, seriesName, takeSeriesNumbersFor } from '../store/series.js';
import { isDataRefusal, transactionWithRetry } from '../store/transaction.js';
import type { AttendanceRunner, UnsavedCheckinAttendance } from '../attendance/runner.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { Batcher } from '../store/batcher.js';
import { PunchFeed } from './feed.js';
import type { IngestOutcome, IngestResult, RejectedResult, StoredResult } from './outcome.js';
import type { IngestGate } from './gate.js';
import { type Punch, type PunchProblem, punchProblem } from './punch.js';
import { compositeKey } from '../store/keys.js';
import { checkinKey, checkinKeyOfPunch, punchKey } from '../store/identity.js';
import { insertPunchReview } from '../store/punchReviews.js';

export interface IngestSettings {
  /** For the year in check-in names. */
  timeZone: string;
  futureWindowHours: number;
  /** YYYY-MM-DD: earlier punches are suspect. */
  timeFloor: string;
}

/** What is needed to decide a punch's fate, new or waiting. */
interface Pending {
  site: string;
  deviceUserId: string;
  instant: Date;
  logType: Punch['logType'];
  deviceId: string | null;
  deviceSerial: string;
  latitude: number | null;
  longitude: number | null;
  /** Absent: false. */
  skipAutoAttendance?: boolean;
  timeUntrusted?: boolean;
  /** An admin's re-link: this employee, whatever the user id matches. */
  linkTo?: Employee;
}

interface Decision {
  status: PunchStatus;
  employee: Employee | null;
  checkin: Checkin | null;
  checkinCreated: boolean;
  /** The check-in created or changed an attendance record. */
  attendanceChanged: boolean;
  /** No shift covers the check-in's time: it makes no attendance. */
  outsideShifts: boolean;
  /** The strict shift its untyped check-in falls in and is not counted in. */
  logTypeRequiredBy: string | null;
}

/** Told of every check-in created, inside the transaction that creates it (the outbox). */
export interface CheckinSink {
  checkinsCreated(trx: Knex.Transaction, checkins: Checkin[]): Promise<void>;
}

/** What an IngestService works with; the server gives it all, a tool or a test only what it needs. */
export interface IngestDeps {
  knex: Knex;
  settings: IngestSettings;
  clock: Clock;
  /** Bounds the submissions stored or waiting at once (the server's one gate for every channel). */
  gate?: IngestGate;
  /** Recomputes attendance inside the ingest transaction; without it, no attendance is made. */
  attendance?: AttendanceRunner;
  metrics?: Metrics;
  /** Batches committing at once: 1 on SQLite (one connection); see INGEST_TRANSACTIONS. */
  transactions?: number;
  /** Told of every check-in created, inside its transaction: the outbox. */
  sink?: CheckinSink;
}

/** How often unmatched punches are checked against the employees (a safety net; see committed()). */
const SWEEP_EVERY_MS = 5 * 60_000;

/** Punches stored in one shared batch: at most this many at once (one submission may be larger). */
export const MERGED_BATCH_PUNCHES = 2000;

/**
 * Batches committing at once. One connection on SQLite; on MySQL two, so one's statements
 * travel while the other's are built. More made smaller batches (more statements per punch, the
 * server's CPU the limit) and queued on the same employees' rows: 4 -> 2 took single ADMS
 * punches from ~1,170 to ~1,680 punches/s on MariaDB (bench, two runs each).
 */
export const INGEST_TRANSACTIONS = { sqlite: 1, mysql: 2 } as const;

/**
 * What a channel writes in the transaction of its punches, once their results are known (the
 * device channel: the request archive, users and templates). `each` runs for every submission
 * with its own results; `all`, when given, then runs once per batch with the `each` values of
 * every submission that shares the same `all`: one multi-row insert for the whole batch.
 */
export interface AlsoWrite<T> {
  each(trx: Knex.Transaction, results: IngestResult[]): Promise<T> | T;
  all?(trx: Knex.Transaction, values: T[]): Promise<void>;
}

/** What a channel hands the pipeline: punches, and what must commit with them. */
export interface Submission<T = undefined> {
  punches: Punch[];
  alsoWrite?: AlsoWrite<T>;
}

/** A submission committed: one result per punch, in order, and what its `alsoWrite.each` returned. */
export interface Submitted<T = undefined> {
  results: IngestResult[];
  written: T;
}

type AnySubmission = Submission<unknown>;

export class IngestService {
  /** The one batching layer: concurrent submissions share one transaction and one set of statements. */
  private readonly batches: Batcher<AnySubmission, Submitted<unknown>>;
  /** Told of every punch once committed (the console's live page). */
  readonly feed = new PunchFeed();
  /** Batches committed and the submissions they carried (for tests and the bench). */
  readonly committedBatches = { batches: 0, submissions: 0 };
  private sweep: NodeJS.Timeout | undefined;
  private logger: Logger | undefined;
  private readonly knex: Knex;
  private readonly settings: IngestSettings;
  private readonly now: Clock;
  private readonly gate: IngestGate | undefined;
  private readonly attendance: AttendanceRunner | undefined;
  private readonly metrics: Metrics | undefined;
  private readonly sink: CheckinSink | undefined;

  constructor({ knex, settings, clock, gate, attendance, metrics, transactions = 1, sink }: IngestDeps) {
    this.knex = knex;
    this.settings = settings;
    this.now = clock;
    this.gate = gate;
    this.attendance = attendance;
    this.metrics = metrics;
    this.sink = sink;
    this.batches = new Batcher((subs) => this.commitBatch(subs), {
      concurrency: transactions,
      weight: (s) => Math.max(1, s.punches.length),
      maxWeight: MERGED_BATCH_PUNCHES,
      // A batch that failed rolled back whole: each submission goes again alone.
      isolateFailures: true,
    });
  }

  /**
   * The one door into the pipeline, for every channel: gates (a 503 when too many wait), merges
   * concurrent submissions into one transaction, stores the punches idempotently with their
   * check-ins and attendance, runs each submission's `alsoWrite` in that transaction, and
   * resolves once it has committed, after the live feed and the outcome counts are told.
   */
  async submit<T = undefined>(submission: Submission<T>): Promise<Submitted<T>> {
    const store = () => this.batches.add(submission as AnySubmission) as Promise<Submitted<T>>;
    const submitted = await (this.gate ? this.gate.run(store) : store());
    await this.committed(submission.punches, submitted.results);
    return submitted;
  }

  /** Punches alone, as a JSON channel hands them: one result per punch, in order. */
  async ingest(punches: Punch[]): Promise<IngestResult[]> {
    if (punches.length === 0) return [];
    return (await this.submit({ punches })).results;
  }

  /**
   * A batch in one transaction (retried whole on a deadlock or a unique key taken by another
   * writer meanwhile). Its punches are stored together without savepoints; should the database
   * refuse a value (nothing punchProblem lets through should), the batch rolls back, and a
   * submission alone goes again with each punch in a savepoint of its own, the refused one
   * rejected alone.
   */
  private async commitBatch(subs: AnySubmission[], careful = false): Promise<Submitted<unknown>[]> {
    const started = performance.now();
    const punches = subs.flatMap((s) => s.punches);
    await this.reserveNames(punches);
    let submitted: Submitted<unknown>[];
    try {
      submitted = await transactionWithRetry(this.knex, async (trx) => {
        const results = await this.storeChecked(trx, punches, careful);
        const out: Submitted<unknown>[] = [];
        let at = 0;
        for (const s of subs) {
          const own = results.slice(at, (at += s.punches.length));
          out.push({ results: own, written: s.alsoWrite ? await s.alsoWrite.each(trx, own) : undefined });
        }
        // Each `all` once, with the values of the submissions that share it, in their order.
        const groups = new Map<NonNullable<AlsoWrite<unknown>['all']>, unknown[]>();
        subs.forEach((s, i) => {
          const all = s.alsoWrite?.all;
          if (!all) return;
          let values = groups.get(all);
          if (!values) groups.set(all, (values = []));
          values.push(out[i]!.written);
        });
        for (const [all, values] of groups) await all(trx, values);
        return out;
      });
    } catch (err) {
      if (!careful && subs.length === 1 && isDataRefusal(err)) return this.commitBatch(subs, true);
      throw err;
    }
    this.committedBatches.batches++;
    this.committedBatches.submissions += subs.length;
    this.observe(punches, submitted.flatMap((s) => s.results), (performance.now() - started) / 1000);
    return submitted;
  }

  /**
   * Names for what the batch may create (a check-in, an attendance record per punch at most),
   * reserved before its transaction: see reserveSeriesAhead.
   */
  private async reserveNames(punches: Punch[]): Promise<void> {
    const prefixes = new Set([checkinSeries(this.now(), this.settings.timeZone)]);
    if (this.attendance) for (const p of punches) prefixes.add(attendanceSeries(p.localTime));
    await Promise.all([...prefixes].map((prefix) => reserveSeriesAhead(this.knex, prefix, punches.length)));
  }

  /**
   * HRMS's check before it inserts an Employee Checkin: the shift strictly based on log type
   * that this punch, without one, would fall in (HRMS refuses it: "Log Type is required…").
   * Null where HRMS would answer something else first (no employee, not Active, a log already
   * there) or the punch is held for its time: those go through ingest as usual.
   */
  async logTypeRequiredBy(punch: Punch): Promise<string | null> {
    if (!this.attendance || punch.logType !== 'AUTO' || punch.skipAutoAttendance || punch.timeUntrusted || this.isSuspectTime(punch.instant)) return null;
    const employee = (await findEmployeesByDeviceIds(this.knex, [[punch.site, punch.deviceUserId]])).get(compositeKey(punch.site, punch.deviceUserId));
    if (!employee || employee.status !== 'Active') return null;
    if ((await findCheckinsByKeys(this.knex, [checkinKeyOfPunch(punch, employee.id)])).size > 0) return null;
    return (await this.attendance.strictShiftAt(this.knex, employee, punch.instant))?.name ?? null;
  }

  /** Punches a channel could not even read (bad fields, unreadable lines). */
  countInvalid(source: string, n: number): void {
    if (n > 0) this.metrics?.punches.inc({ source, outcome: 'invalid' }, n);
  }

  /** Counts outcomes and times a batch (per attempt: a retried transaction counts again, rarely). */
  private observe(punches: Punch[], results: IngestResult[], seconds: number): void {
    if (!this.metrics || punches.length === 0) return;
    this.metrics.ingestSeconds.observe({ source: punches[0]!.source }, seconds);
    results.forEach((r, i) => this.metrics!.punches.inc({ source: punches[i]!.source, outcome: r.outcome === 'rejected' ? 'invalid' : r.outcome }));
    results.forEach((r, i) => {
      if (r.outcome === 'created' && r.logTypeRequiredBy) this.metrics!.checkinsUncounted.inc({ source: punches[i]!.source, reason: 'log_type_required' });
    });
  }

  isSuspectTime(instant: Date, now = this.now()): boolean {
    const latest = now.getTime() + this.settings.futureWindowHours * 3600_000;
    const floor = Date.parse(`${this.settings.timeFloor}T00:00:00Z`);
    return instant.getTime() > latest || instant.getTime() < floor;
  }

  /**
   * What follows the commit of punches (every channel calls it): the live feed, and the race
   * with an employee created for an unmatched id at the same moment, whose transaction may have
   * looked for waiting punches before ours committed. Those ids are looked up again now: which
   * of the two commits first no longer decides whether a punch is linked (the employee's side
   * does the same after its commit, and the sweep catches a process that stopped in between).
   */
  private async committed(punches: readonly Punch[], results: readonly IngestResult[]): Promise<void> {
    this.feed.publish(punches, results);
    const waiting = new Map<string, [string, string]>();
    results.forEach((r, i) => {
      if (r.outcome !== 'rejected' && r.punchStatus === 'unmatched') waiting.set(compositeKey(punches[i]!.site, punches[i]!.deviceUserId), [punches[i]!.site, punches[i]!.deviceUserId]);
    });
    if (waiting.size === 0) return;
    try {
      for (const employee of (await findEmployeesByDeviceIds(this.knex, [...waiting.values()])).values()) await this.settleWaitingPunchesNow(employee);
    } catch (err) {
      // The punches are committed and answered for; the sweep links them should this fail.
      this.logger?.warn({ err }, 'could not check unmatched punches against new employees; the sweep will');
    }
  }

  /** settleWaitingPunches in a transaction of its own, after the caller's committed. */
  async settleWaitingPunchesNow(employee: Employee): Promise<number> {
    if (!employee.attendanceDeviceId) return 0;
    return transactionWithRetry(this.knex, (trx) => this.settleWaitingPunches(trx, employee));
  }

  /**
   * The sweep: punches still unmatched although an employee has their id now (a process stopped
   * between a commit and its check). Runs every few minutes; a few hundred employees a pass.
   */
  async settleForgottenPunches(): Promise<number> {
    const ids = await employeesWithUnmatchedPunches(this.knex, 500);
    let linked = 0;
    for (const employee of (await findEmployeesByIds(this.knex, ids)).values()) linked += await this.settleWaitingPunchesNow(employee);
    return linked;
  }

  start(logger: Logger): void {
    this.logger = logger;
    this.sweep ??= setInterval(() => {
      this.settleForgottenPunches().then(
        (linked) => linked && logger.info({ linked }, 'punches that waited for an existing employee were linked'),
        (err: unknown) => logger.warn({ err }, 'the sweep of unmatched punches failed; will retry'),
      );
    }, SWEEP_EVERY_MS);
    this.sweep.unref();
  }

  stop(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
  }

  /** Every field against its column first: a punch that cannot be stored is rejected alone, without a statement. */
  private async storeChecked(trx: Knex.Transaction, punches: Punch[], careful: boolean): Promise<IngestResult[]> {
    const problems = punches.map(punchProblem);
    const storable = punches.filter((_, i) => problems[i] === null);
    const stored = careful ? await this.storeEachInSavepoint(trx, storable) : await this.store(trx, storable);
    let next = 0;
    return punches.map((_, i): IngestResult => (problems[i] ? rejected(problems[i]) : stored[next++]!));
  }

  /** The careful path: each punch in a savepoint of its own, so the one the database refuses is rejected alone. */
  private async storeEachInSavepoint(trx: Knex.Transaction, punches: Punch[]): Promise<IngestResult[]> {
    const results: IngestResult[] = [];
    for (const punch of punches) {
      try {
        results.push(...(await trx.transaction((sp) => this.store(sp, [punch]))));
      } catch (err) {
        if (!isDataRefusal(err)) throw err;
        results.push(refusedBy(err));
      }
    }
    return results;
  }

  private async store(trx: Knex.Transaction, punches: Punch[]): Promise<StoredResult[]> {
    if (punches.length === 0) return [];
    const now = this.now();
    const keys = punches.map(punchKey);
    const existing = await findPunchesByKeys(trx, punches);

    // The first of each new key is stored; later copies in the same batch are duplicates of it.
    const freshIndex = new Map<string, number>();
    punches.forEach((p, i) => {
      if (!existing.has(keys[i]!) && !freshIndex.has(keys[i]!)) freshIndex.set(keys[i]!, i);
    });
    const fresh = [...freshIndex.values()].map((i) => punches[i]!);
    const decisions = await this.decide(trx, fresh, now);
    const stored = await insertPunches(trx, fresh.map((p, j) => newPunch(p, decisions[j]!, now)));

    // What the duplicates point at.
    const dupPunches = [...existing.values()];
    const dupCheckins = await findCheckinsByIds(trx, dupPunches.flatMap((p) => (p.checkinId === null ? [] : [p.checkinId])));
    const dupEmployees = await findEmployeesByIds(trx, dupPunches.flatMap((p) => (p.employeeId === null ? [] : [p.employeeId])));
    const freshDecision = new Map<string, Decision>();
    let j = 0;
    for (const key of freshIndex.keys()) freshDecision.set(key, decisions[j++]!);

    return punches.map((_, i): StoredResult => {
      const key = keys[i]!;
      const old = existing.get(key);
      if (old) {
        return {
          outcome: 'duplicate',
          newPunch: false,
          punchId: old.id,
          punchStatus: old.status,
          checkin: old.checkinId === null ? null : (dupCheckins.get(old.checkinId) ?? null),
          employee: old.employeeId === null ? null : (dupEmployees.get(old.employeeId) ?? null),
          attendanceCreated: false,
          outsideShifts: false,
          logTypeRequiredBy: null,
        };
      }
      const row = stored.get(key)!;
      const d = freshDecision.get(key)!;
      const first = freshIndex.get(key) === i;
      return {
        outcome: first ? outcomeOf(d) : 'duplicate',
        newPunch: first,
        punchId: row.id,
        punchStatus: row.status,
        checkin: d.checkin,
        employee: d.employee,
        attendanceCreated: first && d.attendanceChanged,
        outsideShifts: first && d.outsideShifts,
        logTypeRequiredBy: first ? d.logTypeRequiredBy : null,
      };
    });
  }

  /** Matches punches to employees and makes (or finds) their check-ins. */
  private async decide(trx: Knex.Transaction, items: Pending[], now: Date, checkTime = true): Promise<Decision[]> {
    const suspect = items.map((p) => checkTime && (p.timeUntrusted === true || this.isSuspectTime(p.instant, now)));
    const employees = await findEmployeesByDeviceIds(
      trx,
      items.filter((_, i) => !suspect[i]).map((p) => [p.site, p.deviceUserId]),
    );
    const decisions: Decision[] = items.map((p, i) => {
      const none = { checkin: null, checkinCreated: false, attendanceChanged: false, outsideShifts: false, logTypeRequiredBy: null };
      if (suspect[i]) return { status: 'suspect_time', employee: null, ...none };
      const employee = p.linkTo ?? employees.get(compositeKey(p.site, p.deviceUserId)) ?? null;
      if (!employee) return { status: 'unmatched', employee: null, ...none };
      if (employee.status !== 'Active') return { status: 'inactive', employee, ...none };
      return { status: 'checked_in', employee, ...none };
    });

    const wanted = items.flatMap((p, i) => (decisions[i]!.status === 'checked_in' ? [{ p, i, key: checkinKeyOfPunch(p, decisions[i]!.employee!.id) }] : []));
    if (wanted.length === 0) return decisions;
    const existing = await findCheckinsByKeys(trx, wanted.map((w) => w.key));
    // One check-in per key; the first punch of a key in this batch creates it.
    const toCreate = new Map<string, (typeof wanted)[number]>();
    for (const w of wanted) {
      const k = checkinKey(w.key);
      if (!existing.has(k) && !toCreate.has(k)) toCreate.set(k, w);
    }
    let created = new Map<string, Checkin>();
    /** What each new check-in did to attendance, by check-in key. */
    const attendanceOf = new Map<string, UnsavedCheckinAttendance>();
    if (toCreate.size > 0) {
      const prefix = checkinSeries(now, this.settings.timeZone);
      const numbers = await takeSeriesNumbersFor(this.knex, trx, prefix, toCreate.size);
      const news = [...toCreate.values()].map((w, n) => ({
        employeeId: w.key.employeeId,
        time: w.key.time,
        logType: w.key.logType,
        name: seriesName(prefix, numbers[n]!),
        deviceId: w.p.deviceId ?? w.p.deviceSerial,
        skipAutoAttendance: w.p.skipAutoAttendance ?? false,
        latitude: w.p.latitude,
        longitude: w.p.longitude,
        createdAt: now,
      }));
      // Their employee-shifts' attendance first, in this same transaction: they are inserted linked to it.
      const attendance = this.attendance ? await this.attendance.afterCheckins(trx, news) : [];
      const byName = await insertCheckins(trx, news.map((c, n) => ({ ...c, counted: attendance[n]?.link })));
      created = new Map(news.map((c) => [checkinKey(c), byName.get(c.name)!]));
      attendance.forEach((a, n) => attendanceOf.set(checkinKey(news[n]!), a));
      // Every check-in, new punch or settled waiting one, passes here: its outbox rows commit with it.
      await this.sink?.checkinsCreated(trx, [...created.values()]);
    }
    for (const w of wanted) {
      const k = checkinKey(w.key);
      const d = decisions[w.i]!;
      d.checkin = existing.get(k) ?? created.get(k)!;
      d.checkinCreated = !existing.has(k) && toCreate.get(k) === w;
      const attendance = d.checkinCreated ? attendanceOf.get(k) : undefined;
      d.attendanceChanged = attendance?.changed ?? false;
      d.outsideShifts = attendance?.noShift ?? false;
      d.logTypeRequiredBy = attendance?.logTypeRequiredBy ?? null;
    }
    return decisions;
  }

  /** Matches stored punches again and records the outcome on them. */
  private async resettle(trx: Knex.Transaction, punches: StoredPunch[], checkTime: boolean): Promise<Decision[]> {
    const decisions = await this.decide(trx, punches, this.now(), checkTime);
    for (const [i, p] of punches.entries()) {
      const d = decisions[i]!;
      await updatePunch(trx, p.id, { status: d.status, employeeId: d.employee?.id ?? null, checkinId: d.checkin?.id ?? null });
    }
    return decisions;
  }

  /**
   * After an employee is created or changed: punches waiting for their biometric id on their
   * site become check-ins (or wait as `inactive` while the employee is not Active).
   * Runs inside the caller's transaction so the employee change and its check-ins commit together.
   */
  async settleWaitingPunches(trx: Knex.Transaction, employee: Employee): Promise<number> {
    if (!employee.attendanceDeviceId) return 0;
    const waiting = await lockPendingPunches(trx, await findPendingPunches(trx, employee.site, employee.attendanceDeviceId));
    if (waiting.length === 0) return 0;
    const decisions = await this.resettle(trx, waiting, true);
    return decisions.filter((d) => d.checkinCreated).length;
  }

  /**
   * An admin's verdict on a punch held as suspect_time: accept its time as is, or correct it
   * (a new local wall time, already converted by the caller). Then it is matched like any punch.
   */
  review(
    punchId: number,
    correction?: { localTime: string; instant: Date; timeZone: string },
    actor: string | null = null,
    note: string | null = null,
  ): Promise<StoredResult> {
    return transactionWithRetry(this.knex, async (trx) => {
      const punch = await lockPunch(trx, punchId);
      if (!punch) throw new AppError('not_found', `No punch ${punchId}`);
      if (punch.status !== 'suspect_time') {
        throw new AppError('conflict', `Punch ${punchId} is ${punch.status}, not held for review`);
      }
      const stored = correction ? null : punchProblem(punch);
      if (correction) {
        const clash = await findPunchesByKeys(trx, [{ ...punch, localTime: correction.localTime }]);
        const other = [...clash.values()].find((p) => p.id !== punch.id);
        if (other) {
          throw new AppError('conflict', `Punch ${other.id} already records user ${punch.deviceUserId} at ${correction.localTime} on ${punch.deviceSerial}`);
        }
        const problem = punchProblem({ ...punch, ...correction });
        if (problem) throw new AppError('validation_error', `Invalid fields: timestamp (${problem.reason})`, { fields: ['timestamp'] });
        await updatePunch(trx, punch.id, correction);
        Object.assign(punch, correction);
      } else if (stored) {
        // Stored before its fields were checked (a year past 9999 on SQLite): only a corrected time can be accepted.
        throw new AppError('validation_error', `Punch ${punchId} cannot be accepted as it is (${stored.reason}); accept it with a corrected timestamp`, { fields: ['timestamp'] });
      }
      // The time checks are what the admin has just overruled.
      const [d] = await this.resettle(trx, [punch], false);
      await insertPunchReview(trx, {
        punchId: punch.id,
        action: 'accept',
        fromStatus: 'suspect_time',
        toStatus: d!.status,
        detail: withNote(correction ? `time corrected to ${correction.localTime} (${correction.timeZone})` : 'time accepted as it is', note),
        actor,
        createdAt: this.now(),
      });
      return verdictResult(punch.id, d!, d!.employee);
    });
  }

  /**
   * An admin refuses a punch that has no check-in (suspect_time, unmatched, inactive): it stays
   * stored as `discarded` and is never matched again (settling and the sweep look only at
   * unmatched and inactive punches). A resend of it stays a duplicate of this row.
   */
  discard(punchId: number, note: string | null = null, actor: string | null = null): Promise<StoredPunch> {
    return transactionWithRetry(this.knex, async (trx) => {
      const punch = await lockPunch(trx, punchId);
      if (!punch) throw new AppError('not_found', `No punch ${punchId}`);
      if (!DISCARDABLE.includes(punch.status) || !(await claimPunch(trx, punch.id, [punch.status], 'discarded'))) {
        throw new AppError('conflict', `Punch ${punchId} is ${punch.status}: only a punch without a check-in (${DISCARDABLE.join(', ')}) can be discarded`);
      }
      // The employee an inactive punch matched is kept: it shows whose it was.
      await insertPunchReview(trx, { punchId: punch.id, action: 'discard', fromStatus: punch.status, toStatus: 'discarded', detail: note, actor, createdAt: this.now() });
      return { ...punch, status: 'discarded' };
    });
  }

  /**
   * An admin links a waiting punch (unmatched, inactive) to an Active employee whatever its user
   * id: it becomes that employee's check-in (or joins the one already there at that second).
   */
  relink(punchId: number, employee: Employee, actor: string | null = null, note: string | null = null): Promise<StoredResult> {
    return transactionWithRetry(this.knex, async (trx) => {
      const punch = await lockPunch(trx, punchId);
      if (!punch) throw new AppError('not_found', `No punch ${punchId}`);
      if (employee.status !== 'Active') throw new AppError('conflict', `Employee ${employee.employee} is ${employee.status}, not Active`);
      // Claimed first (the status it is about to get), so a concurrent settle or re-link waits, then finds it taken.
      if ((punch.status !== 'unmatched' && punch.status !== 'inactive') || !(await claimPunch(trx, punch.id, [punch.status], 'checked_in'))) {
        throw new AppError('conflict', `Punch ${punchId} is ${punch.status}: only an unmatched or inactive punch can be re-linked`);
      }
      const [d] = await this.decide(trx, [{ ...punch, linkTo: employee }], this.now(), false);
      await updatePunch(trx, punch.id, { status: d!.status, employeeId: employee.id, checkinId: d!.checkin?.id ?? null });
      await insertPunchReview(trx, {
        punchId: punch.id,
        action: 'relink',
        fromStatus: punch.status,
        toStatus: d!.status,
        detail: withNote(`linked to ${employee.employee} (user id ${punch.deviceUserId} on ${punch.site})`, note),
        actor,
        createdAt: this.now(),
      });
      return verdictResult(punch.id, d!, employee);
    });
  }
}

/** A new punch's row: what it says (its fields named one by one: a spread or rest of a whole punch costs several times more), and what was decided. */
function newPunch(p: Punch, d: Decision, receivedAt: Date): NewPunch {
  return {
    deviceSerial: p.deviceSerial,
    deviceId: p.deviceId,
    site: p.site,
    deviceUserId: p.deviceUserId,
    localTime: p.localTime,
    instant: p.instant,
    timeZone: p.timeZone,
    logType: p.logType,
    punchState: p.punchState,
    verifyMode: p.verifyMode,
    workCode: p.workCode,
    latitude: p.latitude,
    longitude: p.longitude,
    source: p.source,
    status: d.status,
    employeeId: d.employee?.id ?? null,
    checkinId: d.checkin?.id ?? null,
    receivedAt,
  };
}

/** What was done, and the admin's reason when one was given. */
function withNote(what: string, note: string | null): string {
  return note ? `${what}: ${note}` : what;
}

/** What an admin may discard: punches that made no check-in. */
const DISCARDABLE: PunchStatus[] = ['suspect_time', 'unmatched', 'inactive'];

function rejected(problem: PunchProblem): RejectedResult {
  return { outcome: 'rejected', newPunch: false, problem };
}

/** A punch the database refused: named by the database's reason, never by the statement or its values. */
function refusedBy(err: unknown): RejectedResult {
  const e = err as { code?: string; sqlMessage?: string; message?: string };
  const why = (e.sqlMessage ?? e.message ?? 'refused').split('\n')[0]!.slice(0, 200);
  return rejected({ field: 'record', reason: `the database refused it (${e.code ?? 'error'}: ${why})` });
}

/** What an admin's verdict on one stored punch (accept, re-link) came to. */
function verdictResult(punchId: number, d: Decision, employee: StoredResult['employee']): StoredResult {
  return {
    outcome: outcomeOf(d),
    newPunch: false,
    punchId,
    punchStatus: d.status,
    checkin: d.checkin,
    employee,
    attendanceCreated: d.attendanceChanged,
    outsideShifts: d.outsideShifts,
    logTypeRequiredBy: d.logTypeRequiredBy,
  };
}

function outcomeOf(d: Decision): IngestOutcome {
  if (d.checkin) return d.checkinCreated ? 'created' : 'duplicate';
  // decide() never makes a discarded punch: only an admin's discard does.
  return d.status as Exclude<PunchStatus, 'checked_in' | 'discarded'>;
}
