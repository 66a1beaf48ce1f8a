// A poller as the API and the CLI show it (snake_case, instants as ISO text, the comm key never
// shown, only whether one is set): both fronts print it, so it lives here, below them both.
import type { ZkPoller } from '../store/zkPollers.js';
import type { PollReport } from './service.js';

export function pollerView(p: ZkPoller) {
  return {
    serial: p.deviceSerial,
    host: p.host,
    port: p.port,
    comm_key_set: p.commKey !== 0,
    interval_seconds: p.intervalSeconds,
    enabled: p.enabled,
    clear_after_read: p.clearAfterRead,
    set_clock: p.setClock,
    cursor: { count: p.cursor.count, pin: p.cursor.pin, time: p.cursor.time },
    records: p.records,
    records_capacity: p.recordsCapacity,
    users: p.users,
    users_capacity: p.usersCapacity,
    last_poll_at: p.lastPollAt?.toISOString() ?? null,
    last_success_at: p.lastSuccessAt?.toISOString() ?? null,
    last_error_kind: p.lastErrorKind,
    last_error: p.lastError,
    failures: p.failures,
    next_poll_at: p.nextPollAt.toISOString(),
    polling_now: p.leaseOwner !== null && p.leaseUntil !== null,
    created_at: p.createdAt.toISOString(),
  };
}

export function pollReportView(r: PollReport) {
  return {
    serial: r.serial,
    polled: r.polled,
    ok: r.ok,
    failure: r.failure,
    error: r.error,
    records: r.records,
    submitted: r.submitted,
    created: r.counts.created,
    duplicate: r.counts.duplicate,
    failed: r.counts.failed,
    users: r.users,
    reread: r.reread,
    cleared: r.cleared,
    clock_drift_seconds: r.clockDriftSeconds,
    clock_set: r.clockSet,
  };
}
