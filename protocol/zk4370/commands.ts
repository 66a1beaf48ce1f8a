// The data of the requests a poller sends and of the replies it reads, beyond the framing:
// options, free sizes, device time and the buffered read. Pure: bytes in, values out.
import { type WallTime, decodeZkTime, encodeZkTime } from '../zktime.js';

const ascii = new TextEncoder();
const latin = new TextDecoder('latin1');

/** OPTIONS_RRQ's data: the option's name, NUL-terminated (`~SerialNumber`, `~Platform`, …). */
export function optionRequest(name: string): Uint8Array {
  if (!/^~?[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new RangeError(`not an option name: ${name}`);
  return ascii.encode(`${name}\0`);
}

/** The option an OPTIONS_RRQ request asks for (the emulator's side): its name, up to the NUL. */
export function optionName(data: Uint8Array): string {
  const end = data.indexOf(0);
  return latin.decode(end === -1 ? data : data.subarray(0, end));
}

/** The value of an OPTIONS_RRQ reply (`~SerialNumber=ABC123\0`); null when the terminal has no such option (no `=`). */
export function optionValue(data: Uint8Array): string | null {
  const end = data.indexOf(0);
  const textOf = latin.decode(end === -1 ? data : data.subarray(0, end));
  const eq = textOf.indexOf('=');
  return eq === -1 ? null : textOf.slice(eq + 1);
}

/** An OPTIONS_RRQ reply's data: what a terminal answers (the emulator's side). */
export function optionReply(name: string, value: string): Uint8Array {
  return ascii.encode(`${name}=${value}\0`);
}

/** What GET_FREE_SIZES says: counts stored and capacities (faces only on terminals that have them). */
export interface FreeSizes {
  users: number;
  fingers: number;
  records: number;
  cards: number;
  fingersCapacity: number;
  usersCapacity: number;
  recordsCapacity: number;
  fingersAvailable: number;
  usersAvailable: number;
  recordsAvailable: number;
  faces: number | null;
  facesCapacity: number | null;
}

/** The 20 signed 32-bit fields of a GET_FREE_SIZES reply, and the indexes of those known. */
const SIZE_FIELDS = { users: 4, fingers: 6, records: 8, cards: 12, fingersCapacity: 14, usersCapacity: 15, recordsCapacity: 16, fingersAvailable: 17, usersAvailable: 18, recordsAvailable: 19 } as const;
const SIZE_BYTES = 80;
const FACE_BYTES = 12;

/** A GET_FREE_SIZES reply's data; null when it is too short to hold the counts (not this reply). */
export function decodeFreeSizes(data: Uint8Array): FreeSizes | null {
  if (data.length < SIZE_BYTES) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const field = (i: number) => view.getInt32(i * 4, true);
  const faces = data.length >= SIZE_BYTES + FACE_BYTES;
  return {
    ...(Object.fromEntries(Object.entries(SIZE_FIELDS).map(([name, i]) => [name, field(i)])) as Omit<FreeSizes, 'faces' | 'facesCapacity'>),
    faces: faces ? view.getInt32(SIZE_BYTES, true) : null,
    facesCapacity: faces ? view.getInt32(SIZE_BYTES + 8, true) : null,
  };
}

/** A GET_FREE_SIZES reply's data (the emulator's side); the fields no one reads are 0. */
export function encodeFreeSizes(s: FreeSizes): Uint8Array {
  const withFaces = s.faces !== null && s.facesCapacity !== null;
  const out = new Uint8Array(SIZE_BYTES + (withFaces ? FACE_BYTES : 0));
  const view = new DataView(out.buffer);
  for (const [name, i] of Object.entries(SIZE_FIELDS)) view.setInt32(i * 4, s[name as keyof typeof SIZE_FIELDS], true);
  if (withFaces) {
    view.setInt32(SIZE_BYTES, s.faces!, true);
    view.setInt32(SIZE_BYTES + 8, s.facesCapacity!, true);
  }
  return out;
}

/** GET_TIME's reply data and SET_TIME's request data: the terminal's wall clock, ZK encoded (32-bit LE). */
export function encodeDeviceTime(t: WallTime): Uint8Array {
  if (t.year < 2000 || t.year > 2099) throw new RangeError(`a terminal's clock runs from 2000 to 2099, not ${t.year}`);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, encodeZkTime(t), true);
  return out;
}

export function decodeDeviceTime(data: Uint8Array): WallTime | null {
  if (data.length < 4) return null;
  return decodeZkTime(new DataView(data.buffer, data.byteOffset, data.length).getUint32(0, true));
}

/** DATA_WRRQ's data: start a buffered read of what `command` returns (1, command 16-bit, fct and ext 32-bit). */
export function bufferedReadRequest(command: number, fct = 0, ext = 0): Uint8Array {
  const out = new Uint8Array(11);
  const view = new DataView(out.buffer);
  view.setInt8(0, 1);
  view.setInt16(1, command, true);
  view.setInt32(3, fct, true);
  view.setInt32(7, ext, true);
  return out;
}

/** What a DATA_WRRQ request asks for (the emulator's side); null when it is not one. */
export function parseBufferedReadRequest(data: Uint8Array): { command: number; fct: number; ext: number } | null {
  if (data.length < 11) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  return { command: view.getInt16(1, true), fct: view.getInt32(3, true), ext: view.getInt32(7, true) };
}

/** The size a terminal prepared for a buffered read (ACK_OK to DATA_WRRQ: a byte, then the size, 32-bit LE). */
export function bufferedReadSize(data: Uint8Array): number | null {
  if (data.length < 5) return null;
  return new DataView(data.buffer, data.byteOffset, data.length).getUint32(1, true);
}

/** ACK_OK's data to DATA_WRRQ (the emulator's side). */
export function bufferedReadReply(size: number): Uint8Array {
  const out = new Uint8Array(9);
  new DataView(out.buffer).setUint32(1, size, true);
  return out;
}

/** The most a terminal sends per chunk of a buffered read over TCP. */
export const MAX_CHUNK_BYTES = 0xffc0;

/** DATA_RDY's data: the chunk at `start`, `size` bytes (signed 32-bit LE each). */
export function chunkRequest(start: number, size: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setInt32(0, start, true);
  view.setInt32(4, size, true);
  return out;
}

export function parseChunkRequest(data: Uint8Array): { start: number; size: number } | null {
  if (data.length < 8) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  return { start: view.getInt32(0, true), size: view.getInt32(4, true) };
}

/** PREPARE_DATA's data: how many bytes the DATA packets after it carry (32-bit LE). */
export function prepareDataSize(data: Uint8Array): number | null {
  if (data.length < 4) return null;
  return new DataView(data.buffer, data.byteOffset, data.length).getUint32(0, true);
}

export function prepareData(size: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, size, true);
  return out;
}
