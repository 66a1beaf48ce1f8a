#!/usr/bin/env node
// The `iclockd` command. Setup commands (migrate, keys) work on the database directly.
import './v8Tuning.js';
import { resolve as resolvePath } from 'node:path';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { type Services, createServices } from '../app.js';
import cliProgress from 'cli-progress';
import { SUMMARY_COLUMNS, finalChangeLine, finalChangeView, summaryCsv } from '../attendance/service.js';
import { ROLES, type Role } from '../auth/apiKeys.js';
import type { Device, DeviceState } from '../devices/registry.js';
import { COMMAND_KINDS } from '../devices/service.js';
import { FULL as FULL_BENCH, QUICK as QUICK_BENCH, SCENARIOS, type ScenarioName } from '../bench/fleet.js';
import { runBench, runStatementProfiles } from '../bench/run.js';
import { formatCaptureFile } from '../replay/capture.js';
import { exportArchive } from '../replay/export.js';
import { replay, withSerial } from '../replay/replay.js';
import { loadRequests } from '../replay/sources.js';
import { type SimulationSummary, parseClockSkew, parseDuration, simulate } from '../simulator/simulator.js';
import { deviceView } from '../devices/view.js';
import { shiftTypeView } from '../attendance/view.js';
import { type Config, ConfigError, DEFAULT_DATABASE_URL, databaseTimeouts, loadConfig, maskUrlPassword } from '../config.js';
import { settingsHelp } from '../config/settingsDoc.js';
import { isDatabaseUnavailable } from '../store/transaction.js';
import { AppError } from '../errors.js';
import { serve } from '../main.js';
import { createLogger } from '../log.js';
import { dayRange } from '../pipeline/time.js';
import { formatImportReport, importEmployees, readEmployeeCsv } from '../employees/csvImport.js';
import { registerForwardingCommands } from './outbox.js';
import { closeDatabase, migrateDatabase, migrateToLatest, openDatabase } from '../store/db.js';
import { VERSION } from '../version.js';
import { formatChecks, runChecks } from './doctor.js';

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Where progress bars go; shown only when it is a terminal. */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progress: process.stderr,
};

/** The same services `serve` builds, on a migrated database, for one command. */
async function withServices<T>(config: Config, work: (services: Services) => Promise<T>): Promise<T> {
  const db = await openDatabase(config.databaseUrl, databaseTimeouts(config));
  try {
    await migrateToLatest(db);
    return await work(createServices(config, db, createLogger('warn')));
  } finally {
    await closeDatabase(db);
  }
}

/** --from/--to days as instants, with errors that name the options. */
function optionDayRange(from: string | undefined, to: string | undefined, zone: string): { start?: Date; end?: Date } {
  try {
    return dayRange(from, to, zone);
  } catch (err) {
    if (err instanceof AppError) throw new AppError(err.type, err.message.replace(/^(from|to)/, '--$1'));
    throw err;
  }
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

export function buildCli(io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Command {
  const program = new Command('iclockd')
    .description('Attendance server for ZKTeco ADMS/PUSH terminals and JSON punch clients')
    .version(VERSION)
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();
  const config = (): Config => loadConfig(env, program.opts<{ config?: string }>().config ?? env.ICLOCKD_CONFIG);

  program
    .command('serve')
    .description('run the server (applies pending migrations first)')
    .addHelpText('after', `\n${settingsHelp()}`)
    .action(async () => {
      await serve(config());
    });

  program
    .command('doctor')
    .description('check the configuration, database, migrations, clocks and port, and say what to fix')
    .action(async () => {
      const checks = await runChecks(config);
      for (const line of formatChecks(checks)) io.out(line);
      const failed = checks.filter((c) => c.status === 'fail').length;
      io.out(failed ? `${failed} problem(s) to fix before iclockd can serve` : 'ready to serve');
      if (failed) throw new CommanderError(1, 'iclockd.doctor', `${failed} check(s) failed`);
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(async () => {
      const cfg = config();
      const names = await migrateDatabase(cfg.databaseUrl, cfg.dbAcquireTimeoutSeconds);
      io.out(names.length ? `applied ${names.length} migration(s): ${names.join(', ')}` : 'database schema is up to date');
    });

  const keys = program.command('keys').description('manage API keys');

  keys
    .command('create')
    .description('create an API key; prints KEY:SECRET once (only a hash of the secret is kept)')
    .requiredOption('--label <label>', 'who or what the key is for')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).default('ingest'))
    .option('--json', 'print the key as JSON')
    .action(async (opts: { label: string; role: Role; json?: boolean }) => {
      const created = await withServices(config(), (s) => s.apiKeys.create(opts.label, opts.role));
      if (opts.json) {
        io.out(JSON.stringify({ api_key: created.apiKey, api_secret: created.secret, label: created.label, role: created.role }));
        return;
      }
      io.out(`${created.apiKey}:${created.secret}`);
      io.err(`API key for "${created.label}" (role ${created.role}). The secret is shown only this once; send it as`);
      io.err(`  Authorization: token ${created.apiKey}:${created.secret}`);
    });

  keys
    .command('list')
    .description('list API keys (never their secrets)')
    .option('--json', 'print JSON lines')
    .action(async (opts: { json?: boolean }) => {
      const { rows: all } = await withServices(config(), (s) => s.apiKeys.list());
      if (opts.json) {
        for (const k of all) io.out(JSON.stringify({ api_key: k.apiKey, label: k.label, role: k.role, status: k.revokedAt ? 'revoked' : 'active' }));
        return;
      }
      if (all.length === 0) {
        io.out('no API keys; create one with: iclockd keys create --label NAME --role admin');
        return;
      }
      const when = (d: Date | null) => (d ? d.toISOString().slice(0, 19).replace('T', ' ') + 'Z' : '-');
      for (const line of table([
        ['KEY', 'ROLE', 'STATUS', 'CREATED', 'LAST USED', 'LABEL'],
        ...all.map((k) => [k.apiKey, k.role, k.revokedAt ? 'revoked' : 'active', when(k.createdAt), when(k.lastUsedAt), k.label]),
      ])) {
        io.out(line);
      }
    });

  keys
    .command('revoke')
    .description('revoke an API key; requests with it are refused from then on')
    .argument('<key>', 'the API key (not the secret)')
    .action(async (key: string) => {
      await withServices(config(), (s) => s.apiKeys.revoke(key));
      io.out(`revoked ${key}`);
    });

  const employees = program.command('employees').description('manage employees');

  employees
    .command('import')
    .description('create or update employees from a CSV file (header: employee, name, attendance_device_id, status, site, default_shift, date_of_joining, relieving_date, holiday_list)')
    .argument('<file>', 'the CSV file; rows are matched by the employee column, rows without one are created')
    .action(async (file: string) => {
      const cfg = config();
      const csv = await readEmployeeCsv(file); // a file that cannot be read fails before the database is opened
      const report = await withServices(cfg, (s) => importEmployees(csv, s.employees, { progress: io.progress }));
      for (const line of formatImportReport(report)) io.out(line);
    });

  program
    .command('stats')
    .description('request statistics from the sync log: totals, success rate, per device and channel')
    .option('--from <date>', 'first day, YYYY-MM-DD (in ICLOCKD_TZ)')
    .option('--to <date>', 'last day, YYYY-MM-DD (in ICLOCKD_TZ)')
    .option('--json', 'print the statistics as JSON')
    .action(async (opts: { from?: string; to?: string; json?: boolean }) => {
      const cfg = config();
      const range = optionDayRange(opts.from, opts.to, cfg.timeZone);
      const stats = await withServices(cfg, (s) => s.syncLog.statistics({ from: range.start, to: range.end }));
      if (opts.json) {
        io.out(JSON.stringify(stats));
        return;
      }
      io.out(`requests ${stats.total_requests}, successful ${stats.successful}, errors ${stats.errors}, success rate ${stats.success_rate}%`);
      for (const [title, rows] of [
        ['DEVICE', stats.by_device.map((d) => [d.device ?? '-', d.total_requests, d.successful, d.errors, d.success_rate])],
        ['CHANNEL', stats.by_channel.map((c) => [c.channel, c.total_requests, c.successful, c.errors, c.success_rate])],
      ] as const) {
        if (rows.length === 0) continue;
        io.out('');
        for (const line of table([[title, 'REQUESTS', 'OK', 'ERRORS', 'RATE %'], ...rows.map((r) => r.map(String))])) io.out(line);
      }
    });

  const devices = program.command('devices').description('manage terminals and their command queue');
  const deviceLine = (d: Device) => [d.serial, d.state, d.site, d.timeZone ?? '-', d.firmware ?? '-', d.lastSeenAt ? d.lastSeenAt.toISOString().slice(0, 19).replace('T', ' ') + 'Z' : '-', d.alias ?? ''];

  devices
    .command('list')
    .description('list terminals')
    .addOption(new Option('--state <state>', 'only this state').choices(['pending', 'approved', 'blocked']))
    .option('--json', 'print JSON lines')
    .action(async (opts: { state?: DeviceState; json?: boolean }) => {
      const { rows } = await withServices(config(), (s) => s.deviceService.list({ state: opts.state }, { offset: 0, limit: 1_000_000 }));
      if (opts.json) {
        for (const d of rows) io.out(JSON.stringify(deviceView(d)));
        return;
      }
      if (rows.length === 0) {
        io.out('no devices yet: point a terminal at this server (see the README)');
        return;
      }
      for (const line of table([['SERIAL', 'STATE', 'SITE', 'TIME ZONE', 'FIRMWARE', 'LAST SEEN', 'ALIAS'], ...rows.map(deviceLine)])) io.out(line);
    });

  devices
    .command('show')
    .description('why a terminal is or is not delivering punches, then everything iclockd knows about it')
    .argument('<sn>', 'serial number')
    .option('--json', 'print JSON')
    .action(async (sn: string, opts: { json?: boolean }) => {
      const { diagnosis, device } = await withServices(config(), async (s) => {
        const diagnosis = await s.deviceService.diagnose(sn);
        return { diagnosis, device: await s.deviceService.get(sn).catch(() => null) };
      });
      if (opts.json) {
        io.out(JSON.stringify({ ...(device ? deviceView(device) : { serial: sn }), diagnosis }, null, 2));
        return;
      }
      for (const f of diagnosis.findings) io.out(`- ${f}`);
      if (device) {
        io.out('');
        const v = deviceView(device);
        for (const [k, value] of Object.entries(v)) if (typeof value !== 'object' || value === null) io.out(`${k}: ${value ?? '-'}`);
      }
    });

  devices
    .command('approve')
    .description('approve a terminal; what it sent while pending is ingested, in order')
    .argument('<sn>', 'serial number')
    .action(async (sn: string) => {
      const { released } = await withServices(config(), (s) => s.deviceService.approve(sn));
      io.out(`approved ${sn}; released ${released.requests} held upload(s): ${released.records} record(s), ${released.created} new punch(es), ${released.rejected} line(s) not read`);
    });

  devices
    .command('block')
    .description('block a terminal: it is refused (and keeps its data) until approved')
    .argument('<sn>', 'serial number')
    .action(async (sn: string) => {
      await withServices(config(), (s) => s.deviceService.block(sn));
      io.out(`blocked ${sn}`);
    });

  devices
    .command('set-tz')
    .description("set a terminal's IANA time zone (its punches' wall times are read in it)")
    .argument('<sn>', 'serial number')
    .argument('<zone>', 'IANA zone such as Asia/Riyadh, or "default" for ICLOCKD_TZ')
    .action(async (sn: string, zone: string) => {
      await withServices(config(), (s) => s.deviceService.update(sn, { time_zone: zone === 'default' ? null : zone }));
      io.out(`${sn} time zone: ${zone}`);
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
      const queued = await withServices(config(), (s) => s.deviceService.command(sn, { command, ...opts }, 'cli'));
      if (queued.length === 1) io.out(`queued command ${queued[0]!.id} for ${sn}: ${queued[0]!.command}`);
      else io.out(`queued ${queued.length} commands for ${sn}`);
    });

  devices
    .command('reconcile')
    .description('ask a terminal how many punches it holds per day, and fetch again any day iclockd has fewer of')
    .argument('<sn>', 'serial number')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .option('--to <date>', 'last day, YYYY-MM-DD (default: --from)')
    .action(async (sn: string, opts: { from: string; to?: string }) => {
      const days = await withServices(config(), (s) => s.deviceService.reconcile(sn, opts.from, opts.to ?? opts.from, 'cli'));
      io.out(`queued VERIFY SUM for ${days.length} day(s) on ${sn}; days it holds more punches of are fetched again when it answers`);
    });

  /** `key=value` words to an object; numbers and true/false become values of their type. */
  const assignments = (words: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const w of words) {
      const eq = w.indexOf('=');
      if (eq <= 0) throw new AppError('validation_error', `expected key=value, not "${w}"`);
      const raw = w.slice(eq + 1);
      out[w.slice(0, eq)] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && /^-?\d+(\.\d+)?$/.test(raw) && !/^\d\d:\d\d/.test(raw) ? Number(raw) : raw;
    }
    return out;
  };

  const shiftTypes = program.command('shift-types').description('shift types (HRMS field names)');
  shiftTypes
    .command('list')
    .description('list shift types')
    .option('--json', 'print JSON lines')
    .action(async (opts: { json?: boolean }) => {
      const { rows } = await withServices(config(), (s) => s.shifts.listShiftTypes({ offset: 0, limit: 1_000_000 }));
      if (opts.json) for (const r of rows) io.out(JSON.stringify(shiftTypeView(r)));
      else for (const line of table([['NAME', 'START', 'END', 'AUTO', 'IN/OUT', 'HOURS', 'HOLIDAYS'], ...rows.map((r) => [r.name, r.startTime, r.endTime, r.enableAutoAttendance ? 'yes' : 'no', r.determineCheckInAndCheckOut, r.workingHoursCalculationBasedOn, r.holidayList ?? '-'])])) io.out(line);
    });
  shiftTypes
    .command('set')
    .description('create a shift type, or change one: iclockd shift-types set General start_time=09:00 end_time=17:00 enable_auto_attendance=true')
    .argument('<name>', 'the shift type')
    .argument('[fields...]', 'field=value, with the HRMS field names')
    .action(async (name: string, fields: string[]) => {
      const input = assignments(fields);
      const shift = await withServices(config(), async (s) =>
        (await s.shifts.listShiftTypes({ offset: 0, limit: 1_000_000 })).rows.some((r) => r.name === name)
          ? s.shifts.updateShiftType(name, input)
          : s.shifts.createShiftType({ ...input, name }),
      );
      io.out(JSON.stringify(shiftTypeView(shift)));
    });
  shiftTypes
    .command('delete')
    .description('delete a shift type that is not assigned')
    .argument('<name>', 'the shift type')
    .action(async (name: string) => {
      await withServices(config(), (s) => s.shifts.deleteShiftType(name));
      io.out(`deleted shift type ${name}`);
    });

  const shiftAssignments = program.command('shift-assignments').description('which employee works which shift from when');
  shiftAssignments
    .command('create')
    .description('assign a shift type to an employee from a date (open-ended unless --end)')
    .requiredOption('--employee <id>', 'the employee id')
    .requiredOption('--shift-type <name>', 'the shift type')
    .requiredOption('--start <date>', 'first day, YYYY-MM-DD')
    .option('--end <date>', 'last day, YYYY-MM-DD')
    .action(async (opts: { employee: string; shiftType: string; start: string; end?: string }) => {
      const a = await withServices(config(), (s) => s.shifts.createAssignment({ employee: opts.employee, shift_type: opts.shiftType, start_date: opts.start, end_date: opts.end }));
      io.out(`assignment ${a.id}: ${opts.employee} works ${opts.shiftType} from ${a.startDate}${a.endDate ? ` to ${a.endDate}` : ''}`);
    });
  shiftAssignments
    .command('list')
    .description('list assignments')
    .option('--employee <id>', 'only this employee')
    .action(async (opts: { employee?: string }) => {
      const lines = await withServices(config(), async (s) => {
        const { rows } = await s.shifts.listAssignments({ employee: opts.employee }, { offset: 0, limit: 1_000_000 });
        const names = await s.shifts.namesFor(rows);
        return rows.map((a) => [String(a.id), names.employees.get(a.employeeId)?.employee ?? '?', names.shifts.get(a.shiftTypeId)?.name ?? '?', a.startDate, a.endDate ?? '-', a.status]);
      });
      for (const line of table([['ID', 'EMPLOYEE', 'SHIFT TYPE', 'START', 'END', 'STATUS'], ...lines])) io.out(line);
    });
  shiftAssignments
    .command('end')
    .description('end an assignment on a date')
    .argument('<id>', 'the assignment id')
    .requiredOption('--end <date>', 'last day, YYYY-MM-DD')
    .action(async (id: string, opts: { end: string }) => {
      const a = await withServices(config(), (s) => s.shifts.updateAssignment(Number(id), { end_date: opts.end }));
      io.out(`assignment ${a.id} ends ${a.endDate}`);
    });

  const holidays = program.command('holidays').description('holiday lists (a shift type names one)');
  holidays
    .command('set')
    .description('replace a holiday list: iclockd holidays set "KSA 2025" 2025-06-05 2025-06-06')
    .argument('<list>', 'the list name')
    .argument('[dates...]', 'dates YYYY-MM-DD')
    .action(async (list: string, dates: string[]) => {
      const days = await withServices(config(), (s) => s.shifts.setHolidayList(list, dates));
      io.out(`${list}: ${days.length} holiday(s)`);
    });
  holidays
    .command('show')
    .description('the dates of a holiday list')
    .argument('<list>', 'the list name')
    .action(async (list: string) => {
      for (const d of await withServices(config(), (s) => s.shifts.holidayList(list))) io.out(`${d.date}${d.description ? `  ${d.description}` : ''}`);
    });

  const attendance = program.command('attendance').description('attendance computed from check-ins');

  attendance
    .command('recompute')
    .description('recompute every employee-shift in a period from its check-ins (idempotent); a final record only with --force, else it says what would change in it')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD')
    .option('--employee <id>', 'only this employee')
    .option('--force', 'change final records too (and move check-ins out of them)')
    .action(async (opts: { from: string; to: string; employee?: string; force?: boolean }) => {
      const cfg = config();
      const report = await withServices(cfg, async (s) => {
        let bar: cliProgress.SingleBar | undefined;
        const result = await s.shifts.recompute(opts, (done, total) => {
          if (!io.progress?.isTTY || total < 200) return;
          if (!bar) {
            bar = new cliProgress.SingleBar({ stream: io.progress, format: 'recomputing [{bar}] {value}/{total} employee-days' }, cliProgress.Presets.shades_classic);
            bar.start(total, 0);
          }
          bar.update(done);
        });
        bar?.stop();
        return result;
      });
      io.out(`recomputed ${report.employeeShifts} employee-shift(s) from ${opts.from} to ${opts.to}; ${report.changed} changed`);
      if (report.finalChangesTotal === 0) return;
      io.out(
        report.forced
          ? `${report.finalChangesTotal} final record(s) changed:`
          : `${report.finalChangesTotal} final record(s) would change, left as they are (run again with --force to change them):`,
      );
      for (const c of report.finalChanges) io.out(`  ${finalChangeLine(finalChangeView(c), cfg.timeZone)}`);
      if (report.finalChangesTotal > report.finalChanges.length) io.out(`  … and ${report.finalChangesTotal - report.finalChanges.length} more`);
    });

  attendance
    .command('summary')
    .description('per employee over a period: days present, half day, absent, on holiday, late entries, early exits, hours')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD')
    .option('--employee <id>', 'only this employee')
    .addOption(new Option('--format <format>', 'output').choices(['table', 'csv', 'json']).default('table'))
    .action(async (opts: { from: string; to: string; employee?: string; format: 'table' | 'csv' | 'json' }) => {
      const lines = await withServices(config(), (s) => s.shifts.summary(opts));
      if (opts.format === 'csv') io.out(summaryCsv(lines).trimEnd().replace(/\r\n/g, '\n'));
      else if (opts.format === 'json') io.out(JSON.stringify(lines));
      else for (const line of table([SUMMARY_COLUMNS.map((c) => c.toUpperCase()), ...lines.map((l) => SUMMARY_COLUMNS.map((c) => String(l[c])))])) io.out(line);
    });

  const capture = program.command('capture').description('device traffic as capture files (fixtures/README.md)');
  capture
    .command('export')
    .description("write a device's archived requests as capture files, one per request, handshake first")
    .requiredOption('--device <sn>', 'serial number')
    .requiredOption('--out <dir>', 'directory to write to (created)')
    .option('--from <date>', 'first day received, YYYY-MM-DD (in ICLOCKD_TZ)')
    .option('--to <date>', 'last day received, YYYY-MM-DD (in ICLOCKD_TZ)')
    .action(async (opts: { device: string; out: string; from?: string; to?: string }) => {
      const cfg = config();
      const range = optionDayRange(opts.from, opts.to, cfg.timeZone);
      const requests = await withServices(cfg, (s) => exportArchive(s.db.knex, opts.device, { from: range.start, to: range.end }));
      mkdirSync(opts.out, { recursive: true });
      const width = String(requests.length).length;
      requests.forEach((r, i) => {
        const name = `${opts.device.replace(/[^\w.-]/g, '_')}-${String(i).padStart(Math.max(4, width), '0')}-${r.method.toLowerCase()}-${r.target.split('?')[0]!.replace(/^\/iclock\//, '').replace(/[^\w.-]/g, '_')}.txt`;
        writeFileSync(join(opts.out, name), formatCaptureFile([r]));
      });
      io.out(`wrote ${requests.length} capture file(s) to ${opts.out}`);
    });

  program
    .command('replay')
    .description('send captured device requests to a server, in order, as the device did')
    .argument('<paths...>', 'capture files or directories (.har files are read as HAR; with --sn, raw ATTLOG exports)')
    .requiredOption('--url <url>', 'the server, e.g. http://127.0.0.1:8081')
    .option('--rate <n>', 'requests per second')
    .option('--as-sn <sn>', 'send every request as this serial')
    .option('--sn <sn>', 'the paths are raw ATTLOG exports (USB attlog.dat) of this serial')
    .option('--dry-run', 'list what would be sent, send nothing')
    .action(async (paths: string[], opts: { url: string; rate?: string; asSn?: string; sn?: string; dryRun?: boolean }) => {
      let loaded: ReturnType<typeof loadRequests>;
      try {
        loaded = loadRequests(paths, opts.sn);
      } catch (err) {
        throw new AppError('validation_error', (err as Error).message);
      }
      const requests = loaded.map((l) => l.request);
      if (opts.dryRun) {
        for (const r of requests) io.out(`${r.method} ${withSerial(r.target, opts.asSn).target} (${r.body.length} bytes)`);
        io.out(`${requests.length} request(s); nothing sent`);
        return;
      }
      const rate = opts.rate === undefined ? undefined : Number(opts.rate);
      if (rate !== undefined && !(rate > 0)) throw new AppError('validation_error', '--rate must be a positive number');
      let bar: cliProgress.SingleBar | undefined;
      if (io.progress?.isTTY && requests.length > 20) {
        bar = new cliProgress.SingleBar({ stream: io.progress, format: 'replaying [{bar}] {value}/{total} requests' }, cliProgress.Presets.shades_classic);
        bar.start(requests.length, 0);
      }
      const report = await replay(requests, { url: opts.url, rate, asSn: opts.asSn, onProgress: (done) => bar?.update(done) });
      bar?.stop();
      const devices = [...report.devices.entries()].sort(([a], [b]) => a.localeCompare(b));
      for (const line of table([
        ['DEVICE', 'REQUESTS', 'OK:N', 'OK', 'OTHER', 'STORED', 'NEW', 'DUPLICATE', 'REJECTED', 'HELD'],
        ...devices.map(([sn, t]) => [sn, t.requests, t.okWithCount, t.okPlain, t.other, t.stored, t.created, t.duplicate, t.rejected, t.held].map(String)),
      ])) {
        io.out(line);
      }
      io.out(`sent ${report.sent} request(s); ${report.failures.length} not answered OK`);
      const held = devices.filter(([, t]) => t.held > 0);
      if (held.length) {
        io.out(`${held.reduce((n, [, t]) => n + t.held, 0)} upload(s) are held, not stored: ${held.map(([sn]) => sn).join(', ')} await approval.`);
        io.out(`  Approve them (iclockd devices approve SN, or the console's Devices page) and what they sent is ingested in order;`);
        io.out(`  or set ICLOCKD_DEVICE_POLICY=approve to take new terminals at once.`);
      }
      for (const f of report.failures.slice(0, 20)) io.out(`  ${f.status} ${f.target}: ${f.reply}`);
      if (report.failures.length) throw new AppError('conflict', `${report.failures.length} request(s) were not accepted`);
    });

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
      const zone = opts.tz ?? env.ICLOCKD_TZ ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
      let skewedClocks: { terminals: number; seconds: number } | undefined;
      if (opts.skewed !== undefined && opts.clockSkew === undefined) throw new AppError('validation_error', '--skewed needs --clock-skew (how far off their clocks are)');
      if (opts.clockSkew !== undefined) {
        const seconds = parseClockSkew(opts.clockSkew);
        if (seconds === null) throw new AppError('validation_error', '--clock-skew must be a time other than 0, like 600, 10m or -48h');
        const terminals = Number(opts.skewed ?? 1);
        if (!Number.isInteger(terminals) || terminals < 1 || terminals > numbers[0]!) throw new AppError('validation_error', `--skewed must be a whole number from 1 to --devices (${opts.devices})`);
        skewedClocks = { terminals, seconds };
      }
      io.out(`simulating ${opts.devices} terminal(s) with ${opts.users} users each, ${opts.punchRate} punches/min each, for ${opts.duration}, against ${opts.url}`);
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
        onTick: (t) => io.out(line(t)),
      });
      io.out(line(summary));
      if (skewedClocks) {
        const { seconds } = skewedClocks;
        const sns = summary.skewed;
        io.out(`wrong clocks: ${sns.length} terminal(s) (${sns.slice(0, 5).join(', ')}${sns.length > 5 ? ', …' : ''}) kept their clock ${Math.abs(seconds)} s ${seconds > 0 ? 'ahead' : 'behind'}, ignoring the server's Date:, so their punches carry times that far off.`);
        io.out(`  What the server made of them: iclockd devices show ${sns[0]}`);
      }
      io.out(summary.acknowledged === summary.punches ? `every punch made was acknowledged (${summary.punches})` : `NOT ACKNOWLEDGED: ${summary.punches - summary.acknowledged} punch(es)`);
      if (summary.held) {
        const sns = [...summary.heldBy].sort();
        io.out(`${summary.held} of them are held, not stored: ${sns.length} terminal(s) (${sns.slice(0, 5).join(', ')}${sns.length > 5 ? ', …' : ''}) await approval.`);
        io.out(`  Approve them (iclockd devices approve SN, or the console's Devices page) and what they sent is ingested in order.`);
      }
      if (summary.acknowledged !== summary.punches) throw new AppError('conflict', 'some punches were not acknowledged');
    });

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
    .option('--profile <dir>', 'write a CPU profile of the server process into this directory')
    .option('--out <file>', 'JSON results', 'bench/results/latest.json')
    .option('--statements', "instead of the scenarios: where an ATTLOG burst's database time goes, statement by statement (10 batches of 2,000 punches; quick: 3)")
    .action(async (opts: { statements?: boolean; only?: string; profile?: string; quick?: boolean; seconds?: string; soakSeconds?: string; heartbeatDevices?: string; soakDevices?: string; attendance?: boolean; employees: string; days: string; out: string }) => {
      const number = (name: string, v: string | undefined, fallback: number, min: number) => {
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!Number.isFinite(n) || n < min) throw new AppError('validation_error', `--${name} must be a number of ${min} or more`);
        return n;
      };
      if (opts.statements) return runStatementProfiles(env.MYSQL_URL || undefined, opts.quick ? 3 : 10, io.out);
      const base = opts.quick ? QUICK_BENCH : FULL_BENCH;
      const fleet = {
        ...base,
        seconds: number('seconds', opts.seconds, base.seconds, 0.2),
        soakSeconds: number('soak-seconds', opts.soakSeconds, base.soakSeconds, 0.5),
        heartbeatDevices: Math.round(number('heartbeat-devices', opts.heartbeatDevices, base.heartbeatDevices, 1)),
        soakDevices: Math.round(number('soak-devices', opts.soakDevices, base.soakDevices, 1)),
        only: opts.only ? (opts.only.split(',').map((x) => x.trim()) as ScenarioName[]) : undefined,
        profileDir: opts.profile ? resolvePath(opts.profile) : undefined,
      };
      const unknown = (fleet.only ?? []).filter((n) => !(SCENARIOS as readonly string[]).includes(n));
      if (unknown.length) throw new AppError('validation_error', `--only: unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
      const attendance = opts.attendance ? { employees: Math.round(number('employees', opts.employees, 1000, 1)), days: Math.round(number('days', opts.days, 30, 1)) } : undefined;
      await runBench({ fleet, out: opts.out, mysqlUrl: env.MYSQL_URL || undefined, attendance }, io.out);
    });

  registerForwardingCommands(program, { out: io.out, err: io.err, withServices: (work) => withServices(config(), work), table });

  program
    .command('reprocess')
    .description("run a terminal's archived uploads through the current codec and pipeline again (idempotent)")
    .requiredOption('--device <sn>', 'serial number')
    .option('--from <date>', 'first day received, YYYY-MM-DD (in ICLOCKD_TZ)')
    .option('--to <date>', 'last day received, YYYY-MM-DD (in ICLOCKD_TZ)')
    .action(async (opts: { device: string; from?: string; to?: string }) => {
      const cfg = config();
      const range = optionDayRange(opts.from, opts.to, cfg.timeZone);
      const total = await withServices(cfg, (s) => s.deviceService.reprocess(opts.device, { from: range.start, to: range.end }));
      io.out(`reprocessed ${total.requests} upload(s) from ${opts.device}: ${total.records} record(s), ${total.created} new punch(es), ${total.duplicate} already stored, ${total.rejected} line(s) still not read`);
    });

  return program;
}

/** Runs the CLI; resolves to the exit code (serve keeps running and resolves 0). */
export async function runCli(argv: string[], io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = buildCli(io, env);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) {
      io.err(`iclockd: invalid configuration: ${err.message}`);
      return 2;
    }
    if (err instanceof AppError) {
      io.err(`iclockd: ${err.message}`);
      return 1;
    }
    const message = (err as Error).message ?? String(err);
    if (isDatabaseUnavailable(err)) {
      let url = env.DATABASE_URL || DEFAULT_DATABASE_URL;
      try {
        url = loadConfig(env).databaseUrl;
      } catch {
        // The configuration was read once already to get here; the variable is the best guess.
      }
      io.err(`iclockd: the database at ${maskUrlPassword(url)} cannot be reached (${message.split('\n')[0]}); is it running, and is DATABASE_URL right?`);
      return 1;
    }
    io.err(`iclockd: ${message}`);
    return 1;
  }
}

// Run when executed (directly, through the npm bin link, or npx), not when imported by tests.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Output piped into a reader that stops early (`iclockd devices list | head`): stop quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  runCli(process.argv.slice(2)).then((code) => {
    if (code !== 0) process.exit(code);
  });
}
