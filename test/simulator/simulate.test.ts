// 50 virtual terminals for 30 seconds against a real server: sent == acknowledged == stored.
// Their clocks follow the server's Date: (a recording stand-in server says what time it is),
// a wrong clock stays wrong, and while the server cannot be reached they wait, not hammer it.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { DateTime } from 'luxon';
import { runCli } from '../../src/cli/main.js';
import { parseClockSkew, parseDuration, parseTimeZoneOption, retryWaitMs, simulate } from '../../src/simulator/simulator.js';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';
import { startTcpProxy } from '../helpers/tcpProxy.js';

interface StandIn {
  url: string;
  /** ATTLOG uploads as they arrived (host clock). */
  uploads: { sn: string; at: number; lines: string[] }[];
  /** While set, every request is answered 503, as a server that cannot store. */
  unavailable: boolean;
  close(): Promise<void>;
}

/** An ADMS server whose clock is `clockAheadMs` off (its Date: header) and whose option block says `TimeZone=<timeZone>` and `Delay=<delaySeconds>`; it acknowledges everything. */
async function startStandIn(clockAheadMs: number, timeZone: string, delaySeconds = 1): Promise<StandIn> {
  const uploads: StandIn['uploads'] = [];
  const server = createServer((req, res) => {
    if (standIn.unavailable) {
      res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '10' });
      res.end('ERROR: the server could not store this; send it again later');
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://stand-in');
      const sn = url.searchParams.get('SN') ?? '';
      let reply = 'OK';
      if (url.pathname === '/iclock/cdata' && req.method === 'GET') reply = `GET OPTION FROM: ${sn}\nErrorDelay=30\nDelay=${delaySeconds}\nTimeZone=${timeZone}\nRealtime=1\n`;
      else if (url.pathname === '/iclock/cdata') {
        const lines = body.split('\n').filter(Boolean);
        if (url.searchParams.get('table') === 'ATTLOG') uploads.push({ sn, at: Date.now(), lines });
        reply = `OK:${lines.length}`;
      }
      res.setHeader('Date', new Date(Date.now() + clockAheadMs).toUTCString());
      res.setHeader('Content-Type', 'text/plain');
      res.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const standIn: StandIn = {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    uploads,
    unavailable: false,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return standIn;
}

/** Seconds between a punch's stated time (read in `zone`) and its arrival: the terminal's clock error. */
function clockErrors(uploads: StandIn['uploads'], sn: string, zone: string): number[] {
  return uploads
    .filter((u) => u.sn === sn)
    .flatMap((u) => u.lines.map((l) => (DateTime.fromFormat(l.split('\t')[1]!, 'yyyy-MM-dd HH:mm:ss', { zone }).toMillis() - u.at) / 1000));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`simulator on ${testDialect()}`, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ devicePolicy: 'approve', timeZone: 'UTC' });
  });
  after(async () => {
    await s.stop();
  });

  test('parseDuration', () => {
    assert.deepEqual(['30s', '10m', '1h', '45', '250ms', 'soon'].map(parseDuration), [30_000, 600_000, 3_600_000, 45_000, 250, null]);
  });

  test('parseClockSkew and parseTimeZoneOption', () => {
    assert.deepEqual(['600', '10m', '-48h', '+90s', '0', '250ms', 'soon'].map(parseClockSkew), [600, 600, -172_800, 90, null, null, null]);
    assert.deepEqual(['0', '8', '-5', '330', '480', '-720', '30', 'x', undefined].map(parseTimeZoneOption), [0, 480, -300, 330, 480, -720, null, null, null]);
  });

  test('retryWaitMs: the poll gap, doubling with each failure in a row up to ErrorDelay, ±20 %', () => {
    assert.deepEqual([1, 2, 3, 4, 50].map((n) => retryWaitMs(n, 10_000, 60_000, 0.5)), [10_000, 20_000, 40_000, 60_000, 60_000]);
    assert.deepEqual([1, 2, 3].map((n) => retryWaitMs(n, 10_000, 30_000, 0.5)), [10_000, 20_000, 30_000]);
    assert.equal(retryWaitMs(1, 10_000, 60_000, 0), 8000);
    assert.equal(retryWaitMs(9, 10_000, 60_000, 1), 72_000);
    // A server whose ErrorDelay is shorter than its Delay: never faster than the poll gap.
    assert.equal(retryWaitMs(3, 10_000, 5000, 0.5), 10_000);
  });

  test('50 devices, 30 seconds: every punch acknowledged and stored once; commands carried out', async () => {
    const admin = client(s, await s.authHeader('admin'));
    // The first terminal gets commands waiting for it.
    await fetch(`${s.baseUrl}/iclock/cdata?SN=SIM0001&options=all&pushver=2.4.1`);
    const today = new Date().toISOString().slice(0, 10);
    const info = await admin.post('/api/v1/devices/SIM0001/commands', { command: 'info' });
    const query = await admin.post('/api/v1/devices/SIM0001/commands', { command: 'query-attlog', from: today, to: today });
    const summary = await simulate({
      url: s.baseUrl,
      devices: 50,
      users: 10,
      punchRatePerMinute: 20,
      durationMs: 30_000,
      pushver: '2.4.1',
      prefix: 'SIM',
      timeZone: 'UTC',
      resendShare: 0.1,
    });
    assert.equal(summary.errors, 0);
    assert.ok(summary.punches > 200, `punches: ${summary.punches}`);
    assert.equal(summary.acknowledged, summary.punches, 'sent == acknowledged');
    assert.equal(summary.held, 0);
    const stored = (await s.running.services.db.knex('punches').where('device_serial', 'like', 'SIM%').count({ n: '*' }).first()) as { n: number | string };
    assert.equal(Number(stored.n), summary.punches, 'acknowledged == stored, resends included');
    const users = (await s.running.services.db.knex('device_users').where('device_serial', 'like', 'SIM%').count({ n: '*' }).first()) as { n: number | string };
    assert.equal(Number(users.n), 500);
    const commands = await admin.get('/api/v1/devices/SIM0001/commands');
    const states = new Map(commands.body.data.map((c: { id: number; state: string }) => [c.id, c.state]));
    assert.equal(states.get(info.body.id), 'succeeded');
    assert.equal(states.get(query.body.id), 'succeeded');
  });

  test('against terminals awaiting approval, the summary says their punches are held, not stored, and how to release them', async () => {
    const pending = await startTestServer({ devicePolicy: 'pending', timeZone: 'UTC' });
    try {
      const out: string[] = [];
      const code = await runCli(['simulate', '--url', pending.baseUrl, '--devices', '2', '--users', '3', '--punch-rate', '120', '--duration', '4s', '--prefix', 'HELD'], { out: (l) => out.push(l), err: (l) => out.push(l) }, { ICLOCKD_TZ: 'UTC' });
      assert.equal(code, 0, out.join('\n'));
      assert.ok(out.some((l) => /^\d+ of them are held, not stored: 2 terminal\(s\) \(HELD0001, HELD0002\) await approval\.$/.test(l)), out.join('\n'));
      assert.ok(out.some((l) => l.includes('iclockd devices approve SN')));
    } finally {
      await pending.stop();
    }
  });

  test("terminals set their clock from the server's Date: and TimeZone", async () => {
    // The server's clock is 3 h 17 min 5 s ahead and it says UTC+5:30; the terminals' own zone is UTC.
    const ahead = (3 * 3600 + 17 * 60 + 5) * 1000;
    const standIn = await startStandIn(ahead, '330');
    try {
      const summary = await simulate({ url: standIn.url, devices: 2, users: 5, punchRatePerMinute: 120, durationMs: 4000, pushver: '2.4.1', prefix: 'SIM', timeZone: 'UTC', resendShare: 0 });
      assert.equal(summary.acknowledged, summary.punches);
      assert.deepEqual(summary.skewed, []);
      for (const sn of ['SIM0001', 'SIM0002']) {
        const errors = clockErrors(standIn.uploads, sn, 'UTC+5:30');
        assert.ok(errors.length > 0, `${sn} punched`);
        // The Date: header has whole seconds and the punch comes a moment before its upload.
        for (const e of errors) assert.ok(Math.abs(e - ahead / 1000) < 5, `${sn}: punch times ${e} s from arrival, not the server's ${ahead / 1000} s`);
      }
    } finally {
      await standIn.close();
    }
  });

  test("a skewed terminal keeps its wrong clock, whatever the server's Date: says, and the others follow the server", async () => {
    const standIn = await startStandIn(3_600_000, '0');
    try {
      const summary = await simulate({
        url: standIn.url,
        devices: 3,
        users: 5,
        punchRatePerMinute: 120,
        durationMs: 4000,
        pushver: '2.4.1',
        prefix: 'SIM',
        timeZone: 'UTC',
        resendShare: 0,
        skewedClocks: { terminals: 2, seconds: -172_800 },
      });
      assert.deepEqual(summary.skewed, ['SIM0001', 'SIM0002']);
      assert.equal(summary.acknowledged, summary.punches);
      const expected: [string, number][] = [['SIM0001', -172_800], ['SIM0002', -172_800], ['SIM0003', 3600]];
      for (const [sn, offset] of expected) {
        const errors = clockErrors(standIn.uploads, sn, 'UTC');
        assert.ok(errors.length > 0, `${sn} punched`);
        for (const e of errors) assert.ok(Math.abs(e - offset) < 5, `${sn}: punch times ${e} s from arrival, expected ${offset} s`);
      }
    } finally {
      await standIn.close();
    }
  });

  test('simulate --clock-skew: the report names the terminals with a wrong clock; bad values are refused', async () => {
    const standIn = await startStandIn(0, '0');
    try {
      const out: string[] = [];
      const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
      const args = ['simulate', '--url', standIn.url, '--devices', '3', '--users', '2', '--punch-rate', '60', '--duration', '3s'];
      const code = await runCli([...args, '--clock-skew', '-48h', '--skewed', '2'], io, { ICLOCKD_TZ: 'UTC' });
      assert.equal(code, 0, out.join('\n'));
      assert.ok(out.includes("wrong clocks: 2 terminal(s) (SIM0001, SIM0002) kept their clock 172800 s behind, ignoring the server's Date:, so their punches carry times that far off."), out.join('\n'));
      for (const e of clockErrors(standIn.uploads, 'SIM0001', 'UTC')) assert.ok(Math.abs(e + 172_800) < 5, `SIM0001: ${e} s`);
      for (const bad of [['--clock-skew', 'soon'], ['--clock-skew', '0'], ['--skewed', '2'], ['--clock-skew', '10m', '--skewed', '4']]) {
        out.length = 0;
        assert.equal(await runCli([...args, ...bad], io, { ICLOCKD_TZ: 'UTC' }), 1, bad.join(' '));
        assert.ok(out.some((l) => /--clock-skew|--skewed/.test(l)), out.join('\n'));
      }
    } finally {
      await standIn.close();
    }
  });

  test('while the server cannot be reached or answers 503 the terminals keep their punches and wait before trying again; then they deliver them', async (t) => {
    const port = Number(new URL(s.baseUrl).port);
    // One fleet finds the server down from the start (every connection dropped at once), one
    // loses it mid-run, and one is answered 503 for a while.
    const downFromStart = await startTcpProxy('127.0.0.1', port);
    const lostMidRun = await startTcpProxy('127.0.0.1', port);
    const standIn = await startStandIn(0, '0', 10); // iclockd's Delay
    downFromStart.cut();
    try {
      const fleet = (url: string, prefix: string) =>
        simulate({ url, devices: 3, users: 5, punchRatePerMinute: 600, durationMs: 6000, pushver: '2.4.1', prefix, timeZone: 'UTC', resendShare: 0 });
      const runs = Promise.all([fleet(`http://127.0.0.1:${downFromStart.port}`, 'DOWNA'), fleet(`http://127.0.0.1:${lostMidRun.port}`, 'DOWNB'), fleet(standIn.url, 'BUSY')]);
      await sleep(1500);
      lostMidRun.cut();
      standIn.unavailable = true;
      await sleep(3000);
      downFromStart.restore();
      lostMidRun.restore();
      standIn.unavailable = false;
      const [fromStart, midRun, busy] = await runs;
      for (const [prefix, summary] of [['DOWNA', fromStart], ['DOWNB', midRun], ['BUSY', busy]] as const) {
        t.diagnostic(`${prefix}: punches ${summary.punches}, failed attempts ${summary.errors}, uploads ${summary.uploads}`);
        // About 10 punches a second per terminal while down: a terminal that retried on each would fail dozens of times.
        assert.ok(summary.punches > 100, `${prefix} punches: ${summary.punches}`);
        assert.ok(summary.errors >= 1 && summary.errors <= 3 * 3, `${prefix}: ${summary.errors} failed attempts for 3 terminals`);
        assert.equal(summary.acknowledged, summary.punches, `${prefix}: delivered once the server was back`);
      }
      for (const [prefix, summary] of [['DOWNA', fromStart], ['DOWNB', midRun]] as const) {
        const stored = (await s.running.services.db.knex('punches').where('device_serial', 'like', `${prefix}%`).count({ n: '*' }).first()) as { n: number | string };
        assert.equal(Number(stored.n), summary.punches, `${prefix}: stored`);
      }
      assert.equal(new Set(standIn.uploads.flatMap((u) => u.lines.map((l) => `${u.sn} ${l}`))).size, busy.punches, 'BUSY: every punch reached the server');
    } finally {
      await downFromStart.close();
      await lostMidRun.close();
      await standIn.close();
    }
  });
});
