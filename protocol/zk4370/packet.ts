// The ZK binary protocol's TCP framing (port 4370): an 8-byte prefix, 50 50 82 7d and the
// length of what follows (32-bit little-endian), then a packet: command, checksum, session id,
// reply id (16-bit little-endian each) and the command's data. A TCP stream may cut a packet
// anywhere or carry several in one read: PacketReader takes bytes as they come.

/** Commands and replies this codec speaks (ZKTeco's communication protocol manual; pyzk's const.py). */
export const ZK = {
  CONNECT: 1000,
  EXIT: 1001,
  ENABLE_DEVICE: 1002,
  DISABLE_DEVICE: 1003,
  AUTH: 1102,
  OPTIONS_RRQ: 11,
  ATTLOG_RRQ: 13,
  USERTEMP_RRQ: 9,
  CLEAR_ATTLOG: 15,
  GET_FREE_SIZES: 50,
  GET_TIME: 201,
  SET_TIME: 202,
  PREPARE_DATA: 1500,
  DATA: 1501,
  FREE_DATA: 1502,
  /** Undocumented (pyzk's _CMD_PREPARE_BUFFER): start a buffered read of what a command (ATTLOG_RRQ…) returns. */
  DATA_WRRQ: 1503,
  /** Undocumented (_CMD_READ_BUFFER): one chunk of that buffer, at an offset. */
  DATA_RDY: 1504,
  ACK_OK: 2000,
  ACK_ERROR: 2001,
  ACK_DATA: 2002,
  ACK_UNAUTH: 2005,
} as const;

/** The function code USERTEMP_RRQ takes for user records (FCT_USER). */
export const FCT_USER = 5;

/** The session id and reply id are 16-bit; a reply id counts up and wraps below this. */
export const USHRT_MAX = 0xffff;

const MAGIC = [0x50, 0x50, 0x82, 0x7d] as const;
/** The TCP prefix: magic and length. */
export const PREFIX_BYTES = 8;
/** command, checksum, session id, reply id. */
export const HEADER_BYTES = 8;
/**
 * The largest packet accepted: a read's chunk is at most 65,472 bytes (MAX_CHUNK), but a small
 * buffer may come whole in one DATA reply. Past this a stream is not this protocol.
 */
export const MAX_PACKET_BYTES = 16 * 1024 * 1024;

export interface ZkPacket {
  command: number;
  /** As sent; see zkChecksum for why it is not checked. */
  checksum: number;
  sessionId: number;
  replyId: number;
  data: Uint8Array;
}

/**
 * The packet checksum as ZKTeco's SDK and pyzk compute it: 16-bit little-endian words summed,
 * folded by subtracting 65535 whenever past it, a trailing odd byte added, then complemented
 * the way pyzk does (65534 − sum, wrapping below 0 by 65535). Terminals do not check it (pyzk's
 * complement is one below the C SDK's, and both are accepted), so a reader does not either:
 * TCP already guards the bytes.
 */
export function zkChecksum(bytes: Uint8Array): number {
  let sum = 0;
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    sum += bytes[i]! | (bytes[i + 1]! << 8);
    if (sum > USHRT_MAX) sum -= USHRT_MAX;
  }
  if (i < bytes.length) sum += bytes[i]!;
  while (sum > USHRT_MAX) sum -= USHRT_MAX;
  let complement = -sum - 1;
  while (complement < 0) complement += USHRT_MAX;
  return complement;
}

/** The next reply id after `replyId`: +1, wrapping below 65535 as terminals and pyzk do. */
export function nextReplyId(replyId: number): number {
  const next = replyId + 1;
  return next >= USHRT_MAX ? next - USHRT_MAX : next;
}

/** One packet with its TCP prefix, its checksum computed over the header and data. */
export function encodePacket(p: { command: number; sessionId: number; replyId: number; data?: Uint8Array }): Uint8Array {
  const data = p.data ?? new Uint8Array(0);
  for (const [name, v] of [['command', p.command], ['sessionId', p.sessionId], ['replyId', p.replyId]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > USHRT_MAX) throw new RangeError(`${name} must be a 16-bit unsigned integer, not ${v}`);
  }
  const out = new Uint8Array(PREFIX_BYTES + HEADER_BYTES + data.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, HEADER_BYTES + data.length, true);
  view.setUint16(8, p.command, true);
  view.setUint16(10, 0, true);
  view.setUint16(12, p.sessionId, true);
  view.setUint16(14, p.replyId, true);
  out.set(data, PREFIX_BYTES + HEADER_BYTES);
  view.setUint16(10, zkChecksum(out.subarray(PREFIX_BYTES)), true);
  return out;
}

/** The stream is not the ZK TCP protocol (wrong magic, or a length no packet has). */
export class ZkFramingError extends Error {
  override name = 'ZkFramingError';
}

/**
 * Reads packets from a TCP byte stream however it is cut: `push` each chunk as it arrives and
 * take the packets it completes (none, one or many). Bytes of an unfinished packet wait for
 * the next chunk. A stream that breaks the framing throws ZkFramingError; it cannot be resynced.
 */
export class PacketReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  /** Bytes received that do not yet make a whole packet. */
  get pending(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): ZkPacket[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const packets: ZkPacket[] = [];
    for (;;) {
      if (this.buffered < PREFIX_BYTES) return packets;
      const prefix = this.peek(PREFIX_BYTES);
      if (MAGIC.some((b, i) => prefix[i] !== b)) {
        throw new ZkFramingError(`not a ZK packet: starts ${hex(prefix.subarray(0, 4))}, not 50 50 82 7d`);
      }
      const length = new DataView(prefix.buffer, prefix.byteOffset, PREFIX_BYTES).getUint32(4, true);
      if (length < HEADER_BYTES || length > MAX_PACKET_BYTES) throw new ZkFramingError(`a ZK packet cannot be ${length} bytes long`);
      if (this.buffered < PREFIX_BYTES + length) return packets;
      const bytes = this.take(PREFIX_BYTES + length);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      packets.push({
        command: view.getUint16(8, true),
        checksum: view.getUint16(10, true),
        sessionId: view.getUint16(12, true),
        replyId: view.getUint16(14, true),
        data: bytes.subarray(PREFIX_BYTES + HEADER_BYTES),
      });
    }
  }

  /** The first n buffered bytes, without consuming them. */
  private peek(n: number): Uint8Array {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    this.flatten();
    return this.chunks[0]!;
  }

  /** Consumes and returns the first n buffered bytes (n ≤ buffered). */
  private take(n: number): Uint8Array {
    if (this.chunks[0]!.length < n) this.flatten();
    const first = this.chunks[0]!;
    const taken = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return taken;
  }

  private flatten(): void {
    const all = new Uint8Array(this.buffered);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.chunks = [all];
  }
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
