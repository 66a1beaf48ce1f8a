// deploy/ for several instances behind HAProxy on Galera: haproxy.cfg passes HAProxy's check and,
// run for real, sends every request to the one ready instance (retrying elsewhere when a
// connection fails) with the client's address; the template unit passes systemd's check and
// runs what the single unit runs; the alert rules pass promtool and their own unit tests; and
// every metric the rules and the dashboard read is one iclockd or HAProxy exports.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { freePort } from '../../src/bench/fleet.js';
import { SETTINGS } from '../../src/config/settings.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string> };
const entry = pkg.bin.iclockd!; // dist/src/cli/main.js

/** The tool's path, on PATH or in the sbin directories a non-root PATH lacks; null when absent. */
function findTool(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin'];
  for (const dir of dirs) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return null;
}
const haproxy = findTool('haproxy');
const promtool = findTool('promtool');
const systemdAnalyze = findTool('systemd-analyze');
const missing = (tool: string | null, name: string) => (tool ? false : `${name} is not installed`);

/** The environment without any ICLOCKD_* variable of the caller, so the file's defaults are what is tested. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ICLOCKD_')) env[k] = v;
  return { ...env, ...extra };
}

// ---------------------------------------------------------------------------------------------
// haproxy.cfg

const cfg = read('deploy/haproxy.cfg');
/** The file's directives, comments and blank lines left out. */
const directives = cfg
  .split('\n')
  .map((l) => l.replace(/#.*$/, '').trim())
  .filter(Boolean);
/** The lines of one section (`defaults`, `backend iclockd`, ...), its header left out. */
function section(header: string): string[] {
  const start = directives.indexOf(header);
  assert.ok(start >= 0, `haproxy.cfg has no "${header}" section`);
  const rest = directives.slice(start + 1);
  const end = rest.findIndex((l) => /^(global|defaults|frontend|backend|listen)\b/.test(l));
  return end < 0 ? rest : rest.slice(0, end);
}
/** HAProxy's time format (ms by default) in seconds. */
function seconds(value: string): number {
  const m = /^(\d+)(us|ms|s|m|h|d)?$/.exec(value);
  assert.ok(m, `not a HAProxy time: ${value}`);
  const unit = { us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? 'ms']!;
  return Number(m[1]) * unit;
}
/** A setting's default, in the number it is. */
const defaultOf = (s: { default: unknown }) => Number(typeof s.default === 'function' ? (s.default as () => unknown)() : s.default);
function timeout(name: string): number {
  const line = section('defaults').find((l) => l.startsWith(`timeout ${name} `));
  assert.ok(line, `defaults set no "timeout ${name}"`);
  return seconds(line.split(/\s+/)[2]!);
}

test('haproxy.cfg: site settings from the environment, readyz checks, no stickiness, timeouts above iclockd\'s own', () => {
  const vars = new Map([...cfg.matchAll(/"\$\{(ICLOCKD_[A-Z0-9_]+)(?:-([^}"]*))?\}"/g)].map((m) => [m[1]!, m[2] ?? null]));
  assert.equal(vars.get('ICLOCKD_HAPROXY_BIND'), ':8081');
  assert.equal(vars.get('ICLOCKD_HAPROXY_STATS_BIND'), '127.0.0.1:8404');
  assert.equal(vars.get('ICLOCKD_HAPROXY_SOCKET'), '/run/haproxy/iclockd.sock');
  assert.equal(vars.get('ICLOCKD_HAPROXY_LOG'), '/dev/log');
  for (const n of [1, 2, 3]) assert.match(vars.get(`ICLOCKD_BACKEND_${n}`) ?? '', /^[\d.]+:\d+$/, `ICLOCKD_BACKEND_${n} has no default address`);

  // Runs in the foreground under a test and under systemd: nothing daemonizes, chroots or
  // switches user unless asked.
  const global = section('global');
  for (const word of ['daemon', 'chroot', 'nbproc']) assert.ok(!global.some((l) => l.split(/\s+/)[0] === word), `global has "${word}"`);
  let guarded = false;
  for (const l of directives) {
    if (l.startsWith('.if')) guarded = true;
    else if (l.startsWith('.endif')) guarded = false;
    else if (/^(user|group|uid|gid)\s/.test(l)) assert.ok(guarded, `"${l}" would break a foreground run: guard it with .if defined(...)`);
  }
  assert.match(cfg, /^\s*stats socket "\$\{ICLOCKD_HAPROXY_SOCKET-[^}]+\}".*\blevel admin\b/m);
  assert.ok(global.includes('maxconn "${ICLOCKD_HAPROXY_MAXCONN-' + vars.get('ICLOCKD_HAPROXY_MAXCONN') + '}"'), 'global maxconn is not ICLOCKD_HAPROXY_MAXCONN');
  assert.ok(Number(vars.get('ICLOCKD_HAPROXY_MAXCONN')) >= 10_000, 'maxconn below 10000 by default: not enough for thousands of terminals');

  // Any instance serves any terminal: no stickiness of any kind.
  for (const l of directives) {
    assert.doesNotMatch(l, /^(cookie|stick|stick-table|hash-type)\b|^balance\s+(source|uri|url_param|hdr)|prefer-last-server|\bcookie\s/, `sticky: "${l}"`);
    assert.doesNotMatch(l, /shutdown-sessions/, 'in-flight uploads must finish on an instance marked down');
  }
  const backend = section('backend iclockd');
  assert.ok(backend.some((l) => /^balance (leastconn|roundrobin)$/.test(l)));
  assert.ok(backend.includes('option httpchk'));
  assert.ok(backend.some((l) => /^http-check send meth GET uri \/readyz\b/.test(l)), 'health check is not GET /readyz');
  assert.ok(backend.includes('http-check expect status 200'));
  const serverDefaults = backend.find((l) => l.startsWith('default-server '));
  assert.ok(serverDefaults, 'no default-server line');
  assert.match(serverDefaults, /\bcheck\b/);
  const opt = (name: string) => Number(new RegExp(`\\b${name} (\\S+)`).exec(serverDefaults)?.[1]?.replace(/s$/, ''));
  assert.ok(opt('inter') <= 2 && opt('fall') <= 3, 'an instance whose database node is gone must be out within seconds');
  assert.equal(backend.filter((l) => l.startsWith('server ')).length, 3);
  assert.ok(backend.some((l) => /^option redispatch\b/.test(l)));
  assert.ok(backend.includes('retry-on conn-failure'), 'retries only on connection failures');
  assert.ok(!directives.some((l) => /^retry-on\b/.test(l) && l !== 'retry-on conn-failure'));

  // iclockd reads the first X-Forwarded-For address: HAProxy drops the client's before adding its own.
  const front = section('frontend terminals');
  const del = front.findIndex((l) => /^http-request del-header X-Forwarded-For$/i.test(l));
  assert.ok(del >= 0, 'a client-sent X-Forwarded-For is not dropped');
  assert.ok(front.indexOf('option forwardfor') > del, 'option forwardfor missing (or before the header is dropped)');
  assert.ok(front.includes('option httplog'));
  assert.equal(front.find((l) => l.startsWith('default_backend')), 'default_backend iclockd');

  // Timeouts: iclockd's own limits (defaults) trip first, so a terminal gets iclockd's reply.
  const requestTimeout = defaultOf(SETTINGS.requestTimeoutSeconds);
  const statementTimeout = defaultOf(SETTINGS.dbStatementTimeoutSeconds);
  const acquireTimeout = defaultOf(SETTINGS.dbAcquireTimeoutSeconds);
  const nodeKeepAlive = Number(/keepAliveTimeout = ([\d_]+)/.exec(read('src/http/server.ts'))?.[1]?.replace(/_/g, '')) / 1000;
  assert.ok(nodeKeepAlive > 0, 'src/http/server.ts sets no keepAliveTimeout');
  assert.ok(timeout('connect') <= 10);
  assert.ok(timeout('client') >= 2 * requestTimeout, 'timeout client too short for a slow upload');
  assert.ok(timeout('server') >= 2 * (statementTimeout + acquireTimeout), 'timeout server too short for an upload\'s commit');
  assert.ok(timeout('http-request') > requestTimeout, 'timeout http-request below iclockd\'s own request timeout');
  assert.ok(timeout('http-request') <= 5 * 60, 'timeout http-request unbounded: slowloris');
  assert.ok(timeout('http-keep-alive') > nodeKeepAlive && timeout('http-keep-alive') > 65, 'terminals keep connections open between polls (> 65 s)');
  assert.ok(timeout('queue') > 0 && timeout('check') > 2, '/readyz may take 2 s');
  assert.match(cfg, /http-request use-service prometheus-exporter if \{ path \/metrics \}/);
  assert.match(cfg, /stats uri \/stats/);
});

test('haproxy -c accepts haproxy.cfg with its defaults and with every variable set', { skip: missing(haproxy, 'haproxy') }, () => {
  const check = (env: NodeJS.ProcessEnv) => spawnSync(haproxy!, ['-c', '-f', join(root, 'deploy/haproxy.cfg')], { encoding: 'utf8', env });
  const plain = check(cleanEnv());
  assert.equal(plain.status, 0, plain.stderr + plain.stdout);
  assert.doesNotMatch(plain.stderr + plain.stdout, /WARNING|ALERT/, plain.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'iclockd-haproxy-c-'));
  try {
    const set = check(
      cleanEnv({
        ICLOCKD_HAPROXY_BIND: '127.0.0.1:18081',
        ICLOCKD_HAPROXY_STATS_BIND: '127.0.0.1:18404',
        ICLOCKD_HAPROXY_SOCKET: join(dir, 'admin.sock'),
        ICLOCKD_HAPROXY_LOG: 'stdout',
        ICLOCKD_HAPROXY_USER: 'root',
        ICLOCKD_HAPROXY_MAXCONN: '5000',
        ICLOCKD_BACKEND_1: '192.0.2.1:8081',
        ICLOCKD_BACKEND_2: '192.0.2.2:8081',
        ICLOCKD_BACKEND_3: '[2001:db8::3]:8081',
      }),
    );
    assert.equal(set.status, 0, set.stderr + set.stdout);
    assert.doesNotMatch(set.stderr + set.stdout, /WARNING|ALERT/, set.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** One command on HAProxy's runtime API, its whole answer. */
function runtime(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = createConnection(socket);
    let out = '';
    c.setEncoding('utf8');
    c.on('connect', () => c.write(`${command}\n`));
    c.on('data', (d: string) => (out += d));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

/** `show stat` as rows keyed by its CSV header. */
async function stat(socket: string): Promise<Record<string, string>[]> {
  const [header, ...rows] = (await runtime(socket, 'show stat')).trim().split('\n');
  const names = header!.replace(/^# /, '').split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [names[i]!, v])));
}

interface Seen {
  method: string;
  url: string;
  host: string | undefined;
  xff: string | undefined;
}

/** A stand-in for an instance: /readyz answers `ready`, anything else its name, the forwarded address and the body's size. */
function standIn(name: string, ready: number, seen: Seen[]): Promise<{ server: Server; port: number }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const xff = req.headers['x-forwarded-for'];
      seen.push({ method: req.method!, url: req.url!, host: req.headers.host, xff: Array.isArray(xff) ? xff.join('|') : xff });
      if (req.url === '/readyz') {
        res.writeHead(ready, { 'content-type': 'application/json' }).end(JSON.stringify({ ready: ready === 200 }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name, xff: seen.at(-1)!.xff, bytes: Buffer.concat(chunks).length }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

/** One request through HAProxy (a fresh connection each time), its status and parsed body. */
function send(port: number, path: string, opts: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: { name: string; xff: string; bytes: number } }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode!, body: JSON.parse(text) });
        } catch {
          reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('haproxy.cfg run for real: two stand-in instances, one ready, and a closed port', { skip: missing(haproxy, 'haproxy') }, () => {
  const alphaSeen: Seen[] = [];
  const betaSeen: Seen[] = [];
  let alpha: { server: Server; port: number };
  let beta: { server: Server; port: number };
  let dir: string;
  let socket: string;
  let bind: number;
  let statsBind: number;
  let proc: ChildProcess | null = null;
  let output = '';

  before(async () => {
    alpha = await standIn('alpha', 200, alphaSeen);
    beta = await standIn('beta', 503, betaSeen);
    const closed = await freePort();
    bind = await freePort();
    statsBind = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'iclockd-haproxy-'));
    socket = join(dir, 'admin.sock');
    proc = spawn(haproxy!, ['-f', join(root, 'deploy/haproxy.cfg'), '-db'], {
      env: cleanEnv({
        ICLOCKD_HAPROXY_BIND: `127.0.0.1:${bind}`,
        ICLOCKD_HAPROXY_STATS_BIND: `127.0.0.1:${statsBind}`,
        ICLOCKD_HAPROXY_SOCKET: socket,
        ICLOCKD_HAPROXY_LOG: 'stdout',
        // Within the file-descriptor limit of an unprivileged or containerized run.
        ICLOCKD_HAPROXY_MAXCONN: '1000',
        ICLOCKD_BACKEND_1: `127.0.0.1:${alpha.port}`,
        ICLOCKD_BACKEND_2: `127.0.0.1:${beta.port}`,
        ICLOCKD_BACKEND_3: `127.0.0.1:${closed}`,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    // Ready once its checks have taken the not-ready instance and the closed port out.
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (proc.exitCode !== null) assert.fail(`haproxy exited ${proc.exitCode}:\n${output}`);
      const rows = existsSync(socket) ? await stat(socket).catch(() => []) : [];
      const status = (sv: string) => rows.find((r) => r.pxname === 'iclockd' && r.svname === sv)?.status ?? '';
      if (status('iclockd1') === 'UP' && status('iclockd2').startsWith('DOWN') && status('iclockd3').startsWith('DOWN')) break;
      if (Date.now() > deadline) assert.fail(`health checks did not settle: ${JSON.stringify(rows.map((r) => [r.svname, r.status, r.check_status]))}\n${output}`);
      await sleep(200);
    }
  });

  after(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000).then(() => proc!.kill('SIGKILL'))]);
    }
    await Promise.all([alpha, beta].filter(Boolean).map((s) => new Promise((r) => s.server.close(r))));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('checks ask GET /readyz of every instance', () => {
    for (const seen of [alphaSeen, betaSeen]) {
      const checks = seen.filter((s) => s.url === '/readyz');
      assert.ok(checks.length >= 1, 'no check');
      for (const c of checks) assert.deepEqual([c.method, c.host], ['GET', 'iclockd']);
    }
  });

  test('every request reaches the ready instance, uploads included', async () => {
    const upload = Array.from({ length: 2000 }, (_, i) => `${1000 + i}\t2025-01-02 08:${String(i % 60).padStart(2, '0')}:00\t0\t1\t0\t0`).join('\n');
    const betaBefore = betaSeen.filter((s) => s.url !== '/readyz').length;
    for (let i = 0; i < 20; i++) {
      const r =
        i % 2 === 0
          ? await send(bind, `/iclock/getrequest?SN=CQZ7232260001&n=${i}`)
          : await send(bind, `/iclock/cdata?SN=CQZ7232260001&table=ATTLOG&Stamp=${i}`, { method: 'POST', body: upload, headers: { 'content-type': 'text/plain' } });
      assert.equal(r.status, 200);
      assert.equal(r.body.name, 'alpha', `request ${i} went to ${r.body.name}`);
      if (i % 2 === 1) assert.equal(r.body.bytes, Buffer.byteLength(upload));
    }
    assert.equal(betaSeen.filter((s) => s.url !== '/readyz').length, betaBefore, 'the not-ready instance got requests');
  });

  test('X-Forwarded-For names the client, whatever the client sent', async () => {
    const plain = await send(bind, '/iclock/getrequest?SN=CQZ7232260001');
    assert.equal(plain.body.xff, '127.0.0.1');
    const spoofed = await send(bind, '/iclock/getrequest?SN=CQZ7232260001', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    assert.equal(spoofed.body.xff, '127.0.0.1', 'a client-sent X-Forwarded-For reached the instance');
  });

  test('the stats frontend serves Prometheus text at /metrics and the page at /stats', async () => {
    const metrics = await fetch(`http://127.0.0.1:${statsBind}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await metrics.text();
    assert.match(text, /^# TYPE haproxy_process_/m);
    assert.match(text, /^haproxy_backend_active_servers\{proxy="iclockd"\} 1$/m, 'the backend should count one active instance');
    // The HAProxy metrics the dashboard and the rules read are real names.
    const exported = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
    for (const name of usedMetricNames().filter((n) => n.startsWith('haproxy_'))) assert.ok(exported.has(name), `HAProxy exports no ${name}`);
    const page = await fetch(`http://127.0.0.1:${statsBind}/stats`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /iclockd/);
  });

  test('a connection refused by an instance is retried on another', async () => {
    // Stop checking the closed port and call it up: HAProxy now sends it requests, as it does to an
    // instance that stopped before its checks noticed.
    assert.match(await runtime(socket, 'disable health iclockd/iclockd3'), /^\s*$/);
    await runtime(socket, 'set server iclockd/iclockd3 health up');
    const closedPort = async () => (await stat(socket)).find((r) => r.svname === 'iclockd3') ?? {};
    // Connections it refused, and requests retried or sent elsewhere from it.
    const tried = (row: Record<string, string>) => Number(row.econ || 0) + Number(row.wretr || 0) + Number(row.wredis || 0);
    const before = tried(await closedPort());
    try {
      // "no check": taken as up.
      assert.match((await closedPort()).status ?? '', /^(UP|no check)$/);
      for (let i = 0; i < 10; i++) assert.equal((await send(bind, `/iclock/getrequest?SN=CQZ7232260001&r=${i}`)).body.name, 'alpha');
      const row = await closedPort();
      assert.ok(tried(row) > before, `no request was tried on the closed port: ${JSON.stringify(row)}`);
    } finally {
      await runtime(socket, 'enable health iclockd/iclockd3');
    }
    await until(async () => ((await closedPort()).status ?? '').startsWith('DOWN'), 'the closed port marked down again');
  });
});

// ---------------------------------------------------------------------------------------------
// iclockd@.service and its instance's env file

const unitServiceSection = (text: string) => text.split(/^\[Service\]$/m)[1]!.split(/^\[/m)[0]!.split('\n').filter((l) => /^[A-Za-z]/.test(l));

test('iclockd@.service runs the built CLI entry like iclockd.service, with the instance\'s own settings last', () => {
  const unit = read('deploy/iclockd@.service');
  const quoted = entry.replace(/\./g, '\\.');
  assert.match(unit, new RegExp(`^ExecStartPre=/usr/bin/node /opt/iclockd/${quoted} migrate$`, 'm'));
  assert.match(unit, new RegExp(`^ExecStart=/usr/bin/node /opt/iclockd/${quoted} serve$`, 'm'));
  const envFiles = unit.split('\n').filter((l) => l.startsWith('EnvironmentFile='));
  assert.deepEqual(envFiles, ['EnvironmentFile=-/etc/iclockd/iclockd.env', 'EnvironmentFile=/etc/iclockd/%i.env']);
  // The same service lines as the single unit (hardening, commands, stop), but where an instance differs.
  const mine = new Set(unitServiceSection(unit));
  for (const line of unitServiceSection(read('deploy/iclockd.service'))) {
    if (/^(EnvironmentFile|StateDirectory)=/.test(line)) continue;
    assert.ok(mine.has(line), `iclockd@.service lacks "${line}" of iclockd.service`);
  }
  assert.match(unit, /^StateDirectory=iclockd\/%i$/m);
  assert.match(unit, /^WantedBy=multi-user\.target$/m);
});

test('iclockd-instance.env sets only documented settings, to valid values, where HAProxy looks for it', () => {
  const settings = read('docs/operator/settings.md');
  const byEnv = new Map(Object.values(SETTINGS).map((s) => [s.env, s]));
  const values = new Map<string, string>();
  for (const line of read('deploy/iclockd-instance.env').split('\n')) {
    const m = /^(#?)\s*([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const [, commented, name, value] = m;
    assert.ok(settings.includes(`\`${name}\``), `${name} is not a documented setting`);
    if (commented) continue;
    const declared = byEnv.get(name!);
    assert.ok(declared, `${name} is not in SETTINGS`);
    const parsed = declared.schema.safeParse(value);
    assert.ok(parsed.success, `${name}=${value}: ${parsed.error?.issues[0]?.message}`);
    values.set(name!, value!);
  }
  for (const name of ['ICLOCKD_HOST', 'ICLOCKD_PORT', 'DATABASE_URL', 'ICLOCKD_TRUST_PROXY']) assert.ok(values.has(name), `${name} is not set`);
  assert.equal(values.get('ICLOCKD_TRUST_PROXY'), '1');
  assert.match(values.get('DATABASE_URL')!, /^mysql:\/\//);
  // Instance 1 listens where haproxy.cfg's first backend points by default.
  assert.match(cfg, new RegExp(`"\\$\\{ICLOCKD_BACKEND_1-${values.get('ICLOCKD_HOST')!.replace(/\./g, '\\.')}:${values.get('ICLOCKD_PORT')}\\}"`));
});

test('systemd-analyze verify accepts iclockd@.service as an instance', { skip: missing(systemdAnalyze, 'systemd-analyze') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'iclockd-unit-'));
  try {
    const unit = join(dir, 'iclockd@1.service');
    copyFileSync(join(root, 'deploy/iclockd@.service'), unit);
    const r = spawnSync(systemdAnalyze!, ['verify', unit], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Prometheus rules and the Grafana dashboard

const rulesPath = join(root, 'deploy/prometheus/iclockd.rules.yml');
const rulesTestPath = join(root, 'deploy/prometheus/iclockd.rules.test.yml');

/** The `expr:` of every rule (one line, or a folded block below it). */
function ruleExpressions(yaml: string): string[] {
  const lines = yaml.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!m) return;
    if (!/^[>|]-?$/.test(m[2]!)) {
      out.push(m[2]!);
      return;
    }
    const block: string[] = [];
    for (const next of lines.slice(i + 1)) {
      if (next.trim() && next.search(/\S/) <= m[1]!.length) break;
      block.push(next.trim());
    }
    out.push(block.join(' '));
  });
  return out;
}

/** The metric names a PromQL expression reads. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);
  return [...stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?!\s*\(|[A-Za-z0-9_:])/g)].map((m) => m[0]).filter((w) => !keywords.has(w.toLowerCase()));
}

interface Dashboard {
  schemaVersion: number;
  panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string; datasource?: { uid: string } }[] }[];
  templating: { list: { name: string; type: string; query: unknown; definition?: string }[] };
}
const dashboard = JSON.parse(read('deploy/grafana/iclockd.json')) as Dashboard;
const dashboardExpressions = () => dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

function usedMetricNames(): string[] {
  const names = [...ruleExpressions(readFileSync(rulesPath, 'utf8')), ...dashboardExpressions()].flatMap(metricNames);
  for (const v of dashboard.templating.list) {
    const m = /label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,/.exec(v.definition ?? '');
    if (m) names.push(m[1]!);
  }
  return [...new Set(names)];
}

/** What iclockd exports: its own metrics (histograms with their series) and prom-client's defaults. */
async function exportedMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of read('src/metrics.ts').matchAll(/new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name: '(iclockd_\w+)'/g)) {
    names.add(m[2]!);
    if (m[1] === 'Histogram' || m[1] === 'Summary') for (const s of ['_sum', '_count', m[1] === 'Histogram' ? '_bucket' : '']) if (s) names.add(m[2]! + s);
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'iclockd_' });
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

test('every metric the rules and the dashboard read is one iclockd (or HAProxy, or Prometheus) exports', async () => {
  const exported = await exportedMetricNames();
  assert.ok(exported.has('iclockd_http_requests_total') && exported.has('iclockd_ingest_duration_seconds_bucket') && exported.has('iclockd_process_resident_memory_bytes'));
  const used = usedMetricNames();
  assert.ok(used.length >= 15, `only ${used.length} metric names found: the expression parser is broken`);
  // HAProxy's names are checked against its exporter by the real run above.
  const unknown = used.filter((n) => n !== 'up' && !n.startsWith('haproxy_') && !exported.has(n));
  assert.deepEqual(unknown, [], `not exported by src/metrics.ts: ${unknown.join(', ')}`);
});

test('the dashboard: a datasource variable every panel uses, an instance variable, the panels operators need', () => {
  assert.ok(dashboard.schemaVersion >= 36 && dashboard.schemaVersion <= 41);
  const vars = new Map(dashboard.templating.list.map((v) => [v.name, v]));
  assert.equal(vars.get('DS_PROMETHEUS')?.type, 'datasource');
  assert.equal(vars.get('DS_PROMETHEUS')?.query, 'prometheus');
  assert.equal(vars.get('instance')?.type, 'query');
  const ids = dashboard.panels.map((p) => (p as { id?: number }).id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids repeat');
  for (const p of dashboard.panels.filter((p) => p.type !== 'row')) {
    assert.equal(p.datasource?.uid, '${DS_PROMETHEUS}', `${p.title}: not on the datasource variable`);
    assert.ok(p.targets?.length, `${p.title}: no query`);
    for (const t of p.targets) assert.equal(t.datasource?.uid, '${DS_PROMETHEUS}', `${p.title}: a query not on the datasource variable`);
  }
  const exprs = dashboardExpressions().join('\n');
  for (const needed of [
    /iclockd_http_requests_total/,
    /iclockd_punches_total/,
    /histogram_quantile\(0\.5,[^\n]*iclockd_ingest_duration_seconds_bucket/,
    /histogram_quantile\(0\.99,[^\n]*iclockd_ingest_duration_seconds_bucket/,
    /iclockd_outbox_rows/,
    /iclockd_ready/,
    /iclockd_database_cluster_size/,
    /iclockd_database_node_synced/,
    /iclockd_devices_silent/,
    /iclockd_devices_clock_off/,
    /iclockd_db_pool_connections/,
    /iclockd_process_resident_memory_bytes/,
    /iclockd_nodejs_eventloop_lag/,
  ])
    assert.match(exprs, needed);
  // Per-instance series follow the instance variable.
  for (const e of dashboardExpressions().filter((e) => /iclockd_(ready|http_requests|punches|ingest|db_pool|process|nodejs)/.test(e))) assert.match(e, /instance=~"\$instance"/, e);
});

test('the rules file covers each alert the deployment needs, with severities and annotations', () => {
  const rules = readFileSync(rulesPath, 'utf8');
  const alerts = [...rules.matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]!);
  for (const needed of [
    'IclockdInstanceNotReady',
    'IclockdGaleraNodeOutOfCluster',
    'IclockdGaleraNodeNotSynced',
    'IclockdTerminalsSilent',
    'IclockdPolledTerminalFailing',
    'IclockdTerminalClocksOff',
    'IclockdIngestErrors',
    'IclockdInvalidPunchesRising',
    'IclockdOutboxDead',
    'IclockdOutboxRejected',
    'IclockdForwardingTargetDown',
  ])
    assert.ok(alerts.includes(needed), `no ${needed}`);
  // Each alert block: a for:, a severity, a summary and a description.
  for (const block of rules.split(/^\s*- alert: /m).slice(1)) {
    const name = block.split('\n')[0]!;
    assert.match(block, /^\s+for: \d+[smh]/m, `${name}: no for:`);
    assert.match(block, /^\s+severity: (warning|critical)$/m, `${name}: severity`);
    assert.match(block, /^\s+summary: /m, `${name}: summary`);
    assert.match(block, /^\s+description: /m, `${name}: description`);
  }
  // The unit tests make each alert fire and hold each back at least once.
  const tests = readFileSync(rulesTestPath, 'utf8');
  for (const name of alerts) {
    const cases = [...tests.matchAll(new RegExp(`alertname: ${name}\\n\\s+exp_alerts:( \\[\\])?`, 'g'))];
    assert.ok(cases.some((c) => !c[1]), `${name}: no test where it fires`);
    assert.ok(cases.some((c) => c[1]), `${name}: no test where it must not fire`);
  }
});

test('promtool accepts the rules and their unit tests pass', { skip: missing(promtool, 'promtool') }, () => {
  const check = spawnSync(promtool!, ['check', 'rules', rulesPath], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /SUCCESS/);
  const unit = spawnSync(promtool!, ['test', 'rules', rulesTestPath], { encoding: 'utf8', cwd: join(root, 'deploy/prometheus') });
  assert.equal(unit.status, 0, unit.stdout + unit.stderr);
  assert.match(unit.stdout, /SUCCESS/);
});
