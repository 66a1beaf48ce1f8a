// `iclockd serve` as a real process: default SQLite file, real HTTP, exit 0 on SIGTERM/SIGINT,
// one clear line and exit 2 on bad configuration.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type TestDatabaseUrl, freshDatabaseUrl, testDialect } from '../helpers/db.js';
import { CLI, TSX, startProcess } from '../helpers/serveProcess.js';

describe(`iclockd serve process on ${testDialect()}`, () => {
  const dirs: string[] = [];
  const databases: TestDatabaseUrl[] = [];
  const workdir = () => {
    const d = mkdtempSync(join(tmpdir(), 'iclockd-proc-'));
    dirs.push(d);
    return d;
  };
  after(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    for (const db of databases) await db.drop();
  });

  test('serves /healthz and /readyz and exits 0 on SIGTERM', async () => {
    const cwd = workdir();
    const env: Record<string, string> = {};
    if (testDialect() === 'mysql') {
      const db = freshDatabaseUrl();
      databases.push(db);
      env.DATABASE_URL = db.url;
    }
    const p = await startProcess(cwd, env);
    if (testDialect() === 'sqlite') {
      assert.ok(existsSync(join(cwd, 'data', 'iclockd.sqlite')), 'default SQLite file created under ./data/');
    }
    assert.equal((await fetch(`http://127.0.0.1:${p.port}/healthz`)).status, 200);
    const ready = await fetch(`http://127.0.0.1:${p.port}/readyz`);
    assert.equal(ready.status, 200);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    assert.ok(p.lines.some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM'));
    assert.ok(p.lines.some((l) => l.msg === 'iclockd stopped'));
  });

  test('exits 0 on SIGINT', async () => {
    const cwd = workdir();
    const p = await startProcess(cwd, { DATABASE_URL: `sqlite:${join(cwd, 'x.sqlite')}` });
    p.child.kill('SIGINT');
    assert.equal(await p.exited, 0);
  });

  test('a host time zone Node does not know, with no ICLOCKD_TZ: a warning that times are read as UTC', async () => {
    const cwd = workdir();
    const p = await startProcess(cwd, { DATABASE_URL: `sqlite:${join(cwd, 'x.sqlite')}`, TZ: 'Mars/Olympus', ICLOCKD_TZ: undefined as unknown as string });
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    const warning = p.lines.find((l) => l.level === 40 || l.level === 'warn');
    assert.match(String(warning?.msg), /TZ=Mars\/Olympus is not a time zone: shift times and wall times are read in UTC; set ICLOCKD_TZ/);
  });

  test('invalid configuration: one line naming the variable, exit 2, nothing served', async () => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, 'serve'], {
      cwd: workdir(),
      env: { PATH: process.env.PATH ?? '', ICLOCKD_PORT: 'http' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.equal(code, 2);
    assert.equal(stderr, 'iclockd: invalid configuration: ICLOCKD_PORT must be a number (got "http")\n');
  });

  test('the database unreachable at start: one clear line naming it (password masked), exit 1, no raw stack', async () => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, 'serve'], {
      cwd: workdir(),
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: 'mysql://root:hunter2@127.0.0.1:1/att', ICLOCKD_DB_ACQUIRE_TIMEOUT_SECONDS: '2', ICLOCKD_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.equal(code, 1);
    assert.match(stderr, /^iclockd: the database at mysql:\/\/root:\*\*\*@127\.0\.0\.1:1\/att cannot be reached \(connect ECONNREFUSED 127\.0\.0\.1:1\); is it running, and is DATABASE_URL right\?\n$/);
  });

  test('output piped into a reader that stops early ends quietly, exit 0', { skip: testDialect() !== 'sqlite' && 'the same on both databases' }, async () => {
    const cwd = workdir();
    const url = `sqlite:${join(cwd, 'many.sqlite')}`;
    const { openDatabase, migrateToLatest, closeDatabase } = await import('../../src/store/db.js');
    const db = await openDatabase(url);
    await migrateToLatest(db);
    const at = '2026-12-03 08:00:00';
    for (let i = 0; i < 5000; i += 500) {
      await db.knex('devices').insert(Array.from({ length: 500 }, (_, j) => ({ serial: `PIPE${String(i + j).padStart(5, '0')}`, state: 'approved', site: 'main', created_at: at, updated_at: at })));
    }
    await closeDatabase(db);
    const child = spawn(process.execPath, ['--import', TSX, CLI, 'devices', 'list'], { cwd, env: { PATH: process.env.PATH ?? '', DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // As `| head -1` does: read the first chunk, then close the pipe.
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});
