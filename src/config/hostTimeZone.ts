// The host's own time zone: the default of ICLOCKD_TZ, and what doctor and the start warn about.
import { IANAZone } from 'luxon';

export interface HostTimeZone {
  /** The host's zone, or UTC when Node cannot name it: always a zone luxon can compute in. */
  zone: string;
  /** Why the host's own zone is not used, or null. */
  problem: string | null;
}

/**
 * The host's zone as Node sees it. A TZ Node does not know (`Mars/Olympus`, a typo) it runs
 * as UTC without a word, reporting no zone or `Etc/Unknown`: that is the problem reported.
 */
export function detectHostTimeZone(tz: string | undefined = process.env.TZ): HostTimeZone {
  const seen: string | undefined = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (seen && IANAZone.isValidZone(seen)) return { zone: seen, problem: null };
  // An empty TZ is UTC, as POSIX has it (Node reports Etc/Unknown).
  if (tz === '') return { zone: 'UTC', problem: null };
  return { zone: 'UTC', problem: tz ? `TZ=${tz} is not a time zone` : `this host's time zone is unknown to Node (${seen ?? 'none'})` };
}

/** The host's own zone; the default for ICLOCKD_TZ. */
export function hostTimeZone(): string {
  return detectHostTimeZone().zone;
}
