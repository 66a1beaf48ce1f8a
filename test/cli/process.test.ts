// `iclockd serve` as a real process: default SQLite file, real HTTP, exit 0 on SIGTERM/SIGINT,
// one clear line and exit 2 on bad configuration.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { type TestDatabaseUrl, freshDatabaseUrl, testDialect } from '../helpers/db.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// Resolved here: the child runs in a scratch directory with no node_modules of its own.
const TSX = import.meta.resolve('tsx');

interface Started {
  child: ChildProcess;
  port: number;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

function startProcess(cwd: string, env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', TSX, CLI, 'serve'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ICLOCKD_PORT: '0', ICLOCKD_HOST: '127.0.0.1', ICLOCKD_TZ: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffer = '';
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        if (line.msg === 'iclockd listening') resolve({ child, port: line.port as number, lines, exited });
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
  });
}

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
