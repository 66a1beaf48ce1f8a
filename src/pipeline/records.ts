// Reading punches and check-ins back, with the employees and check-ins they point at.
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { DateTime } from 'luxon';
import { AppError } from '../errors.js';
import { type Employee, findEmployeesByIds } from '../store/employees.js';
import type { Listed, ScanCursor, Window } from '../store/list.js';
import {
  type Checkin,
  type CheckinFilter,
  type PunchFilter,
  type StoredPunch,
  type UnmatchedGroup,
  countPunchesPerMinute,
  findCheckinsByIds,
  findPunch,
  findUnmatchedSources,
  listCheckins,
  listPunches,
  scanCheckins,
  scanPunches,
  listUnmatchedGroups,
  type UnmatchedFilter,
} from '../store/punches.js';
import { dayRange } from './time.js';
import { compositeKey } from '../store/keys.js';
import { type PunchReview, findAttendanceNames, findPunchReviews } from '../store/punchReviews.js';

/** Unmatched punches of one device user id on one site, and where they came from. */
export interface UnmatchedSummary extends UnmatchedGroup {
  devices: string[];
  /** The names the terminals have for that user id (from their user directory), if any. */
  deviceNames: string[];
}

/** Punches per hour of a day (0…23, in the zone), beside the same weekday a week before. */
export interface HourlyComparison {
  date: string;
  compareDate: string;
  timeZone: string;
  hours: { hour: number; punches: number; compare: number }[];
}

export class PunchRecords {
  constructor(
    private readonly knex: Knex,
    private readonly now: Clock,
  ) {}

  listPunches(filter: PunchFilter, window: Window): Promise<Listed<StoredPunch>> {
    return listPunches(this.knex, filter, window);
  }

  listCheckins(filter: CheckinFilter, window: Window): Promise<Listed<Checkin>> {
    return listCheckins(this.knex, filter, window);
  }

  scanPunches(filter: PunchFilter, after: ScanCursor | null, limit: number): Promise<StoredPunch[]> {
    return scanPunches(this.knex, filter, after, limit);
  }

  scanCheckins(filter: CheckinFilter, after: ScanCursor | null, limit: number): Promise<Checkin[]> {
    return scanCheckins(this.knex, filter, after, limit);
  }

  async getPunch(id: number): Promise<StoredPunch> {
    const punch = await findPunch(this.knex, id);
    if (!punch) throw new AppError('not_found', `No punch ${id}`);
    return punch;
  }

  /** The employees and check-ins a page of punches and check-ins refers to. */
  async relatedTo(punches: StoredPunch[], checkins: Checkin[] = []): Promise<{ employees: Map<number, Employee>; checkins: Map<number, Checkin> }> {
    const linked = await findCheckinsByIds(this.knex, punches.flatMap((p) => (p.checkinId === null ? [] : [p.checkinId])));
    const employeeIds = [...punches.flatMap((p) => (p.employeeId === null ? [] : [p.employeeId])), ...checkins.map((c) => c.employeeId)];
    return { employees: await findEmployeesByIds(this.knex, employeeIds), checkins: linked };
  }

  /** What admins did to these punches (accept, discard, re-link), oldest first. */
  reviewsOf(punchIds: number[]): Promise<Map<number, PunchReview[]>> {
    return findPunchReviews(this.knex, punchIds);
  }

  /** The names of the attendance records these check-ins are counted in. */
  attendanceNames(checkins: Checkin[]): Promise<Map<number, string>> {
    return findAttendanceNames(this.knex, checkins.flatMap((c) => (c.attendanceId === null ? [] : [c.attendanceId])));
  }

  /** Unmatched punches grouped by (site, device user id), with their terminals. */
  async unmatchedGroups(filter: UnmatchedFilter, window: Window): Promise<Listed<UnmatchedSummary>> {
    const listed = await listUnmatchedGroups(this.knex, filter, window);
    const sources = await findUnmatchedSources(this.knex, listed.rows);
    return {
      total: listed.total,
      rows: listed.rows.map((g) => {
        const s = sources.get(compositeKey(g.site, g.deviceUserId));
        return { ...g, devices: s?.devices ?? [], deviceNames: s?.names ?? [] };
      }),
    };
  }

  /** Punches per hour of `date` (YYYY-MM-DD, default today) in `zone`, and of the same weekday a week before. */
  async punchesPerHour(date: string | undefined, zone: string, now = this.now()): Promise<HourlyComparison> {
    const day = date ?? DateTime.fromJSDate(now).setZone(zone).toISODate()!;
    const compareDay = /^\d{4}-\d{2}-\d{2}$/.test(day) ? DateTime.fromISO(day, { zone }).minus({ days: 7 }).toISODate() : null;
    if (!compareDay) throw new AppError('validation_error', `date must be a date YYYY-MM-DD, not "${day}"`, { fields: ['date'] });
    const perHour = async (d: string) => {
      const { start, end } = dayRange(d, d, zone);
      const counts = new Array<number>(24).fill(0);
      for (const m of await countPunchesPerMinute(this.knex, start!, end!)) {
        counts[DateTime.fromISO(`${m.minute.replace(' ', 'T')}:00Z`).setZone(zone).hour]! += m.n;
      }
      return counts;
    };
    const [today, before] = [await perHour(day), await perHour(compareDay)];
    return { date: day, compareDate: compareDay, timeZone: zone, hours: today.map((n, hour) => ({ hour, punches: n, compare: before[hour]! })) };
  }
}
