// Device timestamps to UTC instants. Terminals speak local wall time with no zone; a
// timestamp without an offset is read in the device's IANA zone. Done once, here, with luxon.
//
// DST, always the same way (as java.time and Temporal's "compatible" do):
// - a wall time inside a spring-forward gap (02:30 on a night that jumps 02:00 → 03:00) is
//   moved forward by the gap: 02:30 EST-that-never-was becomes 03:30 EDT;
// - a wall time that occurs twice (01:30 on a night that falls back 02:00 → 01:00) is the
//   earlier instant, the first 01:30 (still on summer time).
import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';
import { type WallTime, formatWallTime } from '../../protocol/index.js';
import { AppError } from '../errors.js';

export interface ParsedTimestamp {
  /** The wall time as sent, normalised to 'YYYY-MM-DD HH:MM:SS' (fractions dropped). */
  localTime: string;
  /** The UTC instant, whole seconds. */
  instant: Date;
  /** The zone used: the IANA name, or 'UTC+03:00' when the timestamp carried its own offset. */
  timeZone: string;
}

export class TimestampError extends Error {
  override name = 'TimestampError';
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function offsetName(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function parseOffset(text: string): number {
  if (text.toUpperCase() === 'Z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 14 || minutes > 59) throw new TimestampError(`offset ${text} is out of range`);
  return sign * (hours * 60 + minutes);
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const OFFSET_HOURS_MAX = 100_000;

/**
 * A zone's UTC offset (minutes) at an instant, from a bounded cache of whole UTC hours:
 * luxon asks Intl for every offset, and a punch needs four. An hour whose two ends have one
 * offset has it throughout (no zone changes twice within an hour); an hour with a
 * transition in it is asked of luxon every time.
 */
const hourOffsets = new Map<string, Map<number, number | null>>();
let hourOffsetsHeld = 0;

function offsetAt(zone: IANAZone, ts: number): number {
  let hours = hourOffsets.get(zone.name);
  if (!hours) hourOffsets.set(zone.name, (hours = new Map()));
  const hour = Math.floor(ts / HOUR_MS);
  let offset = hours.get(hour);
  if (offset === undefined) {
    const first = zone.offset(hour * HOUR_MS);
    offset = first === zone.offset(hour * HOUR_MS + HOUR_MS - 1) ? first : null;
    if (++hourOffsetsHeld > OFFSET_HOURS_MAX) {
      hourOffsets.clear();
      hourOffsetsHeld = 1;
      hourOffsets.set(zone.name, (hours = new Map()));
    }
    hours.set(hour, offset);
  }
  return offset ?? zone.offset(ts);
}

/** A wall time read as if it were UTC, in epoch milliseconds (years 1–99 too, which Date.UTC maps to 19xx). */
function wallAsUtcMillis(w: WallTime): number {
  const d = new Date(Date.UTC(2000, w.month - 1, w.day, w.hour, w.minute, w.second));
  d.setUTCFullYear(w.year);
  return d.getTime();
}

/**
 * The instant a wall time names in an IANA zone, with the DST rules above: the offsets in
 * force a day either side give at most two candidates; both real is a repeated hour (take
 * the earlier), neither a gap (take the offset before it, which moves the time forward).
 */
export function wallToInstant(wall: WallTime, zone: string): Date {
  const z = IANAZone.create(zone);
  if (!z.isValid) throw new TimestampError(`${formatWallTime(wall)} is not a valid time in ${zone}`);
  const w = wallAsUtcMillis(wall);
  const before = w - offsetAt(z, w - DAY_MS) * 60_000;
  const after = w - offsetAt(z, w + DAY_MS) * 60_000;
  const real = (t: number) => w - offsetAt(z, t) * 60_000 === t;
  const beforeReal = real(before);
  const afterReal = before !== after && real(after);
  if (beforeReal && afterReal) return new Date(Math.min(before, after));
  if (afterReal) return new Date(after);
  return new Date(before);
}

/**
 * Parses `YYYY-MM-DD HH:MM:SS`, ISO 8601 with `T`, optional seconds and fractions (dropped, as
 * HRMS truncates to the second), and an optional `Z` or `±HH:MM` offset. Without an offset
 * the time is read in `zone`. Impossible dates (Feb 30, year 0, 24:00) are an error.
 */
export function parseTimestamp(raw: string, zone: string): ParsedTimestamp {
  const m = TIMESTAMP.exec(raw.trim());
  if (!m) throw new TimestampError(`"${raw.length > 40 ? `${raw.slice(0, 40)}…` : raw}" is not a timestamp; use YYYY-MM-DD HH:MM:SS or ISO 8601`);
  const wall: WallTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6] ?? 0),
  };
  // luxon takes 24:00 as the end of the day; a device never means that.
  if (!isRealWallTime(wall)) throw new TimestampError(`"${raw}" is not a real date and time`);
  const localTime = formatWallTime(wall);
  if (m[7] !== undefined) {
    const offset = parseOffset(m[7]);
    const instant = DateTime.fromObject(wall, { zone: FixedOffsetZone.instance(offset) }).toJSDate();
    return { localTime, instant, timeZone: offsetName(offset) };
  }
  if (!isKnownZone(zone)) throw new TimestampError(`unknown time zone ${zone}`);
  return { localTime, instant: wallToInstant(wall, zone), timeZone: zone };
}

/** A real calendar date and time of day (no Feb 30, no 24:00), by arithmetic: this runs for every punch. */
function isRealWallTime(w: WallTime): boolean {
  if (w.year < 1 || w.month < 1 || w.month > 12 || w.day < 1 || w.hour > 23 || w.minute > 59 || w.second > 59) return false;
  const leap = (w.year % 4 === 0 && w.year % 100 !== 0) || w.year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][w.month - 1]!;
  return w.day <= days;
}

/**
 * Whether an IANA zone name is known. luxon caches zone objects, so this is cheap after the
 * first call; IANAZone.isValidZone builds an Intl formatter every time.
 */
export function isKnownZone(zone: string): boolean {
  return zone !== '' && IANAZone.create(zone).isValid;
}

/**
 * The calendar date (YYYY-MM-DD) an instant falls on in a zone, from the cached offsets: the
 * attendance engine asks it for every check-in, and luxon's way costs several times more.
 */
export function localDateOf(instant: Date, zone: string): string {
  const z = IANAZone.create(zone);
  const t = instant.getTime();
  if (z.isValid && Number.isFinite(t)) {
    const local = new Date(t + offsetAt(z, t) * 60_000);
    const year = local.getUTCFullYear();
    if (year >= 1000 && year <= 9999) return `${year}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  }
  return DateTime.fromJSDate(instant, { zone }).toISODate()!;
}

/** An instant as wall time in a zone, 'YYYY-MM-DD HH:MM:SS'. */
export function instantToWall(instant: Date, zone: string): string {
  return formatWallTime(instantToWallTime(instant, zone));
}

/** An instant as wall-clock fields in a zone (what a terminal's clock set to that zone reads). */
export function instantToWallTime(instant: Date, zone: string): WallTime {
  const t = DateTime.fromJSDate(instant, { zone });
  return { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second };
}

/** The UTC instants [start, end) of a calendar date range in a zone, for date filters. */
export function dayRange(from: string | undefined, to: string | undefined, zone: string): { start?: Date; end?: Date } {
  const day = (d: string, name: string) => {
    const dt = DateTime.fromISO(d, { zone });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || !dt.isValid) {
      throw new AppError('validation_error', `${name} must be a date YYYY-MM-DD, not "${d}"`, { fields: [name] });
    }
    return dt;
  };
  const start = from ? day(from, 'from').startOf('day').toJSDate() : undefined;
  const end = to ? day(to, 'to').plus({ days: 1 }).startOf('day').toJSDate() : undefined;
  if (start && end && end <= start) throw new AppError('validation_error', `to must not be before from (${from} … ${to})`, { fields: ['to'] });
  return { start, end };
}
