// A session with a terminal over the ZK binary protocol (TCP 4370): connect and authenticate,
// then one request at a time, each reply awaited with its own timeout. Reads are whole or fail:
// a buffered read that comes back short is an error, never a shorter list. A timeout or a broken
// stream ends the session (its socket is destroyed), so no late reply is ever taken for the next.
import { type Socket, connect } from 'node:net';
import type { WallTime } from '../../protocol/zktime.js';
import {
  FCT_USER,
  type FreeSizes,
  MAX_CHUNK_BYTES,
  PacketReader,
  USHRT_MAX,
  ZK,
  type ZkAttendance,
  type ZkPacket,
  type ZkUser,
  bufferedReadRequest,
  bufferedReadSize,
  chunkRequest,
  commKeyBytes,
  decodeAttendance,
  decodeDeviceTime,
  decodeFreeSizes,
  decodeUsers,
  encodeDeviceTime,
  encodePacket,
  nextReplyId,
  optionRequest,
  optionValue,
  prepareDataSize,
} from '../../protocol/zk4370/index.js';

/** Why a session failed, in the words `devices show` uses. */
export type ZkFailure = 'unreachable' | 'timeout' | 'wrong_key' | 'refused' | 'protocol';

export class ZkError extends Error {
  override name = 'ZkError';
  constructor(
    readonly kind: ZkFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface ZkSessionOptions {
  host: string;
  port: number;
  /** The terminal's comm key; 0 when it has none. */
  commKey: number;
  connectTimeoutMs: number;
  /** How long each reply packet may take. */
  replyTimeoutMs: number;
}

const NAME_OF = new Map(Object.entries(ZK).map(([name, code]) => [code as number, name]));
const nameOf = (command: number) => NAME_OF.get(command) ?? String(command);

export class ZkSession {
  private readonly reader = new PacketReader();
  private readonly inbox: ZkPacket[] = [];
  private waiting: { resolve: (p: ZkPacket) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private sessionId = 0;
  /** A session's first request goes out with reply id 0 (65534, counted up once, wraps). */
  private replyId = USHRT_MAX - 1;

  private constructor(
    private readonly socket: Socket,
    private readonly options: ZkSessionOptions,
  ) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const p of this.reader.push(chunk)) this.inbox.push(p);
      } catch (err) {
        return this.fail(new ZkError('protocol', (err as Error).message));
      }
      this.deliver();
    });
    socket.on('error', (err) => this.fail(new ZkError('unreachable', `${options.host}:${options.port}: ${err.message}`)));
    socket.on('close', () => this.fail(new ZkError('unreachable', `${options.host}:${options.port} closed the connection`)));
  }

  /** Connects and authenticates (CONNECT, then AUTH with the comm key when the terminal asks for one). */
  static async open(options: ZkSessionOptions): Promise<ZkSession> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: options.host, port: options.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new ZkError('unreachable', `no connection to ${options.host}:${options.port} within ${options.connectTimeoutMs} ms`));
      }, options.connectTimeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        s.destroy();
        reject(new ZkError('unreachable', `${options.host}:${options.port}: ${err.message}`));
      });
    });
    socket.setNoDelay(true);
    const session = new ZkSession(socket, options);
    try {
      const hello = await session.exchange(ZK.CONNECT);
      session.sessionId = hello.sessionId;
      if (hello.command === ZK.ACK_UNAUTH) {
        const auth = await session.exchange(ZK.AUTH, commKeyBytes(options.commKey, session.sessionId));
        if (auth.command !== ZK.ACK_OK) {
          throw new ZkError('wrong_key', options.commKey === 0 ? 'the terminal asks for a comm key and none is configured' : 'the terminal refused the configured comm key');
        }
      } else if (hello.command !== ZK.ACK_OK) {
        throw new ZkError('refused', `the terminal answered CONNECT with ${nameOf(hello.command)}`);
      }
      return session;
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  /** The terminal's serial number (OPTIONS_RRQ ~SerialNumber). */
  async serialNumber(): Promise<string> {
    const value = optionValue(await this.expectOk(ZK.OPTIONS_RRQ, optionRequest('~SerialNumber')));
    if (!value) throw new ZkError('protocol', 'the terminal gave no serial number');
    return value;
  }

  async freeSizes(): Promise<FreeSizes> {
    const sizes = decodeFreeSizes(await this.expectOk(ZK.GET_FREE_SIZES));
    if (!sizes) throw new ZkError('protocol', 'GET_FREE_SIZES: a reply too short to hold the counts');
    return sizes;
  }

  async disable(): Promise<void> {
    await this.expectOk(ZK.DISABLE_DEVICE);
  }

  async enable(): Promise<void> {
    await this.expectOk(ZK.ENABLE_DEVICE);
  }

  /** The terminal's wall clock. */
  async time(): Promise<WallTime> {
    const t = decodeDeviceTime(await this.expectOk(ZK.GET_TIME));
    if (!t) throw new ZkError('protocol', 'GET_TIME: no time in the reply');
    return t;
  }

  async setTime(t: WallTime): Promise<void> {
    await this.expectOk(ZK.SET_TIME, encodeDeviceTime(t));
  }

  async clearAttendance(): Promise<void> {
    await this.expectOk(ZK.CLEAR_ATTLOG);
  }

  /** The whole attendance log; `count` is the record count GET_FREE_SIZES gave in this session, while disabled. */
  async attendance(count: number): Promise<ZkAttendance[]> {
    if (count === 0) return [];
    return this.decoded(ZK.ATTLOG_RRQ, 0, (data) => decodeAttendance(data, count).records);
  }

  /** Every user; `legacy` is the code page of names that are not UTF-8. */
  async users(count: number, legacy?: string): Promise<ZkUser[]> {
    if (count === 0) return [];
    return this.decoded(ZK.USERTEMP_RRQ, FCT_USER, (data) => decodeUsers(data, count, legacy).users);
  }

  /** A buffered read's records: a decoding error (a size that does not add up) is the terminal's protocol error. */
  private async decoded<T>(command: number, fct: number, decode: (data: Uint8Array) => T): Promise<T> {
    const data = await this.bufferedRead(command, fct);
    try {
      return decode(data);
    } catch (err) {
      throw new ZkError('protocol', (err as Error).message);
    }
  }

  /**
   * A buffered read (DATA_WRRQ): the terminal prepares what `command` returns, then gives it in
   * chunks of up to 65,472 bytes (DATA_RDY), each as PREPARE_DATA, DATA packets and ACK_OK (or
   * one DATA); small data may come whole in the first reply. Every byte is counted.
   */
  async bufferedRead(command: number, fct = 0): Promise<Uint8Array> {
    const first = await this.exchange(ZK.DATA_WRRQ, bufferedReadRequest(command, fct));
    if (first.command === ZK.DATA) return first.data;
    if (first.command !== ZK.ACK_OK) throw new ZkError('refused', `the terminal answered a buffered read of ${nameOf(command)} with ${nameOf(first.command)}`);
    const size = bufferedReadSize(first.data);
    if (size === null) throw new ZkError('protocol', 'a buffered read with no size');
    const data = new Uint8Array(size);
    for (let start = 0; start < size; start += MAX_CHUNK_BYTES) {
      const length = Math.min(MAX_CHUNK_BYTES, size - start);
      const chunk = await this.chunk(start, length);
      if (chunk.length !== length) throw new ZkError('protocol', `the chunk at ${start} of ${size} bytes came with ${chunk.length} bytes, not ${length}: a short read`);
      data.set(chunk, start);
    }
    await this.expectOk(ZK.FREE_DATA);
    return data;
  }

  private async chunk(start: number, length: number): Promise<Uint8Array> {
    const reply = await this.exchange(ZK.DATA_RDY, chunkRequest(start, length));
    if (reply.command === ZK.DATA) return reply.data;
    if (reply.command !== ZK.PREPARE_DATA) throw new ZkError('protocol', `the chunk at ${start} was answered with ${nameOf(reply.command)}`);
    const expected = prepareDataSize(reply.data);
    if (expected === null) throw new ZkError('protocol', 'PREPARE_DATA without a size');
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < expected) {
      const p = await this.nextPacket();
      if (p.command !== ZK.DATA) throw new ZkError('protocol', `${nameOf(p.command)} after ${got} of ${expected} bytes: a short read`);
      parts.push(p.data);
      got += p.data.length;
    }
    const done = await this.nextPacket();
    if (done.command !== ZK.ACK_OK) throw new ZkError('protocol', `a chunk ended with ${nameOf(done.command)}, not ACK_OK`);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Says goodbye (EXIT, not waited for long) and closes the socket; never throws. */
  async close(): Promise<void> {
    if (!this.failure) {
      try {
        this.send(ZK.EXIT);
        await Promise.race([this.nextPacket(), new Promise((resolve) => setTimeout(resolve, Math.min(this.options.replyTimeoutMs, 1000)).unref())]);
      } catch {
        // Leaving anyway.
      }
    }
    this.fail(new ZkError('unreachable', 'the session is closed'));
  }

  /** A request whose reply must be ACK_OK: its data. */
  private async expectOk(command: number, data?: Uint8Array): Promise<Uint8Array> {
    const reply = await this.exchange(command, data);
    if (reply.command !== ZK.ACK_OK) throw new ZkError(reply.command === ZK.ACK_UNAUTH ? 'wrong_key' : 'refused', `the terminal answered ${nameOf(command)} with ${nameOf(reply.command)}`);
    return reply.data;
  }

  private async exchange(command: number, data?: Uint8Array): Promise<ZkPacket> {
    this.send(command, data);
    return this.nextPacket();
  }

  private send(command: number, data?: Uint8Array): void {
    if (this.failure) throw this.failure;
    this.replyId = nextReplyId(this.replyId);
    this.socket.write(encodePacket({ command, sessionId: this.sessionId, replyId: this.replyId, data }));
  }

  /** The next packet the terminal sends, within the reply timeout; a timeout ends the session. */
  private nextPacket(): Promise<ZkPacket> {
    if (this.inbox.length > 0) return Promise.resolve(this.inbox.shift()!);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<ZkPacket>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new ZkError('timeout', `no reply from ${this.options.host}:${this.options.port} within ${this.options.replyTimeoutMs} ms`)), this.options.replyTimeoutMs);
      this.waiting = {
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  private deliver(): void {
    if (this.waiting && this.inbox.length > 0) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve(this.inbox.shift()!);
    }
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
    this.socket.destroy();
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.reject(this.failure);
    }
  }
}
