// The query string every device request carries. Parameter names are matched without regard
// to case (firmwares differ); values are URL-decoded once and kept verbatim.

export interface DeviceInfo {
  firmware: string | null;
  users: number | null;
  fingerprints: number | null;
  attlogs: number | null;
  ip: string | null;
  fpAlgorithm: string | null;
  faceAlgorithm: string | null;
  facesPerUser: number | null;
  faces: number | null;
  functions: string | null;
  /** Every value as sent (V5.8 firmware sends more than ten). */
  values: string[];
}

export interface DeviceQuery {
  sn: string | null;
  table: string | null;
  /** `Stamp=` (ATTLOG), `OpStamp=` (legacy OPERLOG), `PhotoStamp=`. */
  stamp: string | null;
  opStamp: string | null;
  photoStamp: string | null;
  options: string | null;
  pushver: string | null;
  language: number | null;
  deviceType: string | null;
  pushOptionsFlag: string | null;
  info: DeviceInfo | null;
  /** Every parameter, names lower-cased. */
  params: Record<string, string>;
}

function int(v: string | undefined): number | null {
  if (v === undefined || !/^-?\d+$/.test(v.trim())) return null;
  return Number(v.trim());
}

export function parseInfo(value: string): DeviceInfo {
  const values = value.split(',');
  const text = (i: number) => (values[i] !== undefined && values[i] !== '' ? values[i]! : null);
  // Old firmware sent only 4-6 values, in the same order.
  return {
    firmware: text(0),
    users: int(values[1]),
    fingerprints: int(values[2]),
    attlogs: int(values[3]),
    ip: text(4),
    fpAlgorithm: text(5),
    faceAlgorithm: text(6),
    facesPerUser: int(values[7]),
    faces: int(values[8]),
    functions: text(9),
    values,
  };
}

/**
 * A terminal serial number: letters and digits as ZKTeco prints them (CKJF201960996), and
 * `-`, `_`, `.` (clones, simulators), 1 to 64 of them. Nothing else names a terminal.
 */
export function isSerialNumber(sn: string): boolean {
  return /^[A-Za-z0-9._-]{1,64}$/.test(sn);
}

export function parseDeviceQuery(search: string): DeviceQuery {
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search.startsWith('?') ? search.slice(1) : search)) {
    const key = k.toLowerCase();
    if (!(key in params)) params[key] = v;
  }
  const get = (name: string) => (params[name] !== undefined ? params[name]! : null);
  const info = get('info');
  return {
    sn: get('sn'),
    table: get('table'),
    stamp: get('stamp'),
    opStamp: get('opstamp'),
    photoStamp: get('photostamp'),
    options: get('options'),
    pushver: get('pushver'),
    language: int(params.language),
    deviceType: get('devicetype'),
    pushOptionsFlag: get('pushoptionsflag'),
    info: info === null ? null : parseInfo(info),
    params,
  };
}

export type UploadKind = 'ATTLOG' | 'OPERLOG' | 'ATTPHOTO' | 'BIODATA' | 'ERRORLOG' | 'OPTIONS' | 'IDCARD' | 'RTLOG' | 'RTSTATE' | 'TABLEDATA' | 'UNKNOWN';

/** What a `POST /iclock/cdata` carries: `table=`, or for legacy firmware the stamp it sent. */
export function uploadKind(q: DeviceQuery): UploadKind {
  const table = q.table?.toUpperCase();
  if (table) {
    const known: UploadKind[] = ['ATTLOG', 'OPERLOG', 'ATTPHOTO', 'BIODATA', 'ERRORLOG', 'OPTIONS', 'IDCARD', 'RTLOG', 'RTSTATE', 'TABLEDATA'];
    return known.includes(table as UploadKind) ? (table as UploadKind) : 'UNKNOWN';
  }
  // POST /iclock/querydata answers a DATA QUERY with type=tabledata and no table=.
  if (q.params.type?.toLowerCase() === 'tabledata') return 'TABLEDATA';
  if (q.opStamp !== null) return 'OPERLOG';
  if (q.stamp !== null) return 'ATTLOG';
  if (q.photoStamp !== null) return 'ATTPHOTO';
  return 'UNKNOWN';
}
