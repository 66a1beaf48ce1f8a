// `iclockd bench`: the fleet benchmark on scratch databases (docs/developer/bench.md).
import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { FULL as FULL_BENCH, QUICK as QUICK_BENCH, SCENARIOS, type ScenarioName } from '../../bench/fleet.js';
import { runBench, runStatementProfiles } from '../../bench/run.js';
import { AppError } from '../../errors.js';
import type { CliContext } from '../context.js';

export function registerBenchCommand(program: Command, ctx: CliContext): void {
  program
    .command('bench')
    .description("the fleet benchmark on scratch databases (SQLite, and MySQL when MYSQL_URL is set), each scenario against the machine's own ceilings measured in the same run")
    .option('--quick', 'a short smoke run (under a minute)')
    .option('--seconds <n>', 'seconds per scenario (default 12, quick 2)')
    .option('--soak-seconds <n>', 'seconds of the memory soak (default 180, quick 6)')
    .option('--heartbeat-devices <n>', 'devices polling in the heartbeat scenarios (default 2000)')
    .option('--soak-devices <n>', 'devices in the memory soak (default 10000)')
    .option('--attendance', 'also the attendance recompute (employees x days of check-ins)')
    .option('--employees <n>', 'employees for the attendance recompute', '1000')
    .option('--days <n>', 'days of check-ins for the attendance recompute', '30')
    .option('--only <names>', 'only these scenarios, comma-separated')
    .option('--no-auto-attendance', "the bench's shift without auto attendance: no attendance is recomputed (a bound on what the recompute costs, not a result)")
    .option('--profile <dir>', 'write a CPU profile of the server process into this directory')
    .option('--out <file>', 'JSON results', 'bench/results/latest.json')
    .option('--statements', "instead of the scenarios: where an ATTLOG burst's database time goes, statement by statement (10 batches of 2,000 punches; quick: 3)")
    .action(async (opts: { statements?: boolean; only?: string; profile?: string; quick?: boolean; seconds?: string; soakSeconds?: string; heartbeatDevices?: string; soakDevices?: string; attendance?: boolean; autoAttendance: boolean; employees: string; days: string; out: string }) => {
      const number = (name: string, v: string | undefined, fallback: number, min: number) => {
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!Number.isFinite(n) || n < min) throw new AppError('validation_error', `--${name} must be a number of ${min} or more`);
        return n;
      };
      const mysqlUrl = ctx.env.MYSQL_URL || undefined;
      if (opts.statements) return runStatementProfiles(mysqlUrl, opts.quick ? 3 : 10, ctx.out);
      const base = opts.quick ? QUICK_BENCH : FULL_BENCH;
      const fleet = {
        ...base,
        seconds: number('seconds', opts.seconds, base.seconds, 0.2),
        soakSeconds: number('soak-seconds', opts.soakSeconds, base.soakSeconds, 0.5),
        heartbeatDevices: Math.round(number('heartbeat-devices', opts.heartbeatDevices, base.heartbeatDevices, 1)),
        soakDevices: Math.round(number('soak-devices', opts.soakDevices, base.soakDevices, 1)),
        only: opts.only ? (opts.only.split(',').map((x) => x.trim()) as ScenarioName[]) : undefined,
        profileDir: opts.profile ? resolvePath(opts.profile) : undefined,
        autoAttendance: opts.autoAttendance,
      };
      const unknown = (fleet.only ?? []).filter((n) => !(SCENARIOS as readonly string[]).includes(n));
      if (unknown.length) throw new AppError('validation_error', `--only: unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
      const attendance = opts.attendance ? { employees: Math.round(number('employees', opts.employees, 1000, 1)), days: Math.round(number('days', opts.days, 30, 1)) } : undefined;
      await runBench({ fleet, out: opts.out, mysqlUrl, attendance }, ctx.out);
    });
}
