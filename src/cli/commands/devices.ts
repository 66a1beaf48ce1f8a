// `iclockd devices …`: terminals, their approval, time zone and command queue, and why one is or
// is not delivering punches.
import { type Command, Option } from 'commander';
import type { Device, DeviceState } from '../../devices/registry.js';
import { COMMAND_KINDS } from '../../devices/service.js';
import { deviceView } from '../../devices/view.js';
import { pollerView } from '../../poller/view.js';
import { type CliContext, utcTime } from '../context.js';

const deviceLine = (d: Device) => [d.serial, d.state, d.site, d.timeZone ?? '-', d.firmware ?? '-', utcTime(d.lastSeenAt), d.alias ?? ''];

export function registerDeviceCommands(program: Command, ctx: CliContext): void {
  const devices = program.command('devices').description('manage terminals and their command queue');

  devices
    .command('list')
    .description('list terminals')
    .addOption(new Option('--state <state>', 'only this state').choices(['pending', 'approved', 'blocked']))
    .option('--json', 'print JSON lines')
    .action(async (opts: { state?: DeviceState; json?: boolean }) => {
      const { rows } = await ctx.withServices((s) => s.deviceService.list({ state: opts.state }, { offset: 0, limit: 1_000_000 }));
      if (opts.json) {
        ctx.printJsonLines(rows.map(deviceView));
        return;
      }
      if (rows.length === 0) {
        ctx.out('no devices yet: point a terminal at this server (see the README)');
        return;
      }
      ctx.printTable([['SERIAL', 'STATE', 'SITE', 'TIME ZONE', 'FIRMWARE', 'LAST SEEN', 'ALIAS'], ...rows.map(deviceLine)]);
    });

  devices
    .command('show')
    .description('why a terminal is or is not delivering punches, then everything iclockd knows about it')
    .argument('<sn>', 'serial number')
    .option('--json', 'print JSON')
    .action(async (sn: string, opts: { json?: boolean }) => {
      const seen = await ctx.withServices((s) => s.deviceService.inspect(sn));
      const { diagnosis, device } = seen;
      const poller = 'poller' in seen && seen.poller ? pollerView(seen.poller) : null;
      if (opts.json) {
        ctx.out(JSON.stringify({ ...(device ? deviceView(device) : { serial: sn }), diagnosis, poller }, null, 2));
        return;
      }
      for (const f of diagnosis.findings) ctx.out(`- ${f}`);
      if (device) {
        ctx.out('');
        const v = deviceView(device);
        for (const [k, value] of Object.entries(v)) if (typeof value !== 'object' || value === null) ctx.out(`${k}: ${value ?? '-'}`);
      }
      if (poller) {
        ctx.out('');
        ctx.out(`read over TCP 4370 at ${poller.host}:${poller.port} every ${poller.interval_seconds} s${poller.enabled ? '' : ' (paused)'}`);
        ctx.out(`records on it: ${poller.records ?? '-'} of ${poller.records_capacity ?? '-'}; users ${poller.users ?? '-'} of ${poller.users_capacity ?? '-'}`);
        ctx.out(`last poll: ${poller.last_poll_at ?? 'never'}${poller.last_error_kind ? ` (${poller.last_error_kind})` : ''}; last read: ${poller.last_success_at ?? 'never'}; next: ${poller.next_poll_at}`);
      }
    });

  devices
    .command('approve')
    .description('approve a terminal; what it sent while pending is ingested, in order')
    .argument('<sn>', 'serial number')
    .action(async (sn: string) => {
      const { released } = await ctx.withServices((s) => s.deviceService.approve(sn));
      ctx.out(`approved ${sn}; released ${released.requests} held upload(s): ${released.records} record(s), ${released.created} new punch(es), ${released.rejected} line(s) not read`);
    });

  devices
    .command('block')
    .description('block a terminal: it is refused (and keeps its data) until approved')
    .argument('<sn>', 'serial number')
    .action(async (sn: string) => {
      await ctx.withServices((s) => s.deviceService.block(sn));
      ctx.out(`blocked ${sn}`);
    });

  devices
    .command('set-tz')
    .description("set a terminal's IANA time zone (its punches' wall times are read in it)")
    .argument('<sn>', 'serial number')
    .argument('<zone>', 'IANA zone such as Asia/Riyadh, or "default" for ICLOCKD_TZ')
    .action(async (sn: string, zone: string) => {
      await ctx.withServices((s) => s.deviceService.update(sn, { time_zone: zone === 'default' ? null : zone }));
      ctx.out(`${sn} time zone: ${zone}`);
    });

  devices
    .command('command')
    .description(`queue a command for a terminal: ${COMMAND_KINDS.join(', ')}`)
    .argument('<sn>', 'serial number')
    .argument('<command>', 'what to send')
    .option('--from <date|sn>', 'query-attlog / verify-sum: first day YYYY-MM-DD; copy-users: the terminal to copy users (and stored templates) from')
    .option('--to <date>', 'query-attlog / verify-sum: last day YYYY-MM-DD')
    .option('--pin <pin>', 'add-user / delete-user: the user id on the terminal')
    .option('--name <name>', 'add-user: the name')
    .option('--key <key>', 'set-option: option name')
    .option('--value <value>', 'set-option: option value')
    .option('--text <text>', 'raw: the command line as the terminal takes it')
    .action(async (sn: string, command: string, opts: Record<string, string>) => {
      const queued = await ctx.withServices((s) => s.deviceService.command(sn, { command, ...opts }, 'cli'));
      if (queued.length === 1) ctx.out(`queued command ${queued[0]!.id} for ${sn}: ${queued[0]!.command}`);
      else ctx.out(`queued ${queued.length} commands for ${sn}`);
    });

  devices
    .command('reconcile')
    .description('ask a terminal how many punches it holds per day, and fetch again any day iclockd has fewer of')
    .argument('<sn>', 'serial number')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .option('--to <date>', 'last day, YYYY-MM-DD (default: --from)')
    .action(async (sn: string, opts: { from: string; to?: string }) => {
      const days = await ctx.withServices((s) => s.deviceService.reconcile(sn, opts.from, opts.to ?? opts.from, 'cli'));
      ctx.out(`queued VERIFY SUM for ${days.length} day(s) on ${sn}; days it holds more punches of are fetched again when it answers`);
    });
}
