// What every command group of `iclockd` is given (see commands/), and the one way each of them
// writes: where output goes, the settings, the services on the database, tables, JSON lines,
// times, progress bars, and the exit code a failure ends with.
import cliProgress from 'cli-progress';
import { CommanderError } from 'commander';
import { type Services, createServices } from '../app.js';
import { type Config, ConfigError, DEFAULT_DATABASE_URL, databaseTimeouts, loadConfig, maskUrlPassword } from '../config.js';
import { AppError } from '../errors.js';
import { createLogger } from '../log.js';
import { dayRange } from '../pipeline/time.js';
import { closeDatabase, migrateToLatest, openDatabase } from '../store/db.js';
import { isDatabaseUnavailable } from '../store/transaction.js';

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Where progress bars go; shown only when it is a terminal. */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progress: process.stderr,
};

export interface CliContext extends CliIo {
  env: NodeJS.ProcessEnv;
  /** The settings: the environment over the --config file; read when a command runs, so a bad one fails that command only. */
  config(): Config;
  /** The same services `serve` builds, on a migrated database, for one command (on `config`, read first, or else read now). */
  withServices<T>(work: (services: Services) => Promise<T>, config?: Config): Promise<T>;
  /** Rows as aligned columns, the first row the header. */
  printTable(rows: string[][]): void;
  /** One JSON document a line (`--json` of the list commands). */
  printJsonLines(items: readonly unknown[]): void;
  /** A bar on the progress stream, started at 0 of `total`; none when that stream is not a terminal. */
  progressBar(format: string, total: number): cliProgress.SingleBar | undefined;
}

/** The context of one `iclockd` run; `configFile` is the --config option, known once the arguments are parsed. */
export function cliContext(io: CliIo, env: NodeJS.ProcessEnv, configFile: () => string | undefined): CliContext {
  const config = () => loadConfig(env, configFile() ?? env.ICLOCKD_CONFIG);
  return {
    ...io,
    env,
    config,
    async withServices(work, cfg = config()) {
      const db = await openDatabase(cfg.databaseUrl, databaseTimeouts(cfg));
      try {
        await migrateToLatest(db);
        return await work(createServices(cfg, db, createLogger('warn')));
      } finally {
        await closeDatabase(db);
      }
    },
    printTable(rows) {
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) io.out(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
    },
    printJsonLines(items) {
      for (const item of items) io.out(JSON.stringify(item));
    },
    progressBar(format, total) {
      if (!io.progress?.isTTY) return undefined;
      const bar = new cliProgress.SingleBar({ stream: io.progress, format }, cliProgress.Presets.shades_classic);
      bar.start(total, 0);
      return bar;
    },
  };
}

/** An instant (or its ISO text) as `YYYY-MM-DD HH:MM:SSZ`; `-` for none. */
/** `key=value` words (`set` commands) as an object: true/false and numbers as such, times of day (09:00) as text. */
export function fieldAssignments(words: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new AppError('validation_error', `expected key=value, not "${w}"`);
    const raw = w.slice(eq + 1);
    out[w.slice(0, eq)] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && /^-?\d+(\.\d+)?$/.test(raw) && !/^\d\d:\d\d/.test(raw) ? Number(raw) : raw;
  }
  return out;
}

export function utcTime(at: Date | string | null): string {
  if (at === null) return '-';
  return `${(typeof at === 'string' ? at : at.toISOString()).slice(0, 19).replace('T', ' ')}Z`;
}

/** --from/--to days as instants, with errors that name the options. */
export function optionDayRange(from: string | undefined, to: string | undefined, zone: string): { start?: Date; end?: Date } {
  try {
    return dayRange(from, to, zone);
  } catch (err) {
    if (err instanceof AppError) throw new AppError(err.type, err.message.replace(/^(from|to)/, '--$1'));
    throw err;
  }
}

/**
 * What a command that failed says on stderr, and its exit code: 2 for invalid settings, 1 for
 * everything else (a CommanderError has said its piece and carries its own code).
 */
export function failureExitCode(err: unknown, io: CliIo, env: NodeJS.ProcessEnv): number {
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
