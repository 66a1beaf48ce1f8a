// `iclockd doctor`: all clear on a working setup; each kind of problem named, with its fix,
// and exit code 1 when something must be fixed.
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../src/bench/fleet.js';
import { type CliHarness, cliHarness } from '../helpers/cli.js';
import { freshDatabaseUrl, testDialect } from '../helpers/db.js';

describe(`iclockd doctor on ${testDialect()}`, () => {
  let h: CliHarness;
  before(async () => {
    h = await cliHarness({ ICLOCKD_PORT: String(await freePort()), ICLOCKD_HOST: '127.0.0.1' });
  });
  after(async () => {
    await h.cleanup();
  });

  const line = (out: string[], name: string) => out.find((l) => new RegExp(`^\\S+\\s+${name}\\s`).test(l)) ?? '';

  test('a working setup: every check ok, exit 0', async () => {
    const r = await h.cli('doctor');
    assert.equal(r.code, 0, r.out.join('\n'));
    for (const name of ['config', 'time zone', 'database', 'migrations', 'clock', 'port']) assert.match(line(r.out, name), /^ok\s/, name);
    assert.match(line(r.out, 'migrations'), /all \d+ applied/);
    assert.equal(r.out.at(-1), 'ready to serve');
  });

  test('the port taken by another process: FAIL with the fix', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(Number(h.env.ICLOCKD_PORT), '127.0.0.1', resolve));
    try {
      const r = await h.cli('doctor');
      assert.equal(r.code, 1);
      assert.match(line(r.out, 'port'), /^FAIL\s+port\s+something already listens on 127\.0\.0\.1:\d+/);
      assert.ok(r.out.some((l) => /fix: stop it \(another iclockd\?\) or choose another ICLOCKD_PORT/.test(l)));
      assert.match(r.out.at(-1)!, /^1 problem\(s\) to fix/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  test('a database not migrated yet is a warning that says how to migrate', async () => {
    const fresh = freshDatabaseUrl();
    try {
      const unmigrated = await (await cliHarnessFor(fresh.url)).cli('doctor');
      assert.equal(unmigrated.code, 0, unmigrated.out.join('\n'));
      assert.match(line(unmigrated.out, 'migrations'), /^warn\s+migrations\s+\d+ pending: 001_core_tables/);
      assert.ok(unmigrated.out.some((l) => /fix: run iclockd migrate/.test(l)));
    } finally {
      await fresh.drop();
    }
  });

  test('an unreachable database and a bad setting each FAIL with what to do', async () => {
    const down = await (await cliHarnessFor(testDialect() === 'mysql' ? 'mysql://root@127.0.0.1:1/nowhere' : 'sqlite:/etc/hostname/nowhere.sqlite')).cli('doctor');
    assert.equal(down.code, 1);
    assert.match(line(down.out, 'database'), /^FAIL\s+database\s+/);
    assert.ok(down.out.some((l) => /fix: check/.test(l)));
    const bad = await (await cliHarnessFor(undefined, { ICLOCKD_TZ: 'Mars/Olympus' })).cli('doctor');
    assert.equal(bad.code, 1);
    assert.match(line(bad.out, 'config'), /^FAIL\s+config\s+ICLOCKD_TZ must be an IANA time zone name/);
  });

  /** The same CLI with another database URL or settings, sharing nothing with `h` but its port. */
  async function cliHarnessFor(url: string | undefined, env: NodeJS.ProcessEnv = {}) {
    const merged = { ...h.env, ...(url ? { DATABASE_URL: url } : {}), ...env };
    const { runCli } = await import('../../src/cli/main.js');
    return {
      async cli(...argv: string[]) {
        const run = { code: 0, out: [] as string[], err: [] as string[] };
        run.code = await runCli(argv, { out: (l) => run.out.push(l), err: (l) => run.err.push(l) }, merged);
        return run;
      },
    };
  }
});
