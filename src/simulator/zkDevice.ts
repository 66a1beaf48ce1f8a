// An emulated terminal that answers the ZK binary protocol on a TCP port, as 4370-only
// terminals do: for iclockd's poller tests and `iclockd simulate --zk`. It holds an attendance
// log and users in one of the firmware layouts, may require a comm key, answers reads in one of
// three ways a real network delivers them (each packet in its own write, one combined write, or
// 1 KB fragments), can fall silent (from the start, or mid-read), and its log can grow, shrink
// or rotate between polls. It records what clients did to it: enabled or not, clears, clock sets,
// and how many sessions were open at once.
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import type { WallTime } from '../../protocol/zktime.js';
import { instantToWallTime, wallToInstant } from '../pipeline/time.js';
import {
  type AttendanceRecordSize,
  FCT_USER,
  PacketReader,
  type UserRecordSize,
  ZK,
  type ZkAttendance,
  type ZkPacket,
  type ZkUser,
  bufferedReadReply,
  commKeyBytes,
  decodeDeviceTime,
  encodeAttendance,
  encodeDeviceTime,
  encodeFreeSizes,
  encodePacket,
  encodeUsers,
  optionName,
  optionReply,
  parseBufferedReadRequest,
  parseChunkRequest,
  prepareData,
} from '../../protocol/zk4370/index.js';

/** How a reply of several packets reaches the client. */
export type ZkDelivery = 'separate' | 'combined' | 'fragments';
export const ZK_DELIVERIES: readonly ZkDelivery[] = ['separate', 'combined', 'fragments'];

/** Bytes per write in `fragments` delivery. */
const FRAGMENT_BYTES = 1024;
/** The most a DATA packet carries before the rest follows in another (terminals split large chunks). */
const DATA_PACKET_BYTES = 16 * 1024;

export interface ZkDeviceOptions {
  serialNumber: string;
  /** 0: no comm key. */
  commKey?: number;
  attendanceRecordSize?: AttendanceRecordSize;
  userRecordSize?: UserRecordSize;
  delivery?: ZkDelivery;
  /** Records the log can hold (GET_FREE_SIZES). */
  recordCapacity?: number;
  /** The terminal's wall clock; default: the host's UTC time. */
  clock?: () => WallTime;
}

/** What clients did to the terminal. */
export interface ZkDeviceState {
  enabled: boolean;
  /** Sessions open now, and the most ever open at once. */
  openSessions: number;
  mostSessionsAtOnce: number;
  connections: number;
  authFailures: number;
  clears: number;
  /** Every SET_TIME, in order. */
  timeSets: WallTime[];
  /** Chunks of buffered reads answered. */
  chunksServed: number;
}

export class ZkDevice {
  records: ZkAttendance[] = [];
  users: ZkUser[] = [];
  readonly state: ZkDeviceState = { enabled: true, openSessions: 0, mostSessionsAtOnce: 0, connections: 0, authFailures: 0, clears: 0, timeSets: [], chunksServed: 0 };
  /** Answer nothing at all (a hung terminal, or one behind a black-holing firewall). */
  silent = false;
  /** Fall silent after serving this many chunks (a terminal that stops answering mid-read); null: never. */
  silentAfterChunks: number | null = null;
  /** Commands this terminal's firmware answers with ACK_ERROR (one without GET_TIME, say). */
  readonly refuses = new Set<number>();
  /** Waits this long before answering each chunk of a read (a slow terminal, or a slow link). */
  chunkDelayMs = 0;
  /** Called as a read of the log is prepared (a test adds a punch "during" the read). */
  onAttendanceRead: (() => void) | null = null;
  /** Time offset SET_TIME applied, in seconds from the base clock. */
  private clockOffsetSeconds = 0;
  /** Past this many records the oldest are dropped as new ones come (a log that rotates); null: it only grows. */
  rotateAt: number | null = null;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  readonly options: Required<Omit<ZkDeviceOptions, 'clock'>> & { clock: () => WallTime };

  constructor(options: ZkDeviceOptions) {
    this.options = {
      commKey: 0,
      attendanceRecordSize: 40,
      userRecordSize: 72,
      delivery: 'separate',
      recordCapacity: 100_000,
      clock: () => wallTimeOfUtc(new Date()),
      ...options,
    };
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  /** A punch made on the terminal: appended, the oldest dropped when the log rotates. */
  punch(record: ZkAttendance): void {
    this.records.push(record);
    if (this.rotateAt !== null && this.records.length > this.rotateAt) this.records.splice(0, this.records.length - this.rotateAt);
  }

  /** The terminal's clock now, with what SET_TIME changed. */
  now(): WallTime {
    const base = this.options.clock();
    const ms = utcMillis(base) + this.clockOffsetSeconds * 1000;
    return wallTimeOfUtc(new Date(ms));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    this.state.connections++;
    socket.setNoDelay(true);
    const reader = new PacketReader();
    const session = { id: 0, authenticated: false, open: false, buffer: null as Uint8Array | null };
    const end = () => {
      this.sockets.delete(socket);
      if (session.open) this.state.openSessions--;
      session.open = false;
    };
    socket.on('close', end);
    socket.on('error', () => socket.destroy());
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let packets: ZkPacket[];
      try {
        packets = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      // One request at a time, in order, as a terminal's single-threaded handler does.
      for (const p of packets) queue = queue.then(() => this.answer(socket, session, p)).catch(() => {
        socket.destroy();
      });
    });
  }

  private async answer(socket: Socket, session: { id: number; authenticated: boolean; open: boolean; buffer: Uint8Array | null }, p: ZkPacket): Promise<void> {
    if (this.silent) return;
    const reply = (command: number, data?: Uint8Array) => encodePacket({ command, sessionId: session.id, replyId: p.replyId, data });
    const send = (...packets: Uint8Array[]) => this.deliver(socket, packets);
    if (p.command === ZK.CONNECT) {
      session.id = 1 + Math.floor(Math.random() * 0xfffe);
      session.authenticated = this.options.commKey === 0;
      if (!session.open) {
        session.open = true;
        this.state.openSessions++;
        this.state.mostSessionsAtOnce = Math.max(this.state.mostSessionsAtOnce, this.state.openSessions);
      }
      return send(reply(session.authenticated ? ZK.ACK_OK : ZK.ACK_UNAUTH));
    }
    if (p.command === ZK.AUTH) {
      const expected = commKeyBytes(this.options.commKey, session.id);
      session.authenticated = p.data.length === 4 && expected.every((b, i) => b === p.data[i]);
      if (!session.authenticated) this.state.authFailures++;
      return send(reply(session.authenticated ? ZK.ACK_OK : ZK.ACK_UNAUTH));
    }
    if (!session.authenticated) return send(reply(ZK.ACK_UNAUTH));
    if (this.refuses.has(p.command)) return send(reply(ZK.ACK_ERROR));
    switch (p.command) {
      case ZK.EXIT:
        await send(reply(ZK.ACK_OK));
        socket.end();
        return;
      case ZK.DISABLE_DEVICE:
        this.state.enabled = false;
        return send(reply(ZK.ACK_OK));
      case ZK.ENABLE_DEVICE:
        this.state.enabled = true;
        return send(reply(ZK.ACK_OK));
      case ZK.OPTIONS_RRQ: {
        const name = optionName(p.data);
        const value = this.option(name);
        return send(value === null ? reply(ZK.ACK_ERROR) : reply(ZK.ACK_OK, optionReply(name, value)));
      }
      case ZK.GET_FREE_SIZES:
        return send(
          reply(
            ZK.ACK_OK,
            encodeFreeSizes({
              users: this.users.length,
              fingers: 0,
              records: this.records.length,
              cards: 0,
              fingersCapacity: 3000,
              usersCapacity: 3000,
              recordsCapacity: this.options.recordCapacity,
              fingersAvailable: 3000,
              usersAvailable: 3000 - this.users.length,
              recordsAvailable: Math.max(0, this.options.recordCapacity - this.records.length),
              faces: null,
              facesCapacity: null,
            }),
          ),
        );
      case ZK.GET_TIME:
        return send(reply(ZK.ACK_OK, encodeDeviceTime(this.now())));
      case ZK.SET_TIME: {
        const set = decodeDeviceTime(p.data);
        if (!set) return send(reply(ZK.ACK_ERROR));
        const base = this.options.clock();
        this.clockOffsetSeconds = (utcMillis(set) - utcMillis(base)) / 1000;
        this.state.timeSets.push(set);
        return send(reply(ZK.ACK_OK));
      }
      case ZK.CLEAR_ATTLOG:
        this.records = [];
        this.state.clears++;
        return send(reply(ZK.ACK_OK));
      case ZK.DATA_WRRQ: {
        const asked = parseBufferedReadRequest(p.data);
        if (asked?.command === ZK.ATTLOG_RRQ) {
          session.buffer = encodeAttendance(this.records, this.options.attendanceRecordSize);
          this.onAttendanceRead?.();
        } else if (asked?.command === ZK.USERTEMP_RRQ && asked.fct === FCT_USER) session.buffer = encodeUsers(this.users, this.options.userRecordSize);
        else return send(reply(ZK.ACK_ERROR));
        return send(reply(ZK.ACK_OK, bufferedReadReply(session.buffer.length)));
      }
      case ZK.DATA_RDY: {
        const chunk = parseChunkRequest(p.data);
        if (!session.buffer || !chunk || chunk.start < 0 || chunk.size <= 0 || chunk.start + chunk.size > session.buffer.length) return send(reply(ZK.ACK_ERROR));
        if (this.silentAfterChunks !== null && this.state.chunksServed >= this.silentAfterChunks) {
          this.silent = true;
          return;
        }
        if (this.chunkDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.chunkDelayMs));
        this.state.chunksServed++;
        const bytes = session.buffer.subarray(chunk.start, chunk.start + chunk.size);
        const packets = [reply(ZK.PREPARE_DATA, prepareData(bytes.length))];
        for (let at = 0; at < bytes.length; at += DATA_PACKET_BYTES) packets.push(reply(ZK.DATA, bytes.subarray(at, at + DATA_PACKET_BYTES)));
        packets.push(reply(ZK.ACK_OK));
        return send(...packets);
      }
      case ZK.FREE_DATA:
        session.buffer = null;
        return send(reply(ZK.ACK_OK));
      default:
        return send(reply(0xffff)); // CMD_ACK_UNKNOWN
    }
  }

  private option(name: string): string | null {
    if (name === '~SerialNumber') return this.options.serialNumber;
    if (name === '~Platform') return 'ZEM560_TFT';
    if (name === '~DeviceName') return 'iclockd emulator';
    return null;
  }

  /** Writes packets the way this terminal's network delivers them. */
  private async deliver(socket: Socket, packets: Uint8Array[]): Promise<void> {
    if (socket.destroyed) return;
    const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
    if (this.options.delivery === 'combined' || packets.length === 1) {
      socket.write(packets.length === 1 ? packets[0]! : Buffer.concat(packets));
    } else if (this.options.delivery === 'separate') {
      for (const packet of packets) {
        socket.write(packet);
        await tick();
      }
    } else {
      const all = Buffer.concat(packets);
      for (let at = 0; at < all.length; at += FRAGMENT_BYTES) {
        if (socket.destroyed) return;
        socket.write(all.subarray(at, at + FRAGMENT_BYTES));
        await tick();
      }
    }
  }
}

/** Wall-clock fields read as UTC, in ms: the emulator keeps its clock as UTC fields. */
const utcMillis = (w: WallTime) => wallToInstant(w, 'UTC').getTime();

/** The UTC wall-clock fields of an instant (a terminal whose zone is UTC; tests give others a clock). */
export const wallTimeOfUtc = (d: Date): WallTime => instantToWallTime(d, 'UTC');

/**
 * A terminal's users 1…n (PIN = uid as text) and `count` punches spread over them, a minute
 * apart from `from` (wall time), check-in and check-out alternating per user.
 */
export function emulatedLog(count: number, users: number, from: WallTime): { users: ZkUser[]; records: ZkAttendance[] } {
  const start = utcMillis(from);
  return {
    users: Array.from({ length: users }, (_, i) => ({ uid: i + 1, pin: String(i + 1), name: `User ${i + 1}`, privilege: 0, password: '', card: 0, group: '1' })),
    records: Array.from({ length: count }, (_, n) => ({
      uid: (n % users) + 1,
      pin: String((n % users) + 1),
      time: wallTimeOfUtc(new Date(start + n * 60_000)),
      verifyMode: 1,
      punchState: Math.floor(n / users) % 2,
      workCode: 0,
    })),
  };
}
