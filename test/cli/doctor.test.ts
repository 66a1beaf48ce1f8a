// `iclockd doctor`: all clear on a working setup; each kind of problem named, with its fix,
// and exit code 1 when something must be fixed. Each check is bounded in time, and a failure
// is one line (and its fix), never a stack.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../src/bench/fleet.js';
import { type CliHarness, cliHarness } from '../helpers/cli.js';
import { freshDatabaseUrl, testDialect } from '../helpers/db.js';
import { CLI, TSX } from '../helpers/serveProcess.js';

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

interface ProcessRun {
  code: number | null;
  out: string[];
  err: string;
  seconds: number;
}

/** Longer than any bounded run takes; a run still going then (a spin, a hang) is killed and fails the test. */
const RUN_LIMIT_SECONDS = 40;

/**
 * `iclockd <command>` as a real process in a scratch directory (a spin or an open handle
 * shows as a run that does not end), with only PATH and `env` in its environment.
 */
async function runProcess(command: string, env: Record<string, string>): Promise<ProcessRun> {
  const cwd = mkdtempSync(join(tmpdir(), 'iclockd-doctor-'));
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', TSX, CLI, command], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_SECONDS * 1000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(killer);
  rmSync(cwd, { recursive: true, force: true });
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seconds < RUN_LIMIT_SECONDS, `iclockd ${command} did not end within ${RUN_LIMIT_SECONDS} s (killed); it printed:\n${stdout}${err}`);
  return { code, out: stdout.split('\n').filter(Boolean), err, seconds };
}

async function doctorProcess(env: Record<string, string>): Promise<ProcessRun> {
  return runProcess('doctor', { ICLOCKD_HOST: '127.0.0.1', ICLOCKD_PORT: String(await freePort()), ...env });
}

const checkLine = (out: string[], name: string) => out.find((l) => new RegExp(`^\\S+\\s+${name}\\s`).test(l)) ?? '';

/** Every line a check, its fix, or the verdict; nothing on stderr (no knex warning, no stack). */
function assertOnlyCheckLines(r: ProcessRun): void {
  assert.equal(r.err, '', 'nothing on stderr');
  for (const l of r.out) assert.match(l, /^(ok {4}|warn {2}|FAIL {2})\S|^ +fix: \S|^ready to serve$|^\d+ problem\(s\) to fix/, `not a check line: ${l}`);
}

describe('iclockd doctor as a process: every check bounded, every failure one line', { skip: testDialect() !== 'sqlite' && 'the same on both databases' }, () => {
  const sqliteDirs: string[] = [];
  const sqliteUrl = () => {
    const dir = mkdtempSync(join(tmpdir(), 'iclockd-doctor-db-'));
    sqliteDirs.push(dir);
    return `sqlite:${join(dir, 'iclockd.sqlite')}`;
  };
  after(() => {
    for (const d of sqliteDirs) rmSync(d, { recursive: true, force: true });
  });

  test('a host time zone Node does not know (it silently runs as UTC) is a FAIL when ICLOCKD_TZ does not cover it', async () => {
    const r = await doctorProcess({ TZ: 'Mars/Olympus', DATABASE_URL: sqliteUrl() });
    assertOnlyCheckLines(r);
    assert.equal(r.code, 1, r.out.join('\n'));
    assert.match(checkLine(r.out, 'time zone'), /^FAIL\s+time zone\s+.*TZ=Mars\/Olympus is not a time zone/);
    assert.ok(r.out.some((l) => /fix: .*ICLOCKD_TZ/.test(l)));
  });

  test('with ICLOCKD_TZ set, the unknown host zone is a warning: terminals are read in ICLOCKD_TZ', async () => {
    const r = await doctorProcess({ TZ: 'Mars/Olympus', ICLOCKD_TZ: 'Asia/Riyadh', DATABASE_URL: sqliteUrl() });
    assertOnlyCheckLines(r);
    assert.equal(r.code, 0, r.out.join('\n'));
    assert.match(checkLine(r.out, 'time zone'), /^warn\s+time zone\s+Asia\/Riyadh \(ICLOCKD_TZ\) for terminals without their own.*TZ=Mars\/Olympus is not a time zone/);
  });

  test('an empty TZ is UTC, as POSIX has it (not the Etc/Unknown Node reports, where no time can be computed)', async () => {
    const r = await doctorProcess({ TZ: '', DATABASE_URL: sqliteUrl() });
    assertOnlyCheckLines(r);
    assert.match(checkLine(r.out, 'time zone'), /^ok\s+time zone\s+UTC \(this host's zone\) for terminals without their own; now \d{4}-\d\d-\d\d \d\d:\d\d \+00:00 there$/);
  });

  test('a database that accepts the connection but never answers: FAIL in one line within the bound, and doctor ends', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const r = await doctorProcess({ DATABASE_URL: `mysql://root:hunter2@127.0.0.1:${port}/att` });
      assertOnlyCheckLines(r);
      assert.equal(r.code, 1, r.out.join('\n'));
      assert.match(checkLine(r.out, 'database'), new RegExp(`^FAIL\\s+database\\s+no answer from 127\\.0\\.0\\.1:${port} within 5 s`));
      assert.equal(r.out.filter((l) => l.startsWith('FAIL')).length, 1, r.out.join('\n'));
      assert.ok(!r.out.some((l) => /hunter2|transacting/.test(l)), r.out.join('\n'));
      // Bounded at 5 s (it took 15.5 s); generous for a slow machine.
      assert.ok(r.seconds < 12, `took ${r.seconds} s`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('an unreachable MySQL port: FAIL in one line naming the address, at once', async () => {
    const port = await freePort();
    const r = await doctorProcess({ DATABASE_URL: `mysql://root@127.0.0.1:${port}/att` });
    assertOnlyCheckLines(r);
    assert.equal(r.code, 1, r.out.join('\n'));
    assert.match(checkLine(r.out, 'database'), new RegExp(`^FAIL\\s+database\\s+nothing accepts connections at 127\\.0\\.0\\.1:${port}`));
    assert.ok(r.seconds < 12, `took ${r.seconds} s`);
  });

  test('a SQLite path whose directory cannot be made (/proc/nope): FAIL in one line, at once (it spun at 100 % CPU)', { skip: !existsSync('/proc/self') && 'needs Linux procfs' }, async () => {
    const r = await doctorProcess({ DATABASE_URL: 'sqlite:/proc/nope/x.sqlite' });
    assertOnlyCheckLines(r);
    assert.equal(r.code, 1, r.out.join('\n'));
    assert.match(checkLine(r.out, 'database'), /^FAIL\s+database\s+sqlite:\/proc\/nope\/x\.sqlite: cannot create the directory \/proc\/nope for the SQLite file \(ENOENT: no such file or directory\)$/);
    assert.ok(r.seconds < 12, `took ${r.seconds} s`);
  });

  test('the same SQLite path stops `iclockd serve` at start in one line, exit 1', { skip: !existsSync('/proc/self') && 'needs Linux procfs' }, async () => {
    const r = await runProcess('serve', { DATABASE_URL: 'sqlite:/proc/nope/x.sqlite', ICLOCKD_HOST: '127.0.0.1', ICLOCKD_PORT: '0', ICLOCKD_TZ: 'UTC' });
    assert.equal(r.code, 1);
    assert.deepEqual(r.out, []);
    assert.match(r.err, /^iclockd: cannot create the directory \/proc\/nope for the SQLite file \(ENOENT: no such file or directory\)\n$/);
  });

  test('a silent database stops `iclockd serve` at start in one line naming the silence', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const r = await runProcess('serve', {
        DATABASE_URL: `mysql://root@127.0.0.1:${port}/att`,
        ICLOCKD_DB_ACQUIRE_TIMEOUT_SECONDS: '2',
        ICLOCKD_HOST: '127.0.0.1',
        ICLOCKD_PORT: '0',
        ICLOCKD_TZ: 'UTC',
      });
      assert.equal(r.code, 1);
      assert.match(r.err, new RegExp(`^iclockd: the database at mysql://root@127\\.0\\.0\\.1:${port}/att cannot be reached \\(no answer from 127\\.0\\.0\\.1:${port} within 2 s\\)[^\\n]*\\n$`));
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('iclockd doctor as a process against MySQL that goes silent mid-check', { skip: testDialect() !== 'mysql' && 'needs MySQL' }, () => {
  /** Passes the link through until the client sends `pattern`, then passes nothing more either way (the server hung). */
  async function silentAfter(pattern: string): Promise<{ port: number; close(): Promise<void> }> {
    const target = new URL(process.env.MYSQL_URL!);
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port || 3306), target.hostname);
      let silent = false;
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => {});
      }
      client.on('data', (d: Buffer) => {
        silent ||= d.toString('latin1').includes(pattern);
        if (!silent) upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => {
        if (!silent) client.write(d);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    return {
      port: (proxy.address() as { port: number }).port,
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise((resolve) => proxy.close(resolve));
      },
    };
  }

  for (const [pattern, check] of [
    ['VERSION()', 'database'],
    ['knex_migrations', 'migrations'],
  ] as const) {
    test(`no answer to ${pattern}: ${check} FAILs in one line within the bound, and doctor ends`, async () => {
      const fresh = freshDatabaseUrl();
      const proxy = await silentAfter(pattern);
      try {
        const url = new URL(fresh.url);
        url.host = `127.0.0.1:${proxy.port}`;
        const r = await doctorProcess({ DATABASE_URL: url.toString(), ICLOCKD_TZ: 'UTC' });
        assertOnlyCheckLines(r);
        assert.equal(r.code, 1, r.out.join('\n'));
        assert.match(checkLine(r.out, check), new RegExp(`^FAIL\\s+${check}\\s+no answer from 127\\.0\\.0\\.1:${proxy.port} within 5 s$`));
        // The statement's own timeout is a minute and more; the check's bound is 5 s.
        assert.ok(r.seconds < 15, `took ${r.seconds} s`);
      } finally {
        await proxy.close();
        await fresh.drop();
      }
    });
  }
});
