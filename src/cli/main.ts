#!/usr/bin/env node
// The `iclockd` command: the program, built from the command groups in commands/ (one module
// each, given the one CliContext of context.ts), and run. Setup commands (migrate, keys, …)
// work on the database directly.
import './v8Tuning.js';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerAttendanceCommands } from './commands/attendance.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerDeviceCommands } from './commands/devices.js';
import { registerEmployeeCommands } from './commands/employees.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerPollerCommands } from './commands/pollers.js';
import { registerForwardingCommands } from './commands/outbox.js';
import { registerReplayCommands } from './commands/replay.js';
import { registerReprocessCommand } from './commands/reprocess.js';
import { registerServerCommands } from './commands/server.js';
import { registerShiftCommands } from './commands/shifts.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerStatsCommand } from './commands/stats.js';
import { type CliContext, type CliIo, cliContext, failureExitCode, processIo } from './context.js';

export type { CliIo } from './context.js';

/** The groups in the order `iclockd --help` lists their commands. */
const COMMAND_GROUPS: ((program: Command, ctx: CliContext) => void)[] = [
  registerServerCommands,
  registerKeyCommands,
  registerEmployeeCommands,
  registerStatsCommand,
  registerDeviceCommands,
  registerPollerCommands,
  registerShiftCommands,
  registerAttendanceCommands,
  registerReplayCommands,
  registerSimulateCommand,
  registerBenchCommand,
  registerForwardingCommands,
  registerReprocessCommand,
];

export function buildCli(io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Command {
  const program = new Command('iclockd')
    .description('Attendance server for ZKTeco ADMS/PUSH terminals and JSON punch clients')
    .version(VERSION)
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();
  const ctx = cliContext(io, env, () => program.opts<{ config?: string }>().config);
  for (const register of COMMAND_GROUPS) register(program, ctx);
  return program;
}

/** Runs the CLI; resolves to the exit code (serve keeps running and resolves 0). */
export async function runCli(argv: string[], io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = buildCli(io, env);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return failureExitCode(err, io, env);
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
