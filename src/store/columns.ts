// What every text column can hold, as the migrations made it: VARCHAR(n) holds n characters
// (code points, in utf8mb4), TEXT 65,535 bytes of UTF-8. SQLite enforces neither, so nothing
// may rely on the database to refuse: what comes from outside is checked or clipped against
// these figures before it is written. test/store/schema.test.ts reads the live schema on both
// databases and fails when a column is missing here or holds something else.

/** MySQL TEXT and MEDIUMTEXT, in bytes. */
export const TEXT_BYTES = 65_535;
export const MEDIUMTEXT_BYTES = 16_777_215;
const LONGTEXT_BYTES = 4_294_967_295;

/** A column's capacity: characters for VARCHAR, bytes for the TEXT types. */
export type Capacity = { chars: number } | { bytes: number };
const chars = (n: number): Capacity => ({ chars: n });
const text: Capacity = { bytes: TEXT_BYTES };

export const COLUMNS = {
  api_keys: { api_key: chars(32), secret_hash: chars(128), label: chars(200), role: chars(16) },
  attendance: { name: chars(32), shift_type: chars(140), status: chars(16) },
  checkins: { name: chars(32), log_type: chars(8), device_id: chars(64), shift_type: chars(140) },
  console_sessions: { token_hash: chars(64), api_key: chars(32) },
  daily_jobs: { name: chars(64), last_day: chars(10) },
  devices: {
    serial: chars(64),
    alias: chars(100),
    site: chars(64),
    time_zone: chars(64),
    state: chars(16),
    push_version: chars(32),
    firmware: chars(100),
    last_address: chars(64),
    device_type: chars(32),
    push_generation: chars(8),
    attlog_stamp: chars(32),
    operlog_stamp: chars(32),
    attphoto_stamp: chars(32),
    biodata_stamp: chars(32),
    info: text,
    options: text,
  },
  device_commands: { device_serial: chars(64), command: text, state: chars(16), result: { bytes: MEDIUMTEXT_BYTES }, created_by: chars(200) },
  device_heartbeats: { device_serial: chars(64) },
  device_requests: { request_id: chars(32), device_serial: chars(64), method: chars(8), path: chars(200), query: text, remote_address: chars(64), outcome: chars(16), error: text },
  device_templates: { device_serial: chars(64), pin: chars(64), kind: chars(16), slot: chars(64), fields: { bytes: LONGTEXT_BYTES } },
  device_users: { device_serial: chars(64), pin: chars(64), name: chars(200), card: chars(64) },
  employees: { employee: chars(32), name: chars(200), site: chars(64), attendance_device_id: chars(64), status: chars(16), default_shift: chars(140), holiday_list: chars(140) },
  holidays: { holiday_list: chars(140), description: chars(200) },
  outbox: { event: chars(32), idempotency_key: chars(64), state: chars(16), claimed_by: chars(100), failure_reason: chars(32), last_error: text, remote_ref: chars(140) },
  punch_reviews: { action: chars(16), from_status: chars(16), to_status: chars(16), detail: chars(500), actor: chars(200) },
  outbox_targets: { name: chars(64), kind: chars(16), url: chars(500), state: chars(16), state_reason: text, settings: text, secret: text, last_error: text },
  punches: {
    device_serial: chars(64),
    device_id: chars(64),
    site: chars(64),
    device_user_id: chars(64),
    local_time: chars(19),
    time_zone: chars(64),
    log_type: chars(8),
    work_code: chars(32),
    source: chars(16),
    status: chars(16),
  },
  series: { prefix: chars(64) },
  shift_assignments: { status: chars(16) },
  shift_types: {
    name: chars(140),
    start_time: chars(8),
    end_time: chars(8),
    determine_check_in_and_check_out: chars(16),
    working_hours_calculation_based_on: chars(16),
    holiday_list: chars(140),
  },
  sync_log: { request_id: chars(32), channel: chars(16), endpoint: chars(200), device: chars(64), status: chars(16), error: text, remote_address: chars(64) },
  zk_pollers: { device_serial: chars(64), host: chars(253), cursor_pin: chars(64), cursor_time: chars(19), lease_owner: chars(64), last_error_kind: chars(32), last_error: text },
} as const satisfies Record<string, Record<string, Capacity>>;

type Tables = typeof COLUMNS;

/** The characters a VARCHAR column holds. */
export function charsOf<T extends keyof Tables>(table: T, column: keyof Tables[T]): number {
  const c = COLUMNS[table][column] as Capacity;
  if (!('chars' in c)) throw new Error(`${String(table)}.${String(column)} is not a VARCHAR`);
  return c.chars;
}

/** Signed 32-bit INT, the type of every counter and code column. */
export const INT_MIN = -2_147_483_648;
export const INT_MAX = 2_147_483_647;

export function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX;
}

/** The instants DATETIME holds on both databases (MariaDB and MySQL take years 1 to 9999). */
const INSTANT_MIN_MS = Date.parse('0001-01-01T00:00:00Z');
const INSTANT_MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

export function isStorableInstant(d: Date): boolean {
  const t = d.getTime();
  return Number.isFinite(t) && t >= INSTANT_MIN_MS && t <= INSTANT_MAX_MS;
}

/** Characters as MySQL counts them: code points. */
export function charLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Control characters (C0, DEL, C1): never part of an identifier. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** An identifier a VARCHAR(max) column holds exactly: 1 to `max` characters, well-formed, no control characters. */
export function identifierProblem(value: string, max: number): string | null {
  if (value.length === 0) return 'is empty';
  // A lone surrogate would be written as U+FFFD, and the row would no longer match its key.
  if (!value.isWellFormed()) return 'is not valid Unicode text';
  if (CONTROL.test(value)) return 'holds a control character';
  if (charLength(value) > max) return `is longer than ${max} characters`;
  return null;
}

/** Descriptive text cut to a VARCHAR's `max` characters (well-formed: a lone surrogate becomes U+FFFD). */
export function clipChars(value: string, max: number): string {
  const s = value.toWellFormed();
  if (s.length <= max) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    if (n++ === max) break;
    out += ch;
  }
  return out;
}

/**
 * An object as JSON within `maxBytes` (a TEXT column): as it is when it fits; else each string
 * value cut to 256 characters; else the entries that fit, in order. A terminal's INFO or
 * option block is a few kilobytes, so only a hostile one is ever cut.
 */
export function jsonWithin(value: Record<string, unknown>, maxBytes: number = TEXT_BYTES): string {
  const whole = JSON.stringify(value);
  if (Buffer.byteLength(whole, 'utf8') <= maxBytes) return whole;
  const cut = Object.entries(value).map(([k, v]) => [clipChars(k, 256), typeof v === 'string' ? clipChars(v, 256) : v] as const);
  const kept: Record<string, unknown> = {};
  let bytes = 2;
  for (const [k, v] of cut) {
    const entry = Buffer.byteLength(JSON.stringify({ [k]: v }), 'utf8') - 1;
    if (bytes + entry > maxBytes) break;
    kept[k] = v;
    bytes += entry;
  }
  return JSON.stringify(kept);
}

/** Text cut to at most `maxBytes` bytes of UTF-8, on a character boundary, with a mark where it was cut. */
export function clipBytes(value: string, maxBytes: number = TEXT_BYTES): string {
  const s = value.toWellFormed();
  if (s.length * 3 <= maxBytes || Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  const mark = ' …';
  const budget = maxBytes - Buffer.byteLength(mark, 'utf8');
  const bytes = Buffer.from(s, 'utf8').subarray(0, budget);
  // Drop the last character when it may be cut in half: its continuation bytes and lead byte.
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1]! & 0xc0) === 0x80) end--;
  if (end > 0 && bytes[end - 1]! >= 0xc0) end--;
  return bytes.subarray(0, end).toString('utf8') + mark;
}
