// A device as the API and the CLI show it (snake_case, instants as ISO text): both fronts print
// it, so it lives here, below them both.
import type { Device } from './registry.js';

/** The API's and the CLI's view of a device. */
export function deviceView(d: Device) {
  return {
    serial: d.serial,
    alias: d.alias,
    site: d.site,
    time_zone: d.timeZone,
    state: d.state,
    push_version: d.pushVersion,
    push_generation: d.pushGeneration,
    firmware: d.firmware,
    language: d.language,
    device_type: d.deviceType,
    stamps: { attlog: d.attlogStamp, operlog: d.operlogStamp, attphoto: d.attphotoStamp, biodata: d.biodataStamp },
    info: d.info,
    info_at: d.infoAt?.toISOString() ?? null,
    clock_drift_seconds: d.clockDriftSeconds,
    clock_drift_at: d.clockDriftAt?.toISOString() ?? null,
    options: d.options,
    last_seen_at: d.lastSeenAt?.toISOString() ?? null,
    last_address: d.lastAddress,
    created_at: d.createdAt.toISOString(),
  };
}
