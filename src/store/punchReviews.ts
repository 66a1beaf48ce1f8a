// punch_reviews: what an admin did to a punch (accept, discard, re-link), one row per action.
import type { Knex } from 'knex';
import { chunks } from './chunks.js';
import { charsOf, clipChars } from './columns.js';
import { fromDbInstant, toDbInstant } from './time.js';

export type ReviewAction = 'accept' | 'discard' | 'relink';

export interface NewPunchReview {
  punchId: number;
  action: ReviewAction;
  fromStatus: string;
  toStatus: string;
  detail: string | null;
  actor: string | null;
  createdAt: Date;
}

export interface PunchReview extends NewPunchReview {
  id: number;
}

interface ReviewRow {
  id: number;
  punch_id: number;
  action: ReviewAction;
  from_status: string;
  to_status: string;
  detail: string | null;
  actor: string | null;
  created_at: string;
}

const fromRow = (r: ReviewRow): PunchReview => ({
  id: Number(r.id),
  punchId: Number(r.punch_id),
  action: r.action,
  fromStatus: r.from_status,
  toStatus: r.to_status,
  detail: r.detail,
  actor: r.actor,
  createdAt: fromDbInstant(r.created_at),
});

export async function insertPunchReview(trx: Knex.Transaction, r: NewPunchReview): Promise<void> {
  await trx('punch_reviews').insert({
    punch_id: r.punchId,
    action: r.action,
    from_status: r.fromStatus,
    to_status: r.toStatus,
    // Held to the columns by characters, never cutting a character in two.
    detail: r.detail === null ? null : clipChars(r.detail, charsOf('punch_reviews', 'detail')),
    actor: r.actor === null ? null : clipChars(r.actor, charsOf('punch_reviews', 'actor')),
    created_at: toDbInstant(r.createdAt),
  });
}

/** The reviews of these punches, oldest first, by punch id. */
export async function findPunchReviews(knex: Knex, punchIds: number[]): Promise<Map<number, PunchReview[]>> {
  const found = new Map<number, PunchReview[]>();
  for (const part of chunks([...new Set(punchIds)], 300)) {
    const rows = (await knex('punch_reviews').whereIn('punch_id', part).orderBy('id')) as ReviewRow[];
    for (const r of rows) {
      const list = found.get(Number(r.punch_id)) ?? [];
      list.push(fromRow(r));
      found.set(Number(r.punch_id), list);
    }
  }
  return found;
}

/** Attendance record names by id (what a check-in is counted in). */
export async function findAttendanceNames(knex: Knex, ids: number[]): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (const part of chunks([...new Set(ids)], 300)) {
    for (const r of (await knex('attendance').whereIn('id', part).select('id', 'name')) as { id: number; name: string }[]) found.set(Number(r.id), r.name);
  }
  return found;
}
