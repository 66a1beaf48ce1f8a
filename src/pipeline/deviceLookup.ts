// What the pipeline needs to know about a device: its site, time zone and state.
import type { Knex } from 'knex';
import { Batcher } from '../store/batcher.js';
import { type DeviceSettings, findDeviceSettings } from '../store/devices.js';

export type { DeviceSettings };

export class DeviceLookup {
  /** Concurrent requests' lookups in one query. */
  private readonly lookups: Batcher<string[], Map<string, DeviceSettings>>;

  constructor(knex: Knex) {
    this.lookups = new Batcher(
      async (lists) => {
        const found = await findDeviceSettings(knex, lists.flat());
        return lists.map(() => found);
      },
      { concurrency: 4, weight: (serials) => serials.length, maxWeight: 1000 },
    );
  }

  settings(serials: string[]): Promise<Map<string, DeviceSettings>> {
    return serials.length === 0 ? Promise.resolve(new Map()) : this.lookups.add(serials);
  }

  /** The device's own IANA zone, or null when it has none (or is unknown). */
  async zoneOf(serial: string): Promise<string | null> {
    return (await this.settings([serial])).get(serial)?.timeZone ?? null;
  }
}
