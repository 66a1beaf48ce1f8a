// Device rows in memory, one cache per process, shared by every service that reads devices:
// the registry (every terminal polls every few seconds) and the pipeline's intake (a JSON
// punch's site, zone and state). A row read or written through any of them is what all of them
// see next. Entries are read again after a short time (so several processes agree); a caller
// that must see a change made by another process or the CLI at once reads the row (`fresh`).
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { Batcher } from '../store/batcher.js';
import { type Device, findDevice, findDevices } from '../store/devices.js';

const CACHE_TTL_MS = 30_000;
/** How long stale entries are collected before one read refreshes them all. */
const REFRESH_GATHER_MS = 1_000;
export const CACHE_MAX = 50_000;

export interface DeviceCacheDeps {
  knex: Knex;
  clock: Clock;
  logger: Logger;
}

export class DeviceCache {
  private readonly knex: Knex;
  private readonly now: Clock;
  private readonly logger: Logger;
  private readonly entries = new Map<string, { device: Device; loadedAt: number }>();
  /** Device reads in flight, by serial. */
  private readonly reads = new Map<string, Promise<Device | null>>();
  /** Concurrent requests' reads of several devices, in one query. */
  private readonly freshReads: Batcher<string[], Map<string, Device>>;
  /** Cached devices found stale, waiting for the next refresh. */
  private readonly stale = new Set<string>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor({ knex, clock, logger }: DeviceCacheDeps) {
    this.knex = knex;
    this.now = clock;
    this.logger = logger;
    this.freshReads = new Batcher(
      async (lists) => {
        const found = new Map((await findDevices(knex, [...new Set(lists.flat())])).map((d) => [d.serial, this.remember(d)]));
        return lists.map(() => found);
      },
      { concurrency: 4, weight: (serials) => serials.length, maxWeight: 1000 },
    );
  }

  /** Ends the wait for a refresh (the process stops). */
  stop(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  /** Keeps a device as read or written now. */
  remember(device: Device): Device {
    if (this.entries.size >= CACHE_MAX) this.entries.delete(this.entries.keys().next().value!);
    this.entries.delete(device.serial);
    this.entries.set(device.serial, { device, loadedAt: this.now().getTime() });
    return device;
  }

  /** Applies a change already written to the cached copy, without reading the row back. */
  patch(serial: string, change: Partial<Device>): void {
    const cached = this.entries.get(serial);
    if (cached) cached.device = { ...cached.device, ...change };
  }

  /** The device as stored now, bypassing the cache (another process may have approved it); concurrent reads share one query. */
  async fresh(serial: string): Promise<Device | null> {
    return (await this.freshMany([serial])).get(serial) ?? null;
  }

  /** The devices of these serials as stored now (those that exist), by serial; concurrent calls share one query. */
  freshMany(serials: string[]): Promise<Map<string, Device>> {
    return serials.length === 0 ? Promise.resolve(new Map()) : this.freshReads.add(serials);
  }

  /** The device, from the cache when it is there; `nowMs` lets a poll that has the time already pass it. */
  async get(serial: string, nowMs = this.now().getTime()): Promise<Device | null> {
    const hit = this.entries.get(serial);
    if (hit) {
      // A stale entry still answers; it is read again with the others found stale about now.
      if (nowMs - hit.loadedAt >= CACHE_TTL_MS) this.refreshSoon(serial);
      return hit.device;
    }
    // Requests from one terminal that is not cached yet share one read.
    let reading = this.reads.get(serial);
    if (!reading) {
      reading = findDevice(this.knex, serial)
        .then((device) => (device ? this.remember(device) : null))
        .finally(() => this.reads.delete(serial));
      this.reads.set(serial, reading);
    }
    return reading;
  }

  private refreshSoon(serial: string): void {
    this.stale.add(serial);
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => void this.refreshStale(), REFRESH_GATHER_MS);
    this.refreshTimer.unref();
  }

  /**
   * Reads the stale entries again (10,000 terminals: ~330 a second), a few queries for all. An
   * entry whose row changed only in its last contact keeps its object: polls keep nothing new
   * (a fresh object per terminal every 30 s went to the old generation).
   */
  async refreshStale(): Promise<void> {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    const serials = [...this.stale];
    this.stale.clear();
    if (!serials.length) return;
    try {
      const devices = await findDevices(this.knex, serials);
      const loadedAt = this.now().getTime();
      for (const device of devices) {
        const entry = this.entries.get(device.serial);
        if (!entry || !sameButLastContact(entry.device, device)) {
          this.remember(device);
          continue;
        }
        entry.loadedAt = loadedAt;
        if (entry.device.lastSeenAt?.getTime() !== device.lastSeenAt?.getTime()) entry.device.lastSeenAt = device.lastSeenAt;
        if (entry.device.lastAddress !== device.lastAddress) entry.device.lastAddress = device.lastAddress;
      }
    } catch (err) {
      // The entries stay stale: the next poll of each asks again.
      this.logger.warn({ err }, 'could not refresh cached devices; will retry');
    }
  }
}

/** Whether two reads of a device differ at most in its last contact (which polls change all the time). */
function sameButLastContact(a: Device, b: Device): boolean {
  return JSON.stringify({ ...a, lastSeenAt: null, lastAddress: null }) === JSON.stringify({ ...b, lastSeenAt: null, lastAddress: null });
}
