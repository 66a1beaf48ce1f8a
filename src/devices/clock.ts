// When a terminal's clock counts as measured, and what a measurement means: the rules the
// uploads (which measure the clock and hold punches) and the diagnosis (which explains) share.
//
// A punch says when the terminal's clock thought it was made; it arrives when it is sent. The
// difference is the clock's error only when the punch was sent as it was made: a real-time
// upload of a terminal that was, and had for a while been, talking to iclockd. A backlog sent
// after a break (network, power, iclockd or its database away, a refused upload) carries
// punches made minutes or days before, which says nothing about the clock.

/** An upload of more lines than this is a backlog, not punches sent as they were made. */
export const REALTIME_MAX_LINES = 3;

/** Silence longer than this (3 poll intervals, at least a minute) breaks a terminal's contact. */
export function contactGapMs(delaySeconds: number): number {
  return Math.max(60, 3 * delaySeconds) * 1000;
}

/**
 * How long a terminal must have been in unbroken contact before its uploads measure its
 * clock: twice the gap, so at least 2 minutes, longer than the ErrorDelay (30 s) and
 * TransInterval (1 min) iclockd gives it, by which time whatever it held from a break is sent.
 */
export function settleMs(delaySeconds: number): number {
  return 2 * contactGapMs(delaySeconds);
}

/** Whether a clock error (arrival minus stated time, seconds) holds the terminal's punches; `holdOffSeconds` 0 never does. */
export function clockHeld(driftSeconds: number | null, holdOffSeconds: number): boolean {
  return holdOffSeconds > 0 && driftSeconds !== null && Math.abs(driftSeconds) > holdOffSeconds;
}

/** A number of seconds for people: "2 days", "5 h 59 min", "33 min 20 s", "45 s". */
export function spelledDuration(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (days) return `${days} day${days === 1 ? '' : 's'}${hours ? ` ${hours} h` : ''}`;
  if (hours) return `${hours} h${minutes ? ` ${minutes} min` : ''}`;
  if (minutes) return `${minutes} min${rest ? ` ${rest} s` : ''}`;
  return `${rest} s`;
}
