// `iclockd pollers …`: terminals read over the ZK binary protocol (TCP 4370), for those that
// cannot push over ADMS: add one by its address, list, change, remove, and read one now.
import type { Command } from 'commander';
import { AppError } from '../../errors.js';
import { POLLER_FIELDS, newPollerInput, pollerChangeInput } from '../../poller/input.js';
import type { PollReport } from '../../poller/service.js';
import { pollReportView, pollerView } from '../../poller/view.js';
import type { ZkPoller } from '../../store/zkPollers.js';
import { type CliContext, fieldAssignments, utcTime } from '../context.js';

const pollerLine = (p: ZkPoller) => [
  p.deviceSerial,
  `${p.host}:${p.port}`,
  `${p.intervalSeconds} s`,
  p.enabled ? 'yes' : 'no',
  utcTime(p.lastPollAt),
  p.lastPollAt === null ? '-' : (p.lastErrorKind ?? 'ok'),
  p.records === null ? '-' : `${p.records}/${p.recordsCapacity ?? '?'}`,
  utcTime(p.nextPollAt),
];

/** One line of what a poll did, as an operator reads it. */
export function pollReportLine(r: PollReport): string {
  if (!r.polled) return `${r.serial}: another instance is reading it now; nothing done`;
  if (!r.ok) return `${r.serial}: not read (${r.failure}): ${r.error}`;
  const parts = [
    `${r.records} record(s) on the terminal`,
    `${r.submitted} submitted${r.reread ? ' (its log changed: read whole again)' : ''}`,
    `${r.counts.created} new, ${r.counts.duplicate} already stored, ${r.counts.failed} refused`,
    `${r.users} user(s)`,
  ];
  if (r.clockDriftSeconds !== null) parts.push(`clock ${r.clockDriftSeconds === 0 ? 'right' : `${Math.abs(r.clockDriftSeconds)} s ${r.clockDriftSeconds < 0 ? 'ahead' : 'behind'}`}${r.clockSet ? ', set right' : ''}`);
  if (r.cleared) parts.push('log cleared');
  return `${r.serial}: ${parts.join('; ')}`;
}

export function registerPollerCommands(program: Command, ctx: CliContext): void {
  const pollers = program.command('pollers').description('terminals without ADMS, read over the ZK binary protocol (TCP 4370)');

  pollers
    .command('add')
    .description('read a terminal by its address: iclockd pollers add CGXH201960042 --host 192.168.1.201')
    .argument('<sn>', "the terminal's serial number (checked on every connect)")
    .requiredOption('--host <address>', 'its IP address or host name')
    .option('--port <n>', 'its TCP port', '4370')
    .option('--comm-key <n>', 'its comm key (Comm → Connection → COMM Key), 0 for none', '0')
    .option('--interval <seconds>', 'seconds between polls', '60')
    .option('--site <site>', "the site its users' ids belong to (for a new terminal; default main)")
    .option('--tz <zone>', 'the IANA zone its clock runs in (default ICLOCKD_TZ)')
    .option('--clear-after-read', 'clear its log once what it held is stored (off: the log is read whole each time, new records submitted)')
    .option('--set-clock', 'set its clock when it is off by more than ICLOCKD_CLOCK_DRIFT_SECONDS')
    .option('--disabled', 'add it without polling it yet')
    .action(async (sn: string, opts: { host: string; port: string; commKey: string; interval: string; site?: string; tz?: string; clearAfterRead?: boolean; setClock?: boolean; disabled?: boolean }) => {
      const input = newPollerInput({
        serial: sn,
        host: opts.host,
        port: opts.port,
        comm_key: opts.commKey,
        interval_seconds: opts.interval,
        enabled: !opts.disabled,
        clear_after_read: Boolean(opts.clearAfterRead),
        set_clock: Boolean(opts.setClock),
        ...(opts.site !== undefined ? { site: opts.site } : {}),
        ...(opts.tz !== undefined ? { time_zone: opts.tz } : {}),
      });
      const p = await ctx.withServices((s) => s.pollers.add(input));
      ctx.out(`polling ${p.deviceSerial} at ${p.host}:${p.port} every ${p.intervalSeconds} s${p.enabled ? '' : ' (disabled)'}, from the next start of iclockd serve; read it now: iclockd pollers run-once ${p.deviceSerial}`);
    });

  pollers
    .command('list')
    .description('terminals read over TCP 4370, with their last poll')
    .option('--json', 'print JSON lines')
    .action(async (opts: { json?: boolean }) => {
      const rows = await ctx.withServices((s) => s.pollers.list());
      if (opts.json) return ctx.printJsonLines(rows.map(pollerView));
      if (rows.length === 0) return ctx.out('no terminals are polled: iclockd pollers add SN --host ADDRESS');
      ctx.printTable([['SERIAL', 'ADDRESS', 'EVERY', 'ENABLED', 'LAST POLL', 'RESULT', 'RECORDS', 'NEXT POLL'], ...rows.map(pollerLine)]);
    });

  pollers
    .command('set')
    .description(`change a poller: iclockd pollers set SN host=192.168.1.202 comm_key=123456 (fields: ${POLLER_FIELDS.join(', ')})`)
    .argument('<sn>', 'serial number')
    .argument('<fields...>', 'field=value')
    .action(async (sn: string, fields: string[]) => {
      const change = pollerChangeInput(fieldAssignments(fields));
      const p = await ctx.withServices((s) => s.pollers.set(sn, change));
      ctx.out(JSON.stringify(pollerView(p)));
    });

  pollers
    .command('remove')
    .description('stop polling a terminal (its punches, users and device row stay)')
    .argument('<sn>', 'serial number')
    .action(async (sn: string) => {
      await ctx.withServices((s) => s.pollers.remove(sn));
      ctx.out(`no longer polling ${sn}`);
    });

  pollers
    .command('run-once')
    .description('read a terminal now and store what is new, as the scheduled poll does')
    .argument('<sn>', 'serial number')
    .option('--json', 'print JSON')
    .action(async (sn: string, opts: { json?: boolean }) => {
      const report = await ctx.withServices((s) => s.pollers.pollOnce(sn));
      ctx.out(opts.json ? JSON.stringify(pollReportView(report)) : pollReportLine(report));
      if (report.polled && !report.ok) throw new AppError('service_unavailable', `${sn} could not be read (${report.failure}); iclockd devices show ${sn} says what to check`);
    });
}
