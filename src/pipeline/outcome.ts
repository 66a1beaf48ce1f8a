// What became of each punch an ingest was given: the results the channels answer from and the
// live feed publishes. Apart from ingest.ts, which makes them: the feed needs the results, not the service.
import type { Employee } from '../store/employees.js';
import type { Checkin, PunchStatus } from '../store/punches.js';
import type { PunchProblem } from './punch.js';

/**
 * created: a new check-in · duplicate: the punch (or its check-in) was already stored ·
 * unmatched: stored, no employee has this user id on the device's site yet ·
 * inactive: stored, the employee is not Active · suspect_time: stored, held for review (a time
 * out of bounds, or its terminal's clock known wrong).
 */
export type IngestOutcome = 'created' | 'duplicate' | 'unmatched' | 'inactive' | 'suspect_time';

/** A punch stored (or recognised as a resend), and what became of it. */
export interface StoredResult {
  outcome: IngestOutcome;
  /** False when this punch was already stored (a resend); a new punch may still find its check-in there. */
  newPunch: boolean;
  punchId: number;
  /** The stored punch's state (for a duplicate: the state of the copy already stored). */
  punchStatus: PunchStatus;
  checkin: Checkin | null;
  employee: Employee | null;
  /** This punch's check-in created or updated an attendance record. */
  attendanceCreated: boolean;
  /** No shift covers this punch's time (with attendance in use): a check-in without attendance. */
  outsideShifts: boolean;
  /** Its check-in has no log type and falls in this shift, strictly based on log type: it is not counted there. */
  logTypeRequiredBy: string | null;
}

/** A punch that cannot be stored (a field its column cannot hold): rejected alone, nothing written for it. */
export interface RejectedResult {
  outcome: 'rejected';
  newPunch: false;
  problem: PunchProblem;
}

export type IngestResult = StoredResult | RejectedResult;
