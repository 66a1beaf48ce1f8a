// `iclockd reprocess`: a terminal's archived uploads through the current codec and pipeline again.
import type { Command } from 'commander';
import { type CliContext, optionDayRange } from '../context.js';

export function registerReprocessCommand(program: Command, ctx: CliContext): void {
  program
    .command('reprocess')
    .description("run a terminal's archived uploads through the current codec and pipeline again (idempotent)")
    .requiredOption('--device <sn>', 'serial number')
    .option('--from <date>', 'first day received, YYYY-MM-DD (in ICLOCKD_TZ)')
    .option('--to <date>', 'last day received, YYYY-MM-DD (in ICLOCKD_TZ)')
    .action(async (opts: { device: string; from?: string; to?: string }) => {
      const cfg = ctx.config();
      const range = optionDayRange(opts.from, opts.to, cfg.timeZone);
      const total = await ctx.withServices((s) => s.deviceService.reprocess(opts.device, { from: range.start, to: range.end }), cfg);
      ctx.out(`reprocessed ${total.requests} upload(s) from ${opts.device}: ${total.records} record(s), ${total.created} new punch(es), ${total.duplicate} already stored, ${total.rejected} line(s) still not read`);
    });
}
