// HAProxy for the cluster test, run from the very file operators deploy (deploy/haproxy.cfg),
// its addresses given through the environment variables that file reads. The runtime API on
// its admin socket tells which backend holds a given client connection.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/bench/fleet.js';

export const HAPROXY = '/usr/sbin/haproxy';
export const HAPROXY_CFG = fileURLToPath(new URL('../../deploy/haproxy.cfg', import.meta.url));

export interface Haproxy {
  port: number;
  statsPort: number;
  /** A runtime-API command's answer. */
  command(line: string): Promise<string>;
  /** The backend server (iclockd1…) serving the client connection from local port `clientPort`, once it has one. */
  serverOf(clientPort: number): Promise<string | null>;
  /** Servers HAProxy's health checks hold UP. */
  upServers(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startHaproxy(backends: string[]): Promise<Haproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'iclockd-haproxy-'));
  const socket = join(dir, 'admin.sock');
  const port = await freePort();
  const statsPort = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ICLOCKD_HAPROXY_BIND: `127.0.0.1:${port}`,
    ICLOCKD_HAPROXY_STATS_BIND: `127.0.0.1:${statsPort}`,
    ICLOCKD_HAPROXY_SOCKET: socket,
    ICLOCKD_HAPROXY_LOG: 'stdout',
    // Twice this in file descriptors must fit under the test machine's hard limit.
    ICLOCKD_HAPROXY_MAXCONN: '4000',
  };
  backends.forEach((b, i) => (env[`ICLOCKD_BACKEND_${i + 1}`] = b));
  const child: ChildProcess = spawn(HAPROXY, ['-f', HAPROXY_CFG, '-db'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const command = (line: string) =>
    new Promise<string>((resolve, reject) => {
      const c = connect(socket);
      let out = '';
      c.on('data', (d) => (out += d.toString()));
      c.on('end', () => resolve(out));
      c.on('error', reject);
      c.end(`${line}\n`);
    });

  const proxy: Haproxy = {
    port,
    statsPort,
    command,
    async serverOf(clientPort) {
      // `show sess all` prints each stream's frontend connection (source address) and its server.
      const text = await command('show sess all');
      const source = new RegExp(`source=127\\.0\\.0\\.1:${clientPort}\\b`);
      for (const block of text.split(/\n(?=0x[0-9a-f]+: \[)/)) {
        if (!source.test(block)) continue;
        const m = /\bsrv=(\S+)/.exec(block) ?? /\bserver=(\S+)/.exec(block);
        if (m && m[1] !== '<NONE>') return m[1]!;
      }
      return null;
    },
    async upServers() {
      const csv = await command('show stat');
      return csv
        .split('\n')
        .map((l) => l.split(','))
        .filter((f) => f[0] === 'iclockd' && f[1] !== 'BACKEND' && f[17]?.startsWith('UP'))
        .map((f) => f[1]!);
    },
    async stop() {
      child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const end = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (child.exitCode !== null || Date.now() > end) {
      await proxy.stop();
      throw new Error(`haproxy did not start: ${stderr}`);
    }
    await sleep(50);
  }
  return proxy;
}
