// When the benchmark's punches happen: a workforce that clocks in around 08:00 and out around
// 17:00 (the seeded day shift), day after day, as a fleet's terminals record and buffer them.
// Punch n is employee (n mod E)'s; the first E punches are day 0's check-ins, the next E its
// check-outs, and so on, employees a second apart. So every punch is distinct, every one lands
// in its employee's shift, and a shift holds two punches, not dozens.

export interface ScheduledPunch {
  /** The employee's PIN, 1…E. */
  pin: string;
  /** Local wall time, 'YYYY-MM-DD HH:MM:SS'. */
  time: string;
  /** 0 check-in, 1 check-out (the ATTLOG punch state). */
  state: 0 | 1;
}

const DAY_MS = 86_400_000;
/** Check-ins start ten minutes before the shift; check-outs at its end. */
const IN_AT_MS = (7 * 60 + 50) * 60_000;
const OUT_AT_MS = 17 * 3_600_000;
/** Employees clock a second apart, within the hour. */
const SPREAD_SECONDS = 3600;

/** Punches in a day, for a workforce of `employees`: scenarios are kept apart in days. */
export const punchesPerDay = (employees: number) => 2 * employees;

/** Punch n of a workforce of `employees`, from `firstDay` (YYYY-MM-DD). */
export function scheduledPunch(n: number, employees: number, firstDay: string): ScheduledPunch {
  const slot = Math.floor(n / employees);
  const employee = n % employees;
  const state = (slot % 2) as 0 | 1;
  const at = Date.parse(`${firstDay}T00:00:00Z`) + Math.floor(slot / 2) * DAY_MS + (state === 0 ? IN_AT_MS : OUT_AT_MS) + (employee % SPREAD_SECONDS) * 1000;
  return { pin: String(employee + 1), time: new Date(at).toISOString().slice(0, 19).replace('T', ' '), state };
}
