// `iclockd simulate`: virtual terminals against a running server.
import type { Command } from 'commander';
import { AppError } from '../../errors.js';
import { type SimulationSummary, parseClockSkew, parseDuration, simulate } from '../../simulator/simulator.js';
import type { CliContext } from '../context.js';

export function registerSimulateCommand(program: Command, ctx: CliContext): void {
  program
    .command('simulate')
    .description('run virtual terminals against a server: handshake, heartbeats, real-time punches, user lists, commands')
    .requiredOption('--url <url>', 'the server, e.g. http://127.0.0.1:8081')
    .option('--devices <n>', 'virtual terminals', '5')
    .option('--users <n>', 'users enrolled on each terminal', '20')
    .option('--punch-rate <n>', 'punches per minute, per terminal', '6')
    .option('--duration <d>', 'how long: 30s, 10m, 1h', '1m')
    .option('--pushver <v>', 'the push protocol version the terminals announce', '2.4.1')
    .option('--prefix <p>', 'serial number prefix', 'SIM')
    .option('--tz <zone>', "the terminals' clock zone until the server's TimeZone sets it, and of wrong clocks (default ICLOCKD_TZ or the host's)")
    .option('--clock-skew <time>', "give terminals a wrong clock, this far off, that ignores the server's Date: 600, 10m, -48h (negative: behind)")
    .option('--skewed <n>', 'how many terminals (the first ones) get the wrong clock of --clock-skew (default 1)')
    .action(async (opts: { url: string; devices: string; users: string; punchRate: string; duration: string; pushver: string; prefix: string; tz?: string; clockSkew?: string; skewed?: string }) => {
      const durationMs = parseDuration(opts.duration);
      const numbers = [Number(opts.devices), Number(opts.users), Number(opts.punchRate)];
      if (durationMs === null || numbers.some((n) => !(n > 0))) throw new AppError('validation_error', '--devices, --users, --punch-rate and --duration must be positive');
      const zone = opts.tz ?? ctx.env.ICLOCKD_TZ ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
      let skewedClocks: { terminals: number; seconds: number } | undefined;
      if (opts.skewed !== undefined && opts.clockSkew === undefined) throw new AppError('validation_error', '--skewed needs --clock-skew (how far off their clocks are)');
      if (opts.clockSkew !== undefined) {
        const seconds = parseClockSkew(opts.clockSkew);
        if (seconds === null) throw new AppError('validation_error', '--clock-skew must be a time other than 0, like 600, 10m or -48h');
        const terminals = Number(opts.skewed ?? 1);
        if (!Number.isInteger(terminals) || terminals < 1 || terminals > numbers[0]!) throw new AppError('validation_error', `--skewed must be a whole number from 1 to --devices (${opts.devices})`);
        skewedClocks = { terminals, seconds };
      }
      ctx.out(`simulating ${opts.devices} terminal(s) with ${opts.users} users each, ${opts.punchRate} punches/min each, for ${opts.duration}, against ${opts.url}`);
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
