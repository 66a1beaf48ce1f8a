// Counters behind human ids (CHECKIN-2025-00001, EMP-00001). Taking numbers locks the
// counter row on MySQL until that transaction ends, so two processes never hand out the same
// number.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { isMysql } from './db.js';
import { transactionWithRetry } from './transaction.js';

/** Reserves `count` numbers under `prefix`; returns the first. */
export async function takeSeriesNumbers(trx: Knex.Transaction, prefix: string, count: number): Promise<number> {
  let updated = await trx('series').where({ prefix }).increment('current', count);
  if (updated === 0) {
    try {
      await trx('series').insert({ prefix, current: count });
      return 1;
    } catch {
      // Another transaction created the counter first: take numbers from it.
      updated = await trx('series').where({ prefix }).increment('current', count);
      if (updated === 0) throw new Error(`cannot take numbers from series ${prefix}`);
    }
  }
  const row = (await trx('series').where({ prefix }).first('current')) as { current: number };
  return Number(row.current) - count + 1;
}

/** The naming series of a check-in made at `at`: CHECKIN-<year>-, the year where iclockd runs. */
export function checkinSeries(at: Date, timeZone: string): string {
  return `CHECKIN-${DateTime.fromJSDate(at, { zone: timeZone }).year}-`;
}

/** The naming series of an attendance record of this date (YYYY-MM-DD): HR-ATT-<year>-, as HRMS names Attendance. */
export function attendanceSeries(date: string): string {
  return `HR-ATT-${Number(date.slice(0, 4))}-`;
}

export function seriesName(prefix: string, n: number, width = 5): string {
  return `${prefix}${String(n).padStart(width, '0')}`;
}

/** A block of committed numbers: [next, end). */
interface Block {
  next: number;
  end: number;
}

/** Numbers reserved ahead, per prefix, and the refill in flight. */
interface Reserve {
  blocks: Block[];
  refilling: Promise<void> | null;
  /** The largest take seen: a refill takes several of them. */
  largest: number;
}

/** Each database's reserves (numbers committed to this process and not handed out yet). */
const reserves = new WeakMap<Knex, Map<string, Reserve>>();

/** A refill takes at least this many numbers, and at least four of the largest take so far. */
const BLOCK = 1000;
/** A refill blocks no request, so it can afford to retry longer than a request's transaction. */
const REFILL_ATTEMPTS = 8;

/**
 * Numbers for `count` new names inside a caller's transaction, without holding the counter row
 * to that transaction's commit and without ever asking for a second connection (a request
 * holding one connection and waiting for another can starve the pool: issue 18.6).
 *
 * On MySQL, numbers come from a block this process reserved ahead in a short transaction of
 * its own, refilled in the background (on its own connection, which no request waits for)
 * before it runs out. Only when the block is empty (at start, or after a burst) are they taken
 * inside the caller's transaction, as on SQLite, which has one connection and one writer.
 * Numbers a rolled-back transaction took, or a stopped process had reserved, are not reused:
 * names stay unique and increasing per process, with gaps, as deleted check-ins leave in ERPNext.
 */
export async function takeSeriesNumbersFor(knex: Knex, trx: Knex.Transaction, prefix: string, count: number): Promise<number[]> {
  if (!isMysql(knex)) return numbersFrom(await takeSeriesNumbers(trx, prefix, count), count);
  const reserve = reserveOf(knex, prefix, count);
  const taken = takeReserved(reserve, count);
  if (taken) {
    // Refilled when what is left would not cover two more takes like the largest.
    if (reservedCount(reserve) < 2 * reserve.largest) refill(knex, prefix, reserve);
    return taken;
  }
  try {
    return numbersFrom(await takeSeriesNumbers(trx, prefix, count), count);
  } finally {
    // Only now: the refill waits for the counter row this transaction holds, so its block comes
    // after these numbers (started first, it could take the block before them). Started even
    // when the take failed (a write conflict), or every retry of the caller would land here too.
    refill(knex, prefix, reserve);
  }
}

/** A refill in flight may fall short of what concurrent takers need: this many rounds, then the take falls back. */
const AHEAD_ROUNDS = 3;

/**
 * Has the reserve hold `count` numbers under `prefix` before the transaction that will take them
 * begins (MySQL; SQLite takes inside the transaction). Taken inside it instead, the counter row
 * would be locked until its commit, and every other writer's transaction, on every Galera node,
 * would conflict on it. The caller holds no connection while it waits: a refill's own is free.
 */
export async function reserveSeriesAhead(knex: Knex, prefix: string, count: number): Promise<void> {
  if (!isMysql(knex) || count <= 0) return;
  const reserve = reserveOf(knex, prefix, count);
  for (let round = 0; round < AHEAD_ROUNDS && reservedCount(reserve) < count; round++) {
    refill(knex, prefix, reserve);
    await reserve.refilling;
  }
}

function reserveOf(knex: Knex, prefix: string, count: number): Reserve {
  let byPrefix = reserves.get(knex);
  if (!byPrefix) reserves.set(knex, (byPrefix = new Map()));
  let reserve = byPrefix.get(prefix);
  if (!reserve) byPrefix.set(prefix, (reserve = { blocks: [], refilling: null, largest: 0 }));
  reserve.largest = Math.max(reserve.largest, count);
  return reserve;
}

function numbersFrom(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

function reservedCount(r: Reserve): number {
  return r.blocks.reduce((n, b) => n + b.end - b.next, 0);
}

/** `count` numbers from the reserve, or null (and nothing taken) when it holds fewer. */
function takeReserved(r: Reserve, count: number): number[] | null {
  if (reservedCount(r) < count) return null;
  const out: number[] = [];
  while (out.length < count) {
    const block = r.blocks[0]!;
    const n = Math.min(count - out.length, block.end - block.next);
    for (let i = 0; i < n; i++) out.push(block.next + i);
    block.next += n;
    if (block.next === block.end) r.blocks.shift();
  }
  return out;
}

/** Reserves a block in a transaction of its own, in the background; a failure only means the next take falls back. */
function refill(knex: Knex, prefix: string, r: Reserve): void {
  if (r.refilling) return;
  const size = Math.max(BLOCK, 4 * r.largest);
  // Retried past a write conflict: on Galera every instance's refills certify against each other.
  r.refilling = transactionWithRetry(knex, (own) => takeSeriesNumbers(own, prefix, size), REFILL_ATTEMPTS)
    .then((first) => {
      r.blocks.push({ next: first, end: first + size });
    })
    .catch(() => undefined)
    .finally(() => {
      r.refilling = null;
    });
}

/** Waits for the refills in flight (tests, shutdown). */
export async function seriesRefilled(knex: Knex): Promise<void> {
  await Promise.all([...(reserves.get(knex)?.values() ?? [])].map((r) => r.refilling));
}
