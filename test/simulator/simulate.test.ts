// 50 virtual terminals for 30 seconds against a real server: sent == acknowledged == stored.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../src/cli/main.js';
import { parseDuration, simulate } from '../../src/simulator/simulator.js';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

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
});
