// The live punch feed: every punch this process has stored (or recognised as a resend), told
// to the subscribers after its transaction committed. In memory and per process: with several
// instances behind a load balancer, a subscriber sees what its own instance ingested.
import type { IngestOutcome, IngestResult } from './outcome.js';
import type { Punch } from './punch.js';

export interface PunchEvent {
  punch_id: number;
  device: string;
  device_user_id: string;
  employee: string | null;
  employee_name: string | null;
  local_time: string;
  time: string;
  time_zone: string;
  log_type: string;
  source: string;
  outcome: IngestOutcome;
  checkin_id: string | null;
}

export type PunchListener = (events: PunchEvent[]) => void;

/** At most this many subscribers at once (each is an open console page). */
export const MAX_SUBSCRIBERS = 200;

export class PunchFeed {
  private readonly listeners = new Set<PunchListener>();
  private closers = new Set<() => void>();
  private closed = false;

  get subscribers(): number {
    return this.listeners.size;
  }

  /**
   * Adds a listener; `onClose` runs when the feed closes (shutdown). Returns the unsubscribe
   * function, or null when the feed is full or closed.
   */
  subscribe(listener: PunchListener, onClose: () => void): (() => void) | null {
    if (this.listeners.size >= MAX_SUBSCRIBERS || this.closed) return null;
    this.listeners.add(listener);
    this.closers.add(onClose);
    return () => {
      this.listeners.delete(listener);
      this.closers.delete(onClose);
    };
  }

  /** Tells every subscriber to go (so open streams do not hold up a graceful stop). */
  close(): void {
    this.closed = true;
    const closers = [...this.closers];
    this.listeners.clear();
    this.closers = new Set();
    for (const c of closers) c();
  }

  /** Committed punches and what became of them (in order; rejected ones are left out); a listener that throws is dropped. */
  publish(punches: readonly Punch[], results: readonly IngestResult[]): void {
    if (this.listeners.size === 0 || punches.length === 0) return;
    const events = punches.flatMap((p, i): PunchEvent[] => {
      const r = results[i]!;
      if (r.outcome === 'rejected') return [];
      const event: PunchEvent = {
        punch_id: r.punchId,
        device: p.deviceSerial,
        device_user_id: p.deviceUserId,
        employee: r.employee?.employee ?? null,
        employee_name: r.employee?.name ?? null,
        local_time: p.localTime,
        time: p.instant.toISOString(),
        time_zone: p.timeZone,
        log_type: p.logType,
        source: p.source,
        outcome: r.outcome,
        checkin_id: r.checkin?.name ?? null,
      };
      return [event];
    });
    if (events.length === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(events);
      } catch {
        this.listeners.delete(listener);
      }
    }
  }
}
