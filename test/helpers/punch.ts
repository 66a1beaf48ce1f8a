// A Punch as a channel would produce it, for tests that feed the pipeline directly.
import type { Punch } from '../../src/pipeline/punch.js';
import { parseTimestamp } from '../../src/pipeline/time.js';

export function makePunch(user: string, local: string, extra: Partial<Punch> = {}): Punch {
  const t = parseTimestamp(local, extra.timeZone ?? 'UTC');
  return {
    deviceSerial: 'SN-1',
    deviceId: null,
    site: 'main',
    deviceUserId: user,
    localTime: t.localTime,
    instant: t.instant,
    timeZone: t.timeZone,
    logType: 'AUTO',
    punchState: null,
    verifyMode: null,
    workCode: null,
    latitude: null,
    longitude: null,
    source: 'replay',
    ...extra,
  };
}
