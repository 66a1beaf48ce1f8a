// Prometheus metrics (prom-client), one registry per app so tests can run several.
import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { type ZkPoller, listPollers } from './store/zkPollers.js';
import { countCommandsByState } from './store/commands.js';
import { countQuarantined } from './store/deviceRequests.js';
import { countUndelivered } from './store/outbox.js';
import { listTargets } from './store/targets.js';
import type { GaleraStatus } from './store/databaseServer.js';

/** What the gauges read at scrape time beyond the database's tables. */
export interface MetricsProbes {
  /** How many devices this process heard from in the last so many milliseconds. */
  devicesHeardWithin(ms: number): number;
  /** Whether /readyz would answer ready now. */
  ready(): Promise<boolean>;
  /** The database node's Galera status; null when it is not a Galera node. */
  galera(): Promise<GaleraStatus | null>;
  /** Approved terminals gone silent past their interval (cluster-wide: read from the database). */
  devicesSilent(): Promise<number>;
  /** Approved terminals whose clock is off past ICLOCKD_HOLD_CLOCK_OFF_SECONDS (cluster-wide). */
  devicesClockOff(): Promise<number>;
}

/**
 * `read` shared by the gauges of one scrape: prom-client collects every metric of a scrape
 * together, so those that need the same rows ask once; the next scrape reads afresh.
 */
function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let ofScrape: Promise<T> | null = null;
  return () => (ofScrape ??= read().finally(() => setImmediate(() => (ofScrape = null))));
}

export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'channel' | 'route' | 'method' | 'status'>;
  readonly punches: Counter<'source' | 'outcome'>;
  readonly checkinsUncounted: Counter<'source' | 'reason'>;
  readonly ingestSeconds: Histogram<'source'>;
  readonly dbQueries: Counter;
  readonly outboxAttempts: Counter<'target' | 'outcome'>;
  readonly outboxFailures: Counter<'target' | 'reason'>;
  readonly outboxLatency: Histogram<'target'>;
  readonly outboxRequestSeconds: Histogram<'target'>;
  readonly pendingRefused: Counter<'reason'>;

  constructor(knex: Knex, probes: MetricsProbes, withDefaults = true) {
    const registers = [this.registry];
    if (withDefaults) collectDefaultMetrics({ register: this.registry, prefix: 'iclockd_' });
    this.requests = new Counter({
      name: 'iclockd_http_requests_total',
      help: 'HTTP requests by channel (adms, json, other), route, method and status',
      labelNames: ['channel', 'route', 'method', 'status'],
      registers,
    });
    this.punches = new Counter({
      name: 'iclockd_punches_total',
      help: 'Punches received, by source and outcome (created, duplicate, unmatched, inactive, suspect_time, invalid)',
      labelNames: ['source', 'outcome'],
      registers,
    });
    this.checkinsUncounted = new Counter({
      name: 'iclockd_checkins_uncounted_total',
      help: 'Check-ins stored that their shift does not count, by source and reason (log_type_required: no IN or OUT in a shift strictly based on log type, which HRMS would refuse)',
      labelNames: ['source', 'reason'],
      registers,
    });
    this.ingestSeconds = new Histogram({
      name: 'iclockd_ingest_duration_seconds',
      help: 'Time to store a batch of punches (one transaction)',
      labelNames: ['source'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    // Every statement sent to the database (the benchmark divides it by requests).
    this.dbQueries = new Counter({ name: 'iclockd_db_queries_total', help: 'SQL statements sent to the database', registers });
    knex.on('query', () => this.dbQueries.inc());
    this.pendingRefused = new Counter({
      name: 'iclockd_pending_refused_total',
      help:
        'Terminals not awaiting approval taken, and uploads of terminals awaiting approval refused (they keep them), by reason: new_serials (ICLOCKD_NEW_DEVICES_PER_HOUR), pending_devices (ICLOCKD_PENDING_MAX_DEVICES), uploads, bytes, age (ICLOCKD_PENDING_MAX_*)',
      labelNames: ['reason'],
      registers,
    });
    new Gauge({
      name: 'iclockd_held_uploads',
      help: 'Uploads held for terminals awaiting approval',
      registers,
      async collect() {
        this.set(await countQuarantined(knex).catch(() => 0));
      },
    });
    new Gauge({
      name: 'iclockd_devices_seen',
      help: 'Devices this process heard from in the last 5 minutes',
      registers,
      collect() {
        this.set(probes.devicesHeardWithin(5 * 60_000));
      },
    });
    new Gauge({
      name: 'iclockd_command_queue',
      help: 'Device commands by state',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        for (const [state, n] of Object.entries(await countCommandsByState(knex).catch(() => ({})))) this.set({ state }, n);
      },
    });
    this.outboxAttempts = new Counter({
      name: 'iclockd_outbox_attempts_total',
      help: 'Forwarding attempts by target and outcome (delivered, retry, rejected, dead, config_error)',
      labelNames: ['target', 'outcome'],
      registers,
    });
    this.outboxFailures = new Counter({
      name: 'iclockd_outbox_failures_total',
      help: 'Failed forwarding attempts by target and reason (timeout, network, http_503, employee_not_found, auth, …)',
      labelNames: ['target', 'reason'],
      registers,
    });
    this.outboxLatency = new Histogram({
      name: 'iclockd_outbox_delivery_latency_seconds',
      help: 'Time from a check-in being stored to the target having it',
      labelNames: ['target'],
      buckets: [1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers,
    });
    this.outboxRequestSeconds = new Histogram({
      name: 'iclockd_outbox_request_duration_seconds',
      help: 'Duration of one forwarding request',
      labelNames: ['target'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    new Gauge({
      name: 'iclockd_outbox_rows',
      help: 'Outbox rows not delivered, by target and state (pending, rejected, dead)',
      labelNames: ['target', 'state'],
      registers,
      async collect() {
        this.reset();
        const names = new Map((await listTargets(knex).catch(() => [])).map((t) => [t.id, t.name]));
        for (const c of await countUndelivered(knex).catch(() => [])) this.set({ target: names.get(c.targetId) ?? String(c.targetId), state: c.state }, c.n);
      },
    });
    // Both gauges of polled terminals are collected at once: they share one read.
    const pollers = oncePerScrape(() => listPollers(knex).catch((): ZkPoller[] => []));
    new Gauge({
      name: 'iclockd_zk_terminal_records',
      help: 'Terminals read over TCP 4370: attendance records on the terminal at its last poll, and what its log holds (kind: stored, capacity)',
      labelNames: ['device', 'kind'],
      registers,
      async collect() {
        this.reset();
        for (const p of await pollers()) {
          if (p.records !== null) this.set({ device: p.deviceSerial, kind: 'stored' }, p.records);
          if (p.recordsCapacity !== null) this.set({ device: p.deviceSerial, kind: 'capacity' }, p.recordsCapacity);
        }
      },
    });
    new Gauge({
      name: 'iclockd_zk_terminal_up',
      help: 'Terminals read over TCP 4370: 1 when the last poll read it, 0 when it failed (reason: unreachable, timeout, wrong_key, serial_mismatch, refused, protocol, lease_lost, blocked, store), none before the first poll',
      labelNames: ['device', 'reason'],
      registers,
      async collect() {
        this.reset();
        for (const p of await pollers()) if (p.lastPollAt !== null) this.set({ device: p.deviceSerial, reason: p.lastErrorKind ?? 'ok' }, p.lastErrorKind === null ? 1 : 0);
      },
    });
    new Gauge({
      name: 'iclockd_outbox_target_up',
      help: 'Forwarding targets: 1 delivering, 0 paused by an operator or because the target refused the credentials (state error)',
      labelNames: ['target', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const t of await listTargets(knex).catch(() => [])) this.set({ target: t.name, state: t.state }, t.state === 'active' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'iclockd_ready',
      help: 'This instance: 1 when /readyz answers ready (database reachable, schema current, not stopping), 0 when not',
      registers,
      async collect() {
        this.set((await probes.ready().catch(() => false)) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'iclockd_devices_silent',
      help: 'Approved terminals heard from before but not within max(3 poll intervals, 30 s); read from the database, so every instance reports the whole fleet',
      registers,
      async collect() {
        const n = await probes.devicesSilent().catch(() => null);
        if (n !== null) this.set(n);
      },
    });
    new Gauge({
      name: 'iclockd_devices_clock_off',
      help: 'Approved terminals whose last measured clock is off by more than ICLOCKD_HOLD_CLOCK_OFF_SECONDS (their new punches are held); the whole fleet',
      registers,
      async collect() {
        const n = await probes.devicesClockOff().catch(() => null);
        if (n !== null) this.set(n);
      },
    });
    // Both Galera gauges share one read of the node's status. A node that stops answering,
    // having last answered as a Galera node, reads 0 synced.
    let lastNode: string | null = null;
    const galera = oncePerScrape(() =>
      probes.galera().then(
        (g) => ((lastNode = g?.node ?? null), g),
        () => 'unreachable' as const,
      ),
    );
    new Gauge({
      name: 'iclockd_database_cluster_size',
      help: "Galera only: wsrep_cluster_size as this instance's database node (wsrep_node_name) sees it",
      labelNames: ['node'],
      registers,
      async collect() {
        this.reset();
        const g = await galera();
        if (g && g !== 'unreachable') this.set({ node: g.node }, g.clusterSize);
      },
    });
    new Gauge({
      name: 'iclockd_database_node_synced',
      help: "Galera only: 1 when this instance's database node (wsrep_node_name) is in the primary component, Synced and ready; 0 otherwise, unreachable included",
      labelNames: ['node'],
      registers,
      async collect() {
        this.reset();
        const g = await galera();
        if (g === 'unreachable') {
          if (lastNode !== null) this.set({ node: lastNode }, 0);
        } else if (g) this.set({ node: g.node }, g.clusterStatus === 'Primary' && g.localState === 'Synced' && g.ready ? 1 : 0);
      },
    });
    new Gauge({
      name: 'iclockd_db_pool_connections',
      help: 'Database pool connections by state (used, free, pending acquires)',
      labelNames: ['state'],
      registers,
      collect() {
        const pool = (knex.client as { pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number } }).pool;
        if (!pool) return;
        this.set({ state: 'used' }, pool.numUsed());
        this.set({ state: 'free' }, pool.numFree());
        this.set({ state: 'pending' }, pool.numPendingAcquires());
      },
    });
  }
}
