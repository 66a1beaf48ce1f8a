// `iclockd targets …` and `iclockd outbox …`: forwarding check-ins to ERPNext and webhooks.
// Like the other setup commands they work on the database directly; a running `serve` picks
// the changes up on its next look at the outbox.
import { type Command, Option } from 'commander';
import { AppError } from '../../errors.js';
import { EMPLOYEE_VALUES, ERPNEXT_METHODS } from '../../outbox/erpnext.js';
import { type TargetInput, outboxEntryView, targetView } from '../../outbox/service.js';
import { OUTBOX_STATES } from '../../store/outbox.js';
import { TARGET_KINDS } from '../../store/targets.js';
import { type CliContext, utcTime } from '../context.js';

interface TargetOptions {
  kind?: string;
  url?: string;
  apiKey?: string;
  apiSecret?: string;
  method?: string;
  employeeFieldname?: string;
  employeeValue?: string;
  timeZone?: string;
  secret?: string;
  paused?: boolean;
}

function targetInput(opts: TargetOptions): TargetInput {
  return {
    kind: opts.kind,
    url: opts.url,
    api_key: opts.apiKey,
    api_secret: opts.apiSecret,
    method: opts.method,
    employee_fieldname: opts.employeeFieldname,
    employee_value: opts.employeeValue,
    time_zone: opts.timeZone,
    secret: opts.secret,
    paused: opts.paused,
  };
}

function targetOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'ERPNext: the site, e.g. https://erp.example.com · webhook: the endpoint')
    .option('--api-key <key>', 'ERPNext: the API key of the user iclockd posts as')
    .option('--api-secret <secret>', 'ERPNext: its API secret')
    .addOption(new Option('--method <m>', 'ERPNext: hrms (v14+, Frappe HR), erpnext (v12/v13) or resource (POST /api/resource/Employee Checkin)').choices(ERPNEXT_METHODS))
    .option('--employee-fieldname <field>', 'ERPNext: the Employee field matched (default attendance_device_id)')
    .addOption(new Option('--employee-value <v>', 'ERPNext: what identifies the employee: attendance_device_id (the biometric id) or employee (the iclockd id = the ERPNext Employee name)').choices(EMPLOYEE_VALUES))
    .option('--time-zone <zone>', "ERPNext: the site's time zone (System Settings); default ICLOCKD_TZ")
    .option('--secret <secret>', 'webhook: the signing secret (16+ characters); generated when absent');
}

export function registerForwardingCommands(program: Command, ctx: CliContext): void {
  const targets = program.command('targets').description('where check-ins are forwarded: ERPNext/HRMS or webhooks');

  targetOptions(
    targets
      .command('add')
      .description('add a target; every check-in created from now on is forwarded to it')
      .argument('<name>', 'a name for it, e.g. erpnext')
      .addOption(new Option('--kind <kind>', 'what it is').choices(TARGET_KINDS).makeOptionMandatory()),
  )
    .option('--paused', 'add it paused: rows wait until `iclockd targets resume`')
    .action(async (name: string, opts: TargetOptions) => {
      const { target, generatedSecret } = await ctx.withServices((s) => s.outbox.addTarget({ name, ...targetInput(opts) }));
      ctx.out(`added ${target.kind} target ${target.name} (${target.state}) → ${targetView(target).url}`);
      if (generatedSecret) {
        ctx.out(`signing secret: ${generatedSecret}`);
        ctx.err('The signing secret is shown only this once; the receiver checks X-Iclockd-Signature with it (see docs/integrator/webhooks.md).');
      }
      ctx.out(`check it with: iclockd targets test ${target.name}`);
    });

  targetOptions(targets.command('set').description("change a target's URL, credentials or settings").argument('<name>', 'the target')).action(
    async (name: string, opts: TargetOptions) => {
      const { kind: _kind, ...rest } = targetInput(opts);
      const changes = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
      if (Object.keys(changes).length === 0) throw new AppError('validation_error', 'nothing to change: give --url, --api-key, --api-secret, --secret, …');
      const target = await ctx.withServices((s) => s.outbox.updateTarget(name, changes));
      ctx.out(`updated ${target.name}${target.state === 'error' ? `; it is still paused after an error: iclockd targets resume ${target.name}` : ''}`);
    },
  );

  targets
    .command('list')
    .description('list targets with their queues (secrets are never shown)')
    .option('--json', 'print JSON lines')
    .action(async (opts: { json?: boolean }) => {
      const views = await ctx.withServices(async (s) => {
        const queues = await s.outbox.queues();
        return (await s.outbox.listTargets()).map((t) => targetView(t, queues.get(t.id)));
      });
      if (opts.json) {
        ctx.printJsonLines(views);
        return;
      }
      if (views.length === 0) {
        ctx.out('no targets; add one with: iclockd targets add erpnext --kind erpnext --url URL --api-key KEY --api-secret SECRET');
        return;
      }
      ctx.printTable([
        ['NAME', 'KIND', 'STATE', 'PENDING', 'REJECTED', 'DEAD', 'LAST DELIVERED', 'URL'],
        ...views.map((v) => [v.name, v.kind, v.state, String(v.queue.pending), String(v.queue.rejected), String(v.queue.dead), utcTime(v.last_delivered_at), v.url]),
      ]);
      for (const v of views) if (v.state !== 'active' && v.state_reason) ctx.out(`${v.name}: ${v.state_reason}`);
    });

  targets
    .command('test')
    .description('check that a target answers and accepts the credentials (sends no check-in)')
    .argument('<name>', 'the target')
    .action(async (name: string) => {
      const result = await ctx.withServices((s) => s.outbox.testTarget(name));
      if (!result.ok) throw new AppError('conflict', `${name}: ${result.message}`);
      ctx.out(`${name}: ok: ${result.message}`);
    });

  targets
    .command('pause')
    .description('stop delivering to a target; its rows wait')
    .argument('<name>', 'the target')
    .action(async (name: string) => {
      await ctx.withServices((s) => s.outbox.pauseTarget(name));
      ctx.out(`paused ${name}`);
    });

  targets
    .command('resume')
    .description('deliver again to a target paused by hand or after an error')
    .argument('<name>', 'the target')
    .action(async (name: string) => {
      await ctx.withServices((s) => s.outbox.resumeTarget(name));
      ctx.out(`resumed ${name}`);
    });

  targets
    .command('remove')
    .description('remove a target and its outbox rows')
    .argument('<name>', 'the target')
    .action(async (name: string) => {
      await ctx.withServices((s) => s.outbox.removeTarget(name));
      ctx.out(`removed ${name}`);
    });

  const outbox = program.command('outbox').description('check-ins waiting to be forwarded, refused, or given up on');

  outbox
    .command('list')
    .description('outbox rows, oldest first')
    .addOption(new Option('--state <state>', 'only this state').choices(OUTBOX_STATES))
    .option('--target <name>', 'only this target')
    .option('--employee <id>', 'only this employee')
    .option('--limit <n>', 'at most this many rows', '100')
    .option('--json', 'print JSON lines')
    .action(async (opts: { state?: string; target?: string; employee?: string; limit: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new AppError('validation_error', '--limit must be a whole number of 1 or more');
      const listed = await ctx.withServices((s) =>
        s.outbox.list({ states: opts.state ? [opts.state] : undefined, target: opts.target, employee: opts.employee }, { offset: 0, limit }),
      );
      const views = listed.rows.map(outboxEntryView);
      if (opts.json) {
        ctx.printJsonLines(views);
        return;
      }
      if (views.length === 0) {
        ctx.out(opts.state ? `no ${opts.state} rows` : 'the outbox is empty');
        return;
      }
      ctx.printTable([
        ['ID', 'TARGET', 'CHECK-IN', 'EMPLOYEE', 'STATE', 'TRIES', 'REASON', 'LAST ERROR'],
        ...views.map((v) => [String(v.id), v.target ?? '?', v.checkin ?? '?', v.employee ?? '?', v.state, String(v.tries), v.failure_reason ?? '-', (v.last_error ?? '-').slice(0, 80)]),
      ]);
      if (listed.total > views.length) ctx.out(`(${views.length} of ${listed.total}; --limit N for more)`);
    });

  outbox
    .command('retry')
    .description('send a rejected or dead row again, or every dead (or rejected) row')
    .argument('[id]', 'the outbox row')
    .option('--all-dead', 'every dead row')
    .option('--all-rejected', 'every rejected row')
    .option('--target <name>', 'with --all-…: only this target')
    .action(async (id: string | undefined, opts: { allDead?: boolean; allRejected?: boolean; target?: string }) => {
      const chosen = [id !== undefined, Boolean(opts.allDead), Boolean(opts.allRejected)].filter(Boolean).length;
      if (chosen !== 1) throw new AppError('validation_error', 'give one of: an outbox row id, --all-dead, --all-rejected');
      if (id !== undefined) {
        if (!/^\d+$/.test(id)) throw new AppError('validation_error', `not an outbox row id: ${id}`);
        const entry = await ctx.withServices((s) => s.outbox.retry(Number(id)));
        ctx.out(`row ${entry.row.id} is ${entry.row.state} again; it goes out on the next pass`);
        return;
      }
      const state = opts.allDead ? 'dead' : 'rejected';
      const n = await ctx.withServices((s) => s.outbox.retryAll(state, opts.target));
      ctx.out(`${n} ${state} row(s) queued again`);
    });
}
