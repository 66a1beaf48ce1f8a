// `iclockd attendance …`: attendance computed from check-ins, recomputed and summed up.
import type cliProgress from 'cli-progress';
import { type Command, Option } from 'commander';
import { SUMMARY_COLUMNS, finalChangeLine, finalChangeView, summaryCsv } from '../../attendance/service.js';
import type { CliContext } from '../context.js';

export function registerAttendanceCommands(program: Command, ctx: CliContext): void {
  const attendance = program.command('attendance').description('attendance computed from check-ins');

  attendance
    .command('recompute')
    .description('recompute every employee-shift in a period from its check-ins (idempotent); a final record only with --force, else it says what would change in it')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD')
    .option('--employee <id>', 'only this employee')
    .option('--force', 'change final records too (and move check-ins out of them)')
    .action(async (opts: { from: string; to: string; employee?: string; force?: boolean }) => {
      const cfg = ctx.config();
      const report = await ctx.withServices(async (s) => {
        let bar: cliProgress.SingleBar | undefined;
        const result = await s.shifts.recompute(opts, (done, total) => {
          if (total < 200) return;
          bar ??= ctx.progressBar('recomputing [{bar}] {value}/{total} employee-days', total);
          bar?.update(done);
        });
        bar?.stop();
        return result;
      }, cfg);
      ctx.out(`recomputed ${report.employeeShifts} employee-shift(s) from ${opts.from} to ${opts.to}; ${report.changed} changed`);
      if (report.finalChangesTotal === 0) return;
      ctx.out(
        report.forced
          ? `${report.finalChangesTotal} final record(s) changed:`
          : `${report.finalChangesTotal} final record(s) would change, left as they are (run again with --force to change them):`,
      );
      for (const c of report.finalChanges) ctx.out(`  ${finalChangeLine(finalChangeView(c), cfg.timeZone)}`);
      if (report.finalChangesTotal > report.finalChanges.length) ctx.out(`  … and ${report.finalChangesTotal - report.finalChanges.length} more`);
    });

  attendance
    .command('summary')
    .description('per employee over a period: days present, half day, absent, on holiday, late entries, early exits, hours')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD')
    .option('--employee <id>', 'only this employee')
    .addOption(new Option('--format <format>', 'output').choices(['table', 'csv', 'json']).default('table'))
    .action(async (opts: { from: string; to: string; employee?: string; format: 'table' | 'csv' | 'json' }) => {
      const lines = await ctx.withServices((s) => s.shifts.summary(opts));
      if (opts.format === 'csv') ctx.out(summaryCsv(lines).trimEnd().replace(/\r\n/g, '\n'));
      else if (opts.format === 'json') ctx.out(JSON.stringify(lines));
      else ctx.printTable([SUMMARY_COLUMNS.map((c) => c.toUpperCase()), ...lines.map((l) => SUMMARY_COLUMNS.map((c) => String(l[c])))]);
    });
}
