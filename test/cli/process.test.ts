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
});
