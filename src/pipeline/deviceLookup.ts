// What the pipeline needs to know about a device: its site and time zone.
import type { Knex } from 'knex';
import { type DeviceSettings, findDeviceSettings } from '../store/devices.js';

export type { DeviceSettings };

export class DeviceLookup {
  constructor(private readonly knex: Knex) {}

  settings(serials: string[]): Promise<Map<string, DeviceSettings>> {
    return findDeviceSettings(this.knex, serials);
  }

  /** The device's own IANA zone, or null when it has none (or is unknown). */
  async zoneOf(serial: string): Promise<string | null> {
    return (await this.settings([serial])).get(serial)?.timeZone ?? null;
  }
}
