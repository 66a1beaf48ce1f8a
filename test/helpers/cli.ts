// The CLI in process on a fresh database, with the same services beside it for setup.
import { type Services, createServices } from '../../src/app.js';
import { runCli } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { closeDatabase, migrateToLatest, openDatabase } from '../../src/store/db.js';
import { freshDatabaseUrl } from './db.js';

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
}

export interface CliHarness {
  env: NodeJS.ProcessEnv;
  services: Services;
  cli(...argv: string[]): Promise<CliRun>;
  cleanup(): Promise<void>;
}

export async function cliHarness(extraEnv: NodeJS.ProcessEnv = {}): Promise<CliHarness> {
  const fresh = freshDatabaseUrl();
  const env = { DATABASE_URL: fresh.url, ICLOCKD_TZ: 'UTC', ...extraEnv };
  const db = await openDatabase(fresh.url);
  await migrateToLatest(db);
  const services = createServices(loadConfig(env), db, createLogger('silent'));
  return {
    env,
    services,
    async cli(...argv) {
      const run: CliRun = { code: 0, out: [], err: [] };
      run.code = await runCli(argv, { out: (l) => run.out.push(l), err: (l) => run.err.push(l) }, env);
      return run;
    },
    async cleanup() {
      await closeDatabase(db);
      await fresh.drop();
    },
  };
}
