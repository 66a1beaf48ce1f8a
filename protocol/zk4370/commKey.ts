// The comm key (the terminal's "COMM Key", a number set on its menu): a terminal that has one
// answers CONNECT with ACK_UNAUTH, and the client proves the key with AUTH, whose 4 bytes mix the
// key with the session id the terminal just gave (ZKTeco's commpro.c MakeKey, as pyzk reads it).

/** The largest key a terminal accepts; its menu takes up to 6 digits, the field is 32-bit. */
export const MAX_COMM_KEY = 0xffffffff;

/**
 * AUTH's data for `key` on session `sessionId`: the key's 32 bits reversed, plus the session id
 * (mod 2^32), as little-endian bytes XORed with "ZKSO", its two 16-bit halves swapped, then
 * bytes 0, 1 and 3 XORed with `ticks` and byte 2 replaced by it.
 */
export function commKeyBytes(key: number, sessionId: number, ticks = 50): Uint8Array {
  if (!Number.isInteger(key) || key < 0 || key > MAX_COMM_KEY) throw new RangeError(`a comm key is a whole number from 0 to ${MAX_COMM_KEY}, not ${key}`);
  let reversed = 0;
  for (let bit = 0; bit < 32; bit++) reversed = reversed * 2 + (Math.floor(key / 2 ** bit) % 2);
  const k = (reversed + sessionId) % 2 ** 32;
  const b = [k & 0xff, (k >>> 8) & 0xff, Math.floor(k / 2 ** 16) & 0xff, Math.floor(k / 2 ** 24) & 0xff];
  const z = [b[0]! ^ 0x5a, b[1]! ^ 0x4b, b[2]! ^ 0x53, b[3]! ^ 0x4f]; // "ZKSO"
  const swapped = [z[2]!, z[3]!, z[0]!, z[1]!];
  const t = ticks & 0xff;
  return Uint8Array.of(swapped[0]! ^ t, swapped[1]! ^ t, t, swapped[3]! ^ t);
}
