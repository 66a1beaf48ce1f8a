// `iclockd stats`: what the sync log says of the requests served.
import type { Command } from 'commander';
import { type CliContext, optionDayRange } from '../context.js';

export function registerStatsCommand(program: Command, ctx: CliContext): void {
  program
    .command('stats')
    .description('request statistics from the sync log: totals, success rate, per device and channel')
    .option('--from <date>', 'first day, YYYY-MM-DD (in ICLOCKD_TZ)')
    .option('--to <date>', 'last day, YYYY-MM-DD (in ICLOCKD_TZ)')
    .option('--json', 'print the statistics as JSON')
    .action(async (opts: { from?: string; to?: string; json?: boolean }) => {
      const cfg = ctx.config();
      const range = optionDayRange(opts.from, opts.to, cfg.timeZone);
      const stats = await ctx.withServices((s) => s.syncLog.statistics({ from: range.start, to: range.end }), cfg);
      if (opts.json) {
        ctx.out(JSON.stringify(stats));
        return;
      }
      ctx.out(`requests ${stats.total_requests}, successful ${stats.successful}, errors ${stats.errors}, success rate ${stats.success_rate}%`);
      for (const [title, rows] of [
        ['DEVICE', stats.by_device.map((d) => [d.device ?? '-', d.total_requests, d.successful, d.errors, d.success_rate])],
        ['CHANNEL', stats.by_channel.map((c) => [c.channel, c.total_requests, c.successful, c.errors, c.success_rate])],
      ] as const) {
        if (rows.length === 0) continue;
        ctx.out('');
        ctx.printTable([[title, 'REQUESTS', 'OK', 'ERRORS', 'RATE %'], ...rows.map((r) => r.map(String))]);
      }
    });
}
