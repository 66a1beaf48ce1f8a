// `iclockd simulate`: virtual terminals against a running server, or (--zk) an emulated
// terminal that answers the ZK binary protocol, for the poller to read.
import type { Command } from 'commander';
import { AppError } from '../../errors.js';
import { instantToWallTime, isKnownZone } from '../../pipeline/time.js';
import { type SimulationSummary, parseClockSkew, parseDuration, simulate } from '../../simulator/simulator.js';
import { ZK_DELIVERIES, type ZkDelivery, ZkDevice, emulatedLog } from '../../simulator/zkDevice.js';
import type { CliContext } from '../context.js';

interface ZkOptions {
  port: string;
  host: string;
  records: string;
  users: string;
  punchRate: string;
  duration?: string;
  serial: string;
  commKey: string;
  delivery: string;
  recordSize: string;
  rotateAt?: string;
  tz?: string;
}

/** The zone simulated clocks run in: --tz, else ICLOCKD_TZ, else the host's. */
const clockZone = (tz: string | undefined, ctx: CliContext) => tz ?? ctx.env.ICLOCKD_TZ ?? Intl.DateTimeFormat().resolvedOptions().timeZone;

/** `simulate --zk`: one emulated 4370 terminal, its log growing by --punch-rate a minute, until --duration or Ctrl-C. */
async function serveZkTerminal(opts: ZkOptions, ctx: CliContext): Promise<void> {
  const [port, records, users, punchRate, commKey, recordSize] = [opts.port, opts.records, opts.users, opts.punchRate, opts.commKey, opts.recordSize].map(Number);
  if (!Number.isInteger(port) || port! < 0 || port! > 65535) throw new AppError('validation_error', '--port must be a TCP port (0 for any free one)');
  if ([records, users, punchRate].some((n) => !Number.isInteger(n) || n! < 0) || users === 0) throw new AppError('validation_error', '--records and --punch-rate must be whole numbers of 0 or more, --users 1 or more');
  if (!Number.isInteger(commKey) || commKey! < 0 || commKey! > 999_999) throw new AppError('validation_error', '--comm-key must be a whole number from 0 (none) to 999999');
  if (recordSize !== 8 && recordSize !== 16 && recordSize !== 40) throw new AppError('validation_error', '--record-size must be 8, 16 or 40');
  const rotateAt = opts.rotateAt === undefined ? null : Number(opts.rotateAt);
  if (rotateAt !== null && !(Number.isInteger(rotateAt) && rotateAt >= 1)) throw new AppError('validation_error', '--rotate-at must be a whole number of 1 or more');
  if (!(ZK_DELIVERIES as readonly string[]).includes(opts.delivery)) throw new AppError('validation_error', `--delivery must be one of ${ZK_DELIVERIES.join(', ')}`);
  const durationMs = opts.duration === undefined ? null : parseDuration(opts.duration);
  if (opts.duration !== undefined && durationMs === null) throw new AppError('validation_error', '--duration must be a time such as 30s, 10m or 1h');
  const zone = clockZone(opts.tz, ctx);
  if (!isKnownZone(zone)) throw new AppError('validation_error', `--tz: unknown time zone ${zone}`);
  const wallNow = () => instantToWallTime(new Date(), zone);
  const device = new ZkDevice({ serialNumber: opts.serial, commKey, attendanceRecordSize: recordSize, userRecordSize: recordSize === 40 ? 72 : 28, delivery: opts.delivery as ZkDelivery, clock: wallNow });
  // The log so far: one punch a minute back from now, oldest first.
  const log = emulatedLog(records!, users!, instantToWallTime(new Date(Date.now() - records! * 60_000), zone));
  device.users = log.users;
  device.rotateAt = rotateAt;
  for (const r of log.records) device.punch(r);
  const listening = await device.listen(port, opts.host);
  ctx.out(`an emulated ZK terminal ${opts.serial} on ${opts.host}:${listening} (TCP): ${device.records.length} records of ${recordSize} bytes, ${users} users, comm key ${commKey ? commKey : 'none'}, ${opts.delivery} delivery, clock in ${zone}${rotateAt === null ? '' : `, rotating past ${rotateAt} records`}`);
  let next = records!;
  const grow = punchRate! > 0 ? setInterval(() => {
    const u = (next % users!) + 1;
    device.punch({ uid: u, pin: String(u), time: wallNow(), verifyMode: 1, punchState: Math.floor(next / users!) % 2, workCode: 0 });
    next++;
  }, 60_000 / punchRate!) : undefined;
  const report = () => {
    const st = device.state;
    ctx.out(`records ${device.records.length}, connections ${st.connections}, chunks served ${st.chunksServed}, wrong keys ${st.authFailures}, clears ${st.clears}, clock sets ${st.timeSets.length}, ${st.enabled ? 'enabled' : 'DISABLED'}`);
  };
  const tick = setInterval(report, 10_000);
  let stop = () => {};
  await new Promise<void>((resolve) => {
    stop = resolve;
    if (durationMs !== null) setTimeout(resolve, durationMs).unref();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  clearInterval(tick);
  if (grow) clearInterval(grow);
  report();
  await device.close();
}

export function registerSimulateCommand(program: Command, ctx: CliContext): void {
  program
    .command('simulate')
    .description('run virtual terminals against a server (handshake, heartbeats, real-time punches, user lists, commands), or with --zk serve an emulated terminal on the ZK binary protocol (port 4370) for the poller')
    .option('--url <url>', 'the server, e.g. http://127.0.0.1:8081 (not with --zk)')
    .option('--zk', 'serve one emulated 4370 terminal instead: --port, --host, --records, --users, --punch-rate, --serial, --comm-key, --delivery, --record-size, --rotate-at, --tz, --duration (default: until Ctrl-C)')
    .option('--port <n>', '--zk: the TCP port (0: any free one)', '4370')
    .option('--host <addr>', '--zk: the address to listen on', '127.0.0.1')
    .option('--records <n>', '--zk: records already in the log, a minute apart up to now', '1000')
    .option('--serial <sn>', '--zk: the serial number the terminal reports', 'ZKSIM0001')
    .option('--comm-key <n>', '--zk: the comm key the terminal asks for (0: none)', '0')
    .option('--delivery <how>', `--zk: how replies reach the client: ${ZK_DELIVERIES.join(', ')}`, 'separate')
    .option('--record-size <n>', '--zk: attendance record layout in bytes (8, 16 or 40; users 28, 28 or 72)', '40')
    .option('--rotate-at <n>', '--zk: keep at most this many records, dropping the oldest as new ones come (a log that rotates)')
    .option('--devices <n>', 'virtual terminals', '5')
    .option('--users <n>', 'users enrolled on each terminal', '20')
    .option('--punch-rate <n>', 'punches per minute, per terminal', '6')
    .option('--duration <d>', 'how long: 30s, 10m, 1h (default 1m; with --zk, until Ctrl-C)')
    .option('--pushver <v>', 'the push protocol version the terminals announce', '2.4.1')
    .option('--prefix <p>', 'serial number prefix', 'SIM')
    .option('--tz <zone>', "the terminals' clock zone until the server's TimeZone sets it, and of wrong clocks (default ICLOCKD_TZ or the host's)")
    .option('--clock-skew <time>', "give terminals a wrong clock, this far off, that ignores the server's Date: 600, 10m, -48h (negative: behind)")
    .option('--skewed <n>', 'how many terminals (the first ones) get the wrong clock of --clock-skew (default 1)')
    .action(async (opts: ZkOptions & { url?: string; zk?: boolean; devices: string; pushver: string; prefix: string; clockSkew?: string; skewed?: string }) => {
      if (opts.zk) {
        if (opts.url !== undefined) throw new AppError('validation_error', '--zk serves a terminal for the poller to read: it takes no --url');
        return serveZkTerminal(opts, ctx);
      }
      if (opts.url === undefined) throw new AppError('validation_error', "--url is required (the server the terminals push to), unless --zk");
      const duration = opts.duration ?? '1m';
      const durationMs = parseDuration(duration);
      const numbers = [Number(opts.devices), Number(opts.users), Number(opts.punchRate)];
      if (durationMs === null || numbers.some((n) => !(n > 0))) throw new AppError('validation_error', '--devices, --users, --punch-rate and --duration must be positive');
      const zone = clockZone(opts.tz, ctx);
      let skewedClocks: { terminals: number; seconds: number } | undefined;
      if (opts.skewed !== undefined && opts.clockSkew === undefined) throw new AppError('validation_error', '--skewed needs --clock-skew (how far off their clocks are)');
      if (opts.clockSkew !== undefined) {
        const seconds = parseClockSkew(opts.clockSkew);
        if (seconds === null) throw new AppError('validation_error', '--clock-skew must be a time other than 0, like 600, 10m or -48h');
        const terminals = Number(opts.skewed ?? 1);
        if (!Number.isInteger(terminals) || terminals < 1 || terminals > numbers[0]!) throw new AppError('validation_error', `--skewed must be a whole number from 1 to --devices (${opts.devices})`);
        skewedClocks = { terminals, seconds };
      }
      ctx.out(`simulating ${opts.devices} terminal(s) with ${opts.users} users each, ${opts.punchRate} punches/min each, for ${duration}, against ${opts.url}`);
      const line = (t: SimulationSummary) =>
        `punches ${t.punches}, acknowledged ${t.acknowledged}, uploads ${t.uploads} (${t.resends} resent), heartbeats ${t.heartbeats}, commands ${t.commands}, errors ${t.errors}`;
      const summary = await simulate({
        url: opts.url,
        devices: numbers[0]!,
        users: numbers[1]!,
        punchRatePerMinute: numbers[2]!,
        durationMs,
        pushver: opts.pushver,
        prefix: opts.prefix,
        timeZone: zone,
        resendShare: 0.05,
        skewedClocks,
        onTick: (t) => ctx.out(line(t)),
      });
      ctx.out(line(summary));
      if (skewedClocks) {
        const { seconds } = skewedClocks;
        const sns = summary.skewed;
        ctx.out(`wrong clocks: ${sns.length} terminal(s) (${sns.slice(0, 5).join(', ')}${sns.length > 5 ? ', …' : ''}) kept their clock ${Math.abs(seconds)} s ${seconds > 0 ? 'ahead' : 'behind'}, ignoring the server's Date:, so their punches carry times that far off.`);
        ctx.out(`  What the server made of them: iclockd devices show ${sns[0]}`);
      }
      ctx.out(summary.acknowledged === summary.punches ? `every punch made was acknowledged (${summary.punches})` : `NOT ACKNOWLEDGED: ${summary.punches - summary.acknowledged} punch(es)`);
      if (summary.held) {
        const sns = [...summary.heldBy].sort();
        ctx.out(`${summary.held} of them are held, not stored: ${sns.length} terminal(s) (${sns.slice(0, 5).join(', ')}${sns.length > 5 ? ', …' : ''}) await approval.`);
        ctx.out(`  Approve them (iclockd devices approve SN, or the console's Devices page) and what they sent is ingested in order.`);
      }
      if (summary.acknowledged !== summary.punches) throw new AppError('conflict', 'some punches were not acknowledged');
    });
}
