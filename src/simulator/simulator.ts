// Virtual ZKTeco terminals for trying iclockd without hardware and for load tests: each one
// shakes hands, polls getrequest every `Delay` seconds, uploads punches in real time
// (with occasional resends), uploads its user list, and carries out the commands it is given,
// answering on devicecmd as a terminal would. Like a terminal, it sets its clock from the
// `Date:` header (and `TimeZone`) of the server's replies, and when the server cannot be
// reached it keeps its punches and waits longer between attempts. Some terminals can be given
// a wrong clock that ignores the server, to show what the server does with wrong times. At the
// end it can prove that every punch it made was acknowledged.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DateTime, FixedOffsetZone } from 'luxon';

export interface SimulationOptions {
  url: string;
  devices: number;
  /** Users enrolled on each device. */
  users: number;
  /** Punches per minute, per device. */
  punchRatePerMinute: number;
  durationMs: number;
  pushver: string;
  /** Serial numbers are <prefix>0001…; */
  prefix: string;
  /** Zone of the devices' wall clocks until the server's `TimeZone` sets it (and of skewed clocks throughout). */
  timeZone: string;
  /** Share of uploads sent twice, as a device that missed a reply would. */
  resendShare: number;
  /**
   * The first `terminals` terminals keep a clock `seconds` off (ahead when positive) and ignore
   * the server's `Date:` and `TimeZone`, as a terminal set wrong by hand does: their punches
   * carry wrong times.
   */
  skewedClocks?: { terminals: number; seconds: number };
  /** Called every few seconds with the running totals. */
  onTick?: (summary: SimulationSummary) => void;
  /** Told of every punch made and of every batch a reply acknowledged (the ATTLOG lines): a ledger to check the server against. */
  onPunches?: (event: { sn: string; kind: 'made' | 'acknowledged'; lines: string[] }) => void;
}

export interface SimulationSummary {
  devices: number;
  /** Distinct punches the devices made. */
  punches: number;
  /** Distinct punches a server reply acknowledged (OK:N covering them). */
  acknowledged: number;
  uploads: number;
  resends: number;
  heartbeats: number;
  commands: number;
  errors: number;
  /** Of the acknowledged, those held, not stored: their terminal awaits approval. */
  held: number;
  /** The terminals whose uploads were held. */
  heldBy: string[];
  /** The terminals with a wrong clock (SimulationOptions.skewedClocks). */
  skewed: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Poll gap until the server says `Delay` (iclockd says 10 s). */
const DEFAULT_DELAY_MS = 10_000;
/** Longest wait between attempts while the server cannot be reached, until it says `ErrorDelay` (iclockd says 30 s). */
const DEFAULT_ERROR_DELAY_MS = 60_000;
/** A request unanswered this long has failed, as on a terminal. */
const REQUEST_TIMEOUT_MS = 30_000;
/** After the run, how long terminals keep trying to deliver what was not acknowledged. */
const DRAIN_MS = 120_000;

/** A small deterministic generator, so a run is repeatable from its seed. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** A request that did not get through: no connection, no answer in time, or a 5xx. The terminal waits before the next attempt. */
class ServerUnavailable extends Error {}

interface Reply {
  status: number;
  text: string;
  held: boolean;
  /** The reply's `Date:` header, and when (host clock) the reply came. */
  date: string | null;
  receivedAt: number;
}

/**
 * `TimeZone=` of the option block as a UTC offset in minutes: -12 < TZ < 12 is hours, past ±60
 * minutes (protocol/reply.ts writes it so); anything else is not understood.
 */
export function parseTimeZoneOption(value: string | undefined): number | null {
  if (value === undefined || !/^-?\d+$/.test(value)) return null;
  const n = Number(value);
  if (Math.abs(n) < 12) return n * 60;
  if (Math.abs(n) > 60 && Math.abs(n) <= 14 * 60) return n;
  return null;
}

/**
 * The wait after `failures` failed contacts in a row: the poll gap (`Delay`), doubling with each
 * failure up to `ErrorDelay` (the server's "seconds between reconnect attempts"), ±20 % by
 * `random` (0…1) so a fleet does not come back all at once.
 */
export function retryWaitMs(failures: number, delayMs: number, errorDelayMs: number, random: number): number {
  const wait = Math.min(Math.max(errorDelayMs, delayMs), delayMs * 2 ** Math.min(Math.max(failures, 1) - 1, 16));
  return Math.round(wait * (0.8 + 0.4 * random));
}

class VirtualDevice {
  private readonly log: string[] = [];
  /** Each user's last punch, on the terminal's clock (ms). */
  private readonly lastPunch = new Map<string, number>();
  private readonly status = new Map<string, number>();
  private pending: string[] = [];
  private delayMs = DEFAULT_DELAY_MS;
  private errorDelayMs = DEFAULT_ERROR_DELAY_MS;
  private registered = false;
  /** Contacts in a row that did not get through. */
  private failures = 0;
  /** The terminal's clock minus the host's, in ms. */
  private clockOffsetMs: number;
  /** The UTC offset the server's `TimeZone` set; until then the clock shows SimulationOptions.timeZone. */
  private utcOffsetMinutes: number | null = null;
  private readonly rand: () => number;

  constructor(
    readonly sn: string,
    private readonly users: string[],
    private readonly o: SimulationOptions,
    private readonly totals: SimulationSummary,
    seed: number,
    /** Seconds its clock is off, never corrected from the server; null: it follows the server. */
    readonly fixedSkewSeconds: number | null,
  ) {
    this.rand = random(seed);
    // Until the first reply sets it, a terminal's own clock is somewhat off.
    const ownClockErrorMs = Math.round((this.rand() - 0.5) * 60_000);
    this.clockOffsetMs = fixedSkewSeconds === null ? ownClockErrorMs : fixedSkewSeconds * 1000;
  }

  /** One request on a connection of its own (Connection: close), as terminals make them. */
  private request(method: 'GET' | 'POST', path: string, body?: string): Promise<Reply> {
    const url = new URL(`${this.o.url.replace(/\/+$/, '')}${path}`);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string | number> = { 'User-Agent': 'iClock Proxy/1.09', Connection: 'close' };
    if (body !== undefined) Object.assign(headers, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
    return new Promise((resolve, reject) => {
      const failed = (why: string, cause?: unknown) => reject(new ServerUnavailable(`${method} ${path}: ${why}`, { cause }));
      const req = send(url, { method, headers, agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => failed(err.message, err));
        res.on('close', () => {
          if (!res.complete) return failed('the connection closed in the middle of the reply');
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 500) return failed(`${status} ${text.slice(0, 200)}`);
          resolve({ status, text, held: res.headers['x-iclockd-held'] === '1', date: res.headers.date ?? null, receivedAt: Date.now() });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no reply in ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', (err) => failed(err.message, err));
      req.end(body);
    });
  }

  /** As a terminal does with the handshake's and getrequest's replies: its clock becomes the server's `Date:`. */
  private syncClock(r: Reply): void {
    if (this.fixedSkewSeconds !== null || r.date === null) return;
    const serverMs = Date.parse(r.date);
    if (Number.isFinite(serverMs)) this.clockOffsetMs = serverMs - r.receivedAt;
  }

  private clockNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** The terminal's wall-clock text for an instant on its clock. */
  private wall(clockMs: number): string {
    const zone = this.utcOffsetMinutes === null ? this.o.timeZone : FixedOffsetZone.instance(this.utcOffsetMinutes);
    return DateTime.fromMillis(clockMs, { zone }).toFormat('yyyy-MM-dd HH:mm:ss');
  }

  async handshake(): Promise<void> {
    const r = await this.request('GET', `/iclock/cdata?SN=${this.sn}&options=all&language=69&pushver=${this.o.pushver}&PushOptionsFlag=1`);
    this.syncClock(r);
    const option = (name: string) => new RegExp(`(?:^|\\n)${name}=(-?\\d+)`).exec(r.text)?.[1];
    const delay = Number(option('Delay') ?? option('RequestDelay'));
    if (delay > 0) this.delayMs = delay * 1000;
    const errorDelay = Number(option('ErrorDelay'));
    if (errorDelay > 0) this.errorDelayMs = errorDelay * 1000;
    const utcOffset = parseTimeZoneOption(option('TimeZone'));
    if (utcOffset !== null && this.fixedSkewSeconds === null) this.utcOffsetMinutes = utcOffset;
    const users = this.users.map((pin) => `USER PIN=${pin}\tName=Sim User ${pin}\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=0000000000000000\tVerify=-1\tViceCard=`).join('\n');
    await this.request('POST', `/iclock/cdata?SN=${this.sn}&table=OPERLOG&Stamp=9999`, `${users}\n`);
    this.registered = true;
  }

  /** A punch now (on its clock): a user, IN or OUT after their last one, never two in one second. */
  punch(): void {
    const pin = this.users[Math.floor(this.rand() * this.users.length)]!;
    let at = this.clockNow();
    // Also when the clock was set back: one user's punches stay in order, a second apart.
    const last = this.lastPunch.get(pin) ?? -Infinity;
    if (at - last < 1000) at = last + 1000;
    this.lastPunch.set(pin, at);
    const state = (this.status.get(pin) ?? 1) === 0 ? 1 : 0;
    this.status.set(pin, state);
    const line = `${pin}\t${this.wall(at)}\t${state}\t${this.rand() < 0.8 ? 15 : 1}\t0\t0\t0`;
    this.log.push(line);
    this.pending.push(line);
    this.totals.punches++;
    this.o.onPunches?.({ sn: this.sn, kind: 'made', lines: [line] });
  }

  /** One ATTLOG upload; true when the reply acknowledged all of it (OK:N). */
  private async postAttlog(batch: string[]): Promise<{ acknowledged: boolean; held: boolean }> {
    this.totals.uploads++;
    const r = await this.request('POST', `/iclock/cdata?SN=${this.sn}&table=ATTLOG&Stamp=9999`, `${batch.join('\n')}\n`);
    const ok = /^OK:(\d+)/.exec(r.text);
    if (r.status === 200 && ok && Number(ok[1]) === batch.length) return { acknowledged: true, held: r.held };
    this.totals.errors++;
    return { acknowledged: false, held: false };
  }

  /** Uploads what is not acknowledged yet, 500 at a time; keeps it on anything but OK:N for all of it. */
  async uploadPending(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.slice(0, 500);
      const reply = await this.postAttlog(batch);
      if (!reply.acknowledged) return;
      this.pending = this.pending.slice(batch.length);
      this.totals.acknowledged += batch.length;
      if (reply.held) {
        this.totals.held += batch.length;
        if (!this.totals.heldBy.includes(this.sn)) this.totals.heldBy.push(this.sn);
      }
      this.o.onPunches?.({ sn: this.sn, kind: 'acknowledged', lines: batch });
      // A device that missed the reply sends the same records again.
      if (this.rand() < this.o.resendShare) {
        this.totals.resends++;
        await this.request('POST', `/iclock/cdata?SN=${this.sn}&table=ATTLOG&Stamp=9999`, `${batch.join('\n')}\n`);
      }
    }
  }

  private beats = 0;

  async heartbeat(): Promise<void> {
    this.totals.heartbeats++;
    // As terminals do, the first poll (and one in a hundred after) reports firmware, users, fingerprints and log count.
    const info = this.beats++ % 100 === 0 ? `&INFO=${encodeURIComponent(`SIM-1.0,${this.users.length},0,${this.log.length},127.0.0.1,10,7,12,0,111`)}` : '';
    const r = await this.request('GET', `/iclock/getrequest?SN=${this.sn}${info}`);
    this.syncClock(r);
    if (!r.text.startsWith('C:')) return;
    const results: string[] = [];
    for (const line of r.text.split('\n').filter((l) => l.startsWith('C:'))) {
      const m = /^C:([^:]+):(.*)$/.exec(line);
      if (!m) continue;
      const [, id, command] = m as unknown as [string, string, string];
      this.totals.commands++;
      if (command === 'INFO') {
        results.push(`ID=${id}&Return=0&CMD=INFO\n~DeviceName=iclockd simulator\nUserCount=${this.users.length}\nTransactionCount=${this.log.length}\nFWVersion=SIM-1.0`);
      } else if (command.startsWith('DATA QUERY ATTLOG')) {
        const range = /StartTime=([^\t]+)\tEndTime=(.+)$/.exec(command);
        const wanted = range ? this.log.filter((l) => { const t = l.split('\t')[1]!; return t >= range[1]! && t <= range[2]!; }) : this.log;
        if (wanted.length) await this.postAttlog(wanted.slice(0, 500));
        results.push(`ID=${id}&Return=${wanted.length}&CMD=DATA`);
      } else if (command.startsWith('VERIFY SUM ATTLOG')) {
        const range = /StartTime=([^\t]+)\tEndTime=(.+)$/.exec(command);
        const count = range ? this.log.filter((l) => { const t = l.split('\t')[1]!; return t >= range[1]! && t <= range[2]!; }).length : this.log.length;
        results.push(`ID=${id}&Return=0&CMD=VERIFY SUM&StartTime=${range?.[1] ?? ''}&EndTime=${range?.[2] ?? ''}&AttlogSum=${count}`);
      } else {
        results.push(`ID=${id}&Return=0&CMD=${command.split(' ')[0]}`);
      }
    }
    await this.request('POST', `/iclock/devicecmd?SN=${this.sn}`, `${results.join('\n')}\n`);
  }

  /** One contact: the handshake until it is done, what is pending, and the poll if due. False when the server could not be reached. */
  private async contact(poll: boolean): Promise<boolean> {
    try {
      if (!this.registered) await this.handshake();
      await this.uploadPending();
      if (poll) await this.heartbeat();
      this.failures = 0;
      return true;
    } catch (err) {
      if (!(err instanceof ServerUnavailable)) throw err;
      this.totals.errors++;
      this.failures++;
      return false;
    }
  }

  async run(until: number): Promise<void> {
    const meanGap = 60_000 / this.o.punchRatePerMinute;
    const punchGap = () => -Math.log(1 - this.rand()) * meanGap;
    let nextPunch = Date.now() + punchGap();
    let nextPoll = Date.now() + this.rand() * this.delayMs;
    /** While the server cannot be reached: when to try again. Punches wait meanwhile. */
    let retryAt: number | null = null;
    /** A punch to send in real time. */
    let unsent = false;
    const giveUpAt = until + DRAIN_MS;
    for (;;) {
      const over = Date.now() >= until;
      // After the run, whatever was not acknowledged is sent again until it is, as a terminal would.
      if (over && (this.pending.length === 0 || Date.now() >= giveUpAt)) return;
      // The handshake comes first, at once.
      const contactAt = retryAt ?? (!this.registered || unsent ? 0 : nextPoll);
      await sleep(Math.min(contactAt, over ? giveUpAt : Math.min(nextPunch, until)) - Date.now());
      const now = Date.now();
      if (now >= contactAt) {
        // After a failure the next attempt always asks the server something, so that success means it is back.
        const poll = this.registered && (now >= nextPoll || retryAt !== null);
        if (await this.contact(poll)) {
          retryAt = null;
          unsent = false;
          if (poll) nextPoll = now + this.delayMs;
        } else retryAt = Date.now() + retryWaitMs(this.failures, this.delayMs, this.errorDelayMs, this.rand());
      }
      if (!over && now < until && now >= nextPunch) {
        this.punch();
        nextPunch = now + punchGap();
        unsent = true;
      }
    }
  }
}

export async function simulate(o: SimulationOptions): Promise<SimulationSummary> {
  const totals: SimulationSummary = { devices: o.devices, punches: 0, acknowledged: 0, uploads: 0, resends: 0, heartbeats: 0, commands: 0, errors: 0, held: 0, heldBy: [], skewed: [] };
  const until = Date.now() + o.durationMs;
  const width = Math.max(4, String(o.devices).length);
  const devices = Array.from({ length: o.devices }, (_, i) => {
    const sn = `${o.prefix}${String(i + 1).padStart(width, '0')}`;
    const users = Array.from({ length: o.users }, (_, u) => String(1000 * (i + 1) + u + 1));
    const skewed = o.skewedClocks && i < o.skewedClocks.terminals ? o.skewedClocks.seconds : null;
    if (skewed !== null) totals.skewed.push(sn);
    return new VirtualDevice(sn, users, o, totals, i + 1, skewed);
  });
  const ticker = o.onTick ? setInterval(() => o.onTick!({ ...totals }), 5000) : undefined;
  try {
    await Promise.all(devices.map((d) => d.run(until)));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  return totals;
}

/** `30s`, `10m`, `1h`, or seconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return n * unit;
}

/** A clock error in whole seconds: `600`, `10m`, `-48h` (negative: behind). */
export function parseClockSkew(text: string): number | null {
  const m = /^\s*([+-]?)(.*)$/.exec(text)!;
  const seconds = Math.round((parseDuration(m[2]!) ?? 0) / 1000);
  if (seconds === 0) return null;
  return m[1] === '-' ? -seconds : seconds;
}
