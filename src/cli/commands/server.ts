// `iclockd serve`, `doctor` and `migrate`: running the server, and readying its machine and database.
import { type Command, CommanderError } from 'commander';
import { databaseTimeouts } from '../../config.js';
import { settingsHelp } from '../../config/settingsDoc.js';
import { serve } from '../../main.js';
import { closeDatabase, freeMigrationLock, migrateDatabase, openDatabase } from '../../store/db.js';
import type { CliContext } from '../context.js';
import { formatChecks, runChecks } from '../doctor.js';

export function registerServerCommands(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('run the server (applies pending migrations first)')
    .addHelpText('after', `\n${settingsHelp()}`)
    .action(async () => {
      await serve(ctx.config());
    });

  program
    .command('doctor')
    .description('check the configuration, database, migrations, clocks and port, and say what to fix')
    .action(async () => {
      const checks = await runChecks(ctx.config);
      for (const line of formatChecks(checks)) ctx.out(line);
      const failed = checks.filter((c) => c.status === 'fail').length;
      ctx.out(failed ? `${failed} problem(s) to fix before iclockd can serve` : 'ready to serve');
      if (failed) throw new CommanderError(1, 'iclockd.doctor', `${failed} check(s) failed`);
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .option('--unlock', 'free the migration lock an instance left held when it died mid-migration (only when no instance is migrating), then exit')
    .action(async (opts: { unlock?: boolean }) => {
      const cfg = ctx.config();
      if (opts.unlock) {
        const db = await openDatabase(cfg.databaseUrl, databaseTimeouts(cfg));
        try {
          ctx.out((await freeMigrationLock(db)) ? 'migration lock freed: start iclockd again' : 'the migration lock was not held');
        } finally {
          await closeDatabase(db);
        }
        return;
      }
      const names = await migrateDatabase(cfg.databaseUrl, cfg.dbAcquireTimeoutSeconds);
      ctx.out(names.length ? `applied ${names.length} migration(s): ${names.join(', ')}` : 'database schema is up to date');
    });
}
