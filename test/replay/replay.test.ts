// Capture files, replay and export: byte-exact, idempotent, reproducible elsewhere.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAttlog, parseDeviceQuery, parseOperlog, uploadKind } from '../../protocol/index.js';
import { runCli } from '../../src/cli/main.js';
import { formatCaptureFile, parseCaptureFile } from '../../src/replay/capture.js';
import { replay, withSerial } from '../../src/replay/replay.js';
import { attlogRequests, loadRequests, readHar } from '../../src/replay/sources.js';
import { captureNames, loadCapture } from '../helpers/captures.js';
import { testDialect } from '../helpers/db.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

const FIXTURES = new URL('../../fixtures/adms/captures/', import.meta.url).pathname;

describe('capture files', () => {
  test('several requests per file, bodies byte-exact even with NULs, CRLF and separator-like lines', () => {
    const tricky = Buffer.concat([Buffer.from('PIN=1.jpg\nCMD=uploadphoto'), Buffer.from([0, 0xff, 0xd8, 0x0a]), Buffer.from('\n# --- \n# ---\r\nend')]);
    const requests = [
      { method: 'GET', target: '/iclock/cdata?SN=A&options=all', headers: [], body: Buffer.alloc(0), comments: ['made by a test'] },
      { method: 'POST', target: '/iclock/cdata?SN=A&table=ATTPHOTO', headers: [['Content-Type', 'text/plain']] as [string, string][], body: tricky, comments: [] },
      { method: 'POST', target: '/iclock/cdata?SN=A&table=ATTLOG', headers: [], body: Buffer.from('1\t2025-01-01 08:00:00\t0\t1'), comments: [] },
    ];
    const parsed = parseCaptureFile(formatCaptureFile(requests));
    assert.equal(parsed.length, 3);
    for (const [i, r] of parsed.entries()) {
      assert.equal(r.method, requests[i]!.method);
      assert.equal(r.target, requests[i]!.target);
      assert.deepEqual(r.headers, requests[i]!.headers);
      assert.ok(r.body.equals(requests[i]!.body), `body ${i}`);
    }
    assert.deepEqual(parsed[0]!.comments, ['made by a test']);
  });

  test('the fixtures are capture files of one request each, bodies to the end of the file', () => {
    for (const name of captureNames()) {
      const [r] = parseCaptureFile(readFileSync(join(FIXTURES, name)));
      const c = loadCapture(name);
      assert.equal(`${r!.method} ${r!.target}`, `${c.method} ${c.target}`, name);
      assert.ok(r!.body.equals(c.body), name);
    }
  });

  test('HAR exports, filtered to /iclock/; raw ATTLOG exports; serial rewriting', () => {
    const har = JSON.stringify({
      log: {
        entries: [
          { request: { method: 'GET', url: 'http://x:8081/iclock/cdata?SN=H1&options=all', headers: [{ name: 'User-Agent', value: 'iClock Proxy/1.09' }] } },
          { request: { method: 'GET', url: 'http://x:8081/favicon.ico' } },
          { request: { method: 'POST', url: 'http://x:8081/iclock/cdata?SN=H1&table=ATTLOG', postData: { text: Buffer.from('1\t2025-01-01 08:00:00\t0\t1\n').toString('base64'), encoding: 'base64' } } },
        ],
      },
    });
    const fromHar = readHar(har);
    assert.deepEqual(fromHar.map((r) => r.target), ['/iclock/cdata?SN=H1&options=all', '/iclock/cdata?SN=H1&table=ATTLOG']);
    assert.equal(fromHar[1]!.body.toString(), '1\t2025-01-01 08:00:00\t0\t1\n');
    const lines = Array.from({ length: 1200 }, (_, i) => `${i}\t2025-01-01 08:00:00\t0\t1`);
    const raw = attlogRequests(lines, 'USB 1');
    assert.deepEqual(raw.map((r) => `${r.method} ${r.target}`), [
      'GET /iclock/cdata?SN=USB%201&options=all&pushver=2.4.1',
      'POST /iclock/cdata?SN=USB%201&table=ATTLOG&Stamp=9999',
      'POST /iclock/cdata?SN=USB%201&table=ATTLOG&Stamp=9999',
      'POST /iclock/cdata?SN=USB%201&table=ATTLOG&Stamp=9999',
    ]);
    assert.deepEqual(withSerial('/iclock/cdata?table=ATTLOG&sn=OLD&Stamp=1', 'NEW'), { target: '/iclock/cdata?table=ATTLOG&sn=NEW&Stamp=1', sn: 'NEW' });
  });
});

/** What a fresh server answers to a capture. */
function expectedReply(name: string): RegExp {
  const c = loadCapture(name);
  if (c.method === 'GET') return c.path === '/iclock/cdata' ? /^(GET OPTION FROM: |registry=ok\n)/ : /^OK$/;
  if (c.path === '/iclock/registry') return /^RegistryCode=[0-9a-f]{16}$/;
  if (c.path === '/iclock/devicecmd') return /^OK$/;
  const q = parseDeviceQuery(c.search);
  switch (uploadKind(q)) {
    case 'ATTLOG':
      return new RegExp(`^OK:${parseAttlog(c.body).records.length}$`);
    case 'OPERLOG':
    case 'BIODATA':
      return new RegExp(`^OK:${parseOperlog(c.body).records.length}$`);
    case 'TABLEDATA':
      return /^user=1$/;
    default:
      return /^OK$/;
  }
}

describe(`replay on ${testDialect()}`, () => {
  let a: TestServer;
  let b: TestServer;
  const dirs: string[] = [];
  before(async () => {
    a = await startTestServer({ devicePolicy: 'approve', timeZone: 'Asia/Riyadh' });
    b = await startTestServer({ devicePolicy: 'approve', timeZone: 'Asia/Riyadh' });
    for (const s of [a, b]) {
      for (const pin of ['1', '2', '3', '4', '5', '6', '7', '8', '9']) await s.running.services.employees.create({ employee: `E${pin}`, name: `P${pin}`, attendance_device_id: pin });
    }
  });
  after(async () => {
    await a.stop();
    await b.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('every fixture replays with the expected reply and counts', async () => {
    for (const name of captureNames()) {
      const { request } = loadRequests([join(FIXTURES, name)])[0]!;
      const res = await fetch(a.baseUrl + request.target, { method: request.method, body: request.method === 'GET' ? undefined : request.body });
      const reply = await res.text();
      assert.equal(res.status, 200, `${name}: ${reply}`);
      assert.match(reply.trimEnd(), expectedReply(name), name);
    }
  });

  test('replaying the fixtures again creates nothing', async () => {
    const report = await replay(loadRequests([FIXTURES]).map((l) => l.request), { url: a.baseUrl });
    assert.equal(report.failures.length, 0, JSON.stringify(report.failures));
    const created = [...report.devices.values()].reduce((n, t) => n + t.created, 0);
    const duplicate = [...report.devices.values()].reduce((n, t) => n + t.duplicate, 0);
    assert.equal(created, 0);
    assert.ok(duplicate >= 63 + 9 + 3);
  });

  test('export from one server, replay into a fresh one: the same punches and check-ins; twice, nothing new', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iclockd-export-'));
    dirs.push(dir);
    const run = { out: [] as string[], err: [] as string[] };
    const io = { out: (l: string) => run.out.push(l), err: (l: string) => run.err.push(l) };
    const env = { DATABASE_URL: a.databaseUrl, ICLOCKD_TZ: 'Asia/Riyadh' };
    assert.equal(await runCli(['capture', 'export', '--device', '0316144680030', '--out', dir], io, env), 0, run.err.join('\n'));
    assert.match(run.out[0]!, /^wrote \d+ capture file\(s\)/);
    assert.ok(readdirSync(dir).length >= 2);

    const punchesOf = async (s: TestServer) =>
      ((await s.running.services.db.knex('punches').where({ device_serial: '0316144680030' }).orderBy(['device_user_id', 'local_time']).select('device_user_id', 'local_time', 'punched_at', 'log_type', 'status')) as unknown[]);
    const checkinsOf = async (s: TestServer) =>
      ((await s.running.services.db.knex('checkins').join('employees', 'employees.id', 'checkins.employee_id').where({ device_id: '0316144680030' }).orderBy(['employees.employee', 'time']).select('employees.employee', 'time', 'log_type')) as unknown[]);

    const first = { out: [] as string[], err: [] as string[] };
    const code = await runCli(['replay', dir, '--url', b.baseUrl], { out: (l) => first.out.push(l), err: (l) => first.err.push(l) }, env);
    assert.equal(code, 0, [...first.out, ...first.err].join('\n'));
    // The archive holds that ATTLOG upload twice (sent, then resent by the fixture replay above).
    const columns = (lines: string[]) => lines.find((l) => l.startsWith('0316144680030'))!.split(/\s+/);
    const [, , , , other, , created, duplicate, rejected] = columns(first.out);
    assert.deepEqual([other, created, duplicate, rejected], ['0', '9', '9', '0']);
    assert.deepEqual(await punchesOf(b), await punchesOf(a));
    assert.deepEqual(await checkinsOf(b), await checkinsOf(a));

    const second = { out: [] as string[], err: [] as string[] };
    await runCli(['replay', dir, '--url', b.baseUrl, '--rate', '50'], { out: (l) => second.out.push(l), err: (l) => second.err.push(l) }, env);
    const again = columns(second.out);
    assert.deepEqual([again[6], again[7]], ['0', '18'], 'nothing new the second time');
    assert.deepEqual(await punchesOf(b), await punchesOf(a));
  });

  test('uploads held for a terminal awaiting approval are reported as held, with how to release them', async () => {
    const pending = await startTestServer({ devicePolicy: 'pending', timeZone: 'Asia/Riyadh' });
    try {
      const out: string[] = [];
      const code = await runCli(['replay', join(FIXTURES, '35-zkdoc-att-attlog-9-records.txt'), '--url', pending.baseUrl], { out: (l) => out.push(l), err: (l) => out.push(l) }, {});
      assert.equal(code, 0, out.join('\n'));
      const header = out[0]!.split(/\s+/);
      const row = out.find((l) => !l.startsWith('DEVICE') && /^\S+\s+\d/.test(l))!.split(/\s+/);
      assert.equal(row[header.indexOf('HELD')], '1');
      assert.equal(row[header.indexOf('NEW')], '0');
      assert.ok(out.some((l) => /^1 upload\(s\) are held, not stored: \S+ await approval\.$/.test(l)), out.join('\n'));
      assert.ok(out.some((l) => l.includes('iclockd devices approve SN')));
    } finally {
      await pending.stop();
    }
  });

  test('dry run sends nothing; --as-sn rewrites the serial; a raw ATTLOG directory needs --sn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iclockd-usb-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'attlog.dat'), '        7\t2025-02-01 08:00:00\t0\t1\t0\t0\r\n        7\t2025-02-01 17:00:00\t1\t1\t0\t0\r\n');
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    assert.equal(await runCli(['replay', dir, '--sn', 'USB-7', '--url', b.baseUrl, '--dry-run'], io, {}), 0);
    assert.deepEqual(out.slice(-1), ['2 request(s); nothing sent']);
    assert.equal(await runCli(['replay', dir, '--sn', 'USB-7', '--url', b.baseUrl, '--as-sn', 'USB-8'], io, {}), 0, out.join('\n'));
    const stored = (await b.running.services.db.knex('punches').where({ device_serial: 'USB-8' }).count({ n: '*' }).first()) as { n: number | string };
    assert.equal(Number(stored.n), 2);
    const bad = await runCli(['replay', dir, '--url', b.baseUrl], { out: () => undefined, err: (l) => out.push(l) }, {});
    assert.equal(bad, 1, 'a raw export without --sn is not a capture file');
  });
});
