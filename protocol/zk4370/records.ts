// The records a buffered read returns: attendance (ATTLOG_RRQ) and users (USERTEMP_RRQ with
// FCT_USER). Either read's data starts with the byte size of the records (32-bit little-endian),
// then the records back to back, all of one size, which depends on the firmware: attendance 8,
// 16 or 40 bytes, users 28 or 72. The size is the total over the count GET_FREE_SIZES gave.
// Times are ZK encoded wall-clock fields in the terminal's own zone: never a Date here.
import { decodeLine } from '../lines.js';
import { type WallTime, decodeZkTime, encodeZkTime } from '../zktime.js';

export const ATTENDANCE_RECORD_SIZES = [8, 16, 40] as const;
export const USER_RECORD_SIZES = [28, 72] as const;
export type AttendanceRecordSize = (typeof ATTENDANCE_RECORD_SIZES)[number];
export type UserRecordSize = (typeof USER_RECORD_SIZES)[number];

/** The longest PIN (user id) a terminal stores: the 24-byte field of 40- and 72-byte records. */
export const MAX_PIN_LENGTH = 24;

export interface ZkAttendance {
  /** The terminal's internal user number; null in 16-byte records, which carry the PIN only. */
  uid: number | null;
  /** The PIN; null in 8-byte records, which carry the internal number only (see pinOf). */
  pin: string | null;
  /** Wall-clock time on the terminal, in its zone. */
  time: WallTime;
  /** How the user verified (fingerprint, card, …), as in ATTLOG's verify field. */
  verifyMode: number;
  /** The punch state (0 check-in, 1 check-out, …), as in ATTLOG's status field. */
  punchState: number;
  /** Only 16-byte records have one. */
  workCode: number | null;
}

export interface ZkUser {
  uid: number;
  pin: string;
  name: string;
  privilege: number;
  password: string;
  card: number;
  group: string;
}

/** The data is not what its size prefix or the record count says (a read cut short, or an unknown layout). */
export class ZkRecordError extends Error {
  override name = 'ZkRecordError';
}

/** The records' size from the data's prefix and the count: checks the data holds them all, whole. */
function recordSizeOf<S extends number>(data: Uint8Array, count: number, sizes: readonly S[], what: string): { size: S | null; body: Uint8Array } {
  if (count === 0) return { size: null, body: new Uint8Array(0) };
  if (data.length < 4) throw new ZkRecordError(`${what}: ${data.length} bytes, too short for the size prefix`);
  const total = new DataView(data.buffer, data.byteOffset, data.length).getUint32(0, true);
  const body = data.subarray(4);
  if (body.length !== total) throw new ZkRecordError(`${what}: the prefix says ${total} bytes and ${body.length} came`);
  const size = total / count;
  if (!sizes.includes(size as S)) throw new ZkRecordError(`${what}: ${total} bytes for ${count} records is ${size} a record, not one of ${sizes.join(', ')}`);
  return { size: size as S, body };
}

/** A NUL-terminated text field: strict UTF-8, else the legacy code page (names on older firmware). */
function text(bytes: Uint8Array, legacy?: string): string {
  const end = bytes.indexOf(0);
  return decodeLine(end === -1 ? bytes : bytes.subarray(0, end), legacy);
}

/**
 * Attendance records from a read's data, `count` of them (GET_FREE_SIZES's record count, read
 * while the terminal is disabled, so neither changes in between).
 */
export function decodeAttendance(data: Uint8Array, count: number): { recordSize: AttendanceRecordSize | null; records: ZkAttendance[] } {
  const { size, body } = recordSizeOf(data, count, ATTENDANCE_RECORD_SIZES, 'attendance records');
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const records: ZkAttendance[] = [];
  for (let at = 0; size !== null && at < body.length; at += size) {
    if (size === 8) {
      records.push({ uid: view.getUint16(at, true), pin: null, verifyMode: view.getUint8(at + 2), time: decodeZkTime(view.getUint32(at + 3, true)), punchState: view.getUint8(at + 7), workCode: null });
    } else if (size === 16) {
      records.push({ uid: null, pin: String(view.getUint32(at, true)), time: decodeZkTime(view.getUint32(at + 4, true)), verifyMode: view.getUint8(at + 8), punchState: view.getUint8(at + 9), workCode: view.getUint32(at + 12, true) });
    } else {
      records.push({ uid: view.getUint16(at, true), pin: text(body.subarray(at + 2, at + 26)), verifyMode: view.getUint8(at + 26), time: decodeZkTime(view.getUint32(at + 27, true)), punchState: view.getUint8(at + 31), workCode: null });
    }
  }
  return { recordSize: size, records };
}

/** User records from a read's data, `count` of them. `legacy`: the code page of names that are not UTF-8. */
export function decodeUsers(data: Uint8Array, count: number, legacy?: string): { recordSize: UserRecordSize | null; users: ZkUser[] } {
  const { size, body } = recordSizeOf(data, count, USER_RECORD_SIZES, 'user records');
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const users: ZkUser[] = [];
  for (let at = 0; size !== null && at < body.length; at += size) {
    const field = (from: number, length: number) => body.subarray(at + from, at + from + length);
    if (size === 28) {
      users.push({ uid: view.getUint16(at, true), privilege: view.getUint8(at + 2), password: text(field(3, 5)), name: text(field(8, 8), legacy), card: view.getUint32(at + 16, true), group: String(view.getUint8(at + 21)), pin: String(view.getUint32(at + 24, true)) });
    } else {
      users.push({ uid: view.getUint16(at, true), privilege: view.getUint8(at + 2), password: text(field(3, 8)), name: text(field(11, 24), legacy), card: view.getUint32(at + 35, true), group: text(field(40, 7)), pin: text(field(48, 24)) });
    }
  }
  return { recordSize: size, users };
}

/** The PIN of an attendance record: its own, else (8-byte records) that of the user with its internal number, else that number. */
export function pinOf(record: ZkAttendance, usersByUid: ReadonlyMap<number, ZkUser>): string {
  if (record.pin !== null) return record.pin;
  return usersByUid.get(record.uid!)?.pin ?? String(record.uid);
}

const utf8 = new TextEncoder();

/** A text field of `length` bytes, NUL-padded; longer text is refused, never cut. */
function putText(out: Uint8Array, at: number, length: number, value: string, what: string): void {
  const bytes = utf8.encode(value);
  if (bytes.length > length) throw new ZkRecordError(`${what} "${value}" is ${bytes.length} bytes; the field holds ${length}`);
  out.set(bytes, at);
}

function withPrefix(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, true);
  out.set(body, 4);
  return out;
}

/** A numeric PIN, as 16-byte attendance and 28-byte user records hold it. */
function numericPin(pin: string): number {
  if (!/^\d{1,10}$/.test(pin) || Number(pin) > 0xffffffff) throw new ZkRecordError(`PIN "${pin}" does not fit a 32-bit number`);
  return Number(pin);
}

/** A read's data for these attendance records in the given layout (what a terminal sends; the emulator's side). */
export function encodeAttendance(records: ZkAttendance[], size: AttendanceRecordSize): Uint8Array {
  const body = new Uint8Array(records.length * size);
  const view = new DataView(body.buffer);
  records.forEach((r, i) => {
    const at = i * size;
    const time = encodeZkTime(r.time);
    if (size === 8) {
      view.setUint16(at, r.uid ?? 0, true);
      view.setUint8(at + 2, r.verifyMode);
      view.setUint32(at + 3, time, true);
      view.setUint8(at + 7, r.punchState);
    } else if (size === 16) {
      view.setUint32(at, numericPin(r.pin ?? ''), true);
      view.setUint32(at + 4, time, true);
      view.setUint8(at + 8, r.verifyMode);
      view.setUint8(at + 9, r.punchState);
      view.setUint32(at + 12, r.workCode ?? 0, true);
    } else {
      view.setUint16(at, r.uid ?? 0, true);
      putText(body, at + 2, MAX_PIN_LENGTH, r.pin ?? '', 'PIN');
      view.setUint8(at + 26, r.verifyMode);
      view.setUint32(at + 27, time, true);
      view.setUint8(at + 31, r.punchState);
    }
  });
  return withPrefix(body);
}

/** A read's data for these users in the given layout. */
export function encodeUsers(users: ZkUser[], size: UserRecordSize): Uint8Array {
  const body = new Uint8Array(users.length * size);
  const view = new DataView(body.buffer);
  users.forEach((u, i) => {
    const at = i * size;
    view.setUint16(at, u.uid, true);
    view.setUint8(at + 2, u.privilege);
    if (size === 28) {
      putText(body, at + 3, 5, u.password, 'password');
      putText(body, at + 8, 8, u.name, 'name');
      view.setUint32(at + 16, u.card, true);
      view.setUint8(at + 21, Number(u.group) || 0);
      view.setUint32(at + 24, numericPin(u.pin), true);
    } else {
      putText(body, at + 3, 8, u.password, 'password');
      putText(body, at + 11, 24, u.name, 'name');
      view.setUint32(at + 35, u.card, true);
      putText(body, at + 40, 7, u.group, 'group');
      putText(body, at + 48, MAX_PIN_LENGTH, u.pin, 'PIN');
    }
  });
  return withPrefix(body);
}
