// Several instances: two `iclockd serve` processes on one MySQL database behind a round-robin
// load balancer, a simulated fleet polling and uploading through it. Every punch made is
// stored once and acknowledged, each queued command is handed out exactly once and its result
// recorded, and each terminal's row (stamp, last seen, state) is consistent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ApiKeyService } from '../../src/auth/apiKeys.js';
import { systemClock } from '../../src/clock.js';
import { simulate } from '../../src/simulator/simulator.js';
import { closeDatabase, migrateToLatest, openDatabase } from '../../src/store/db.js';
import { freshDatabaseUrl, testDialect } from '../helpers/db.js';
import { Ledger, seedSimulatorEmployees } from '../helpers/ledger.js';
import { startRoundRobin } from '../helpers/roundRobin.js';
import { startProcess } from '../helpers/serveProcess.js';

const DEVICES = 10;
const USERS = 10;
const cwd = mkdtempSync(join(tmpdir(), 'iclockd-two-'));
const fresh = freshDatabaseUrl();
after(async () => {
  await fresh.drop();
  rmSync(cwd, { recursive: true, force: true });
});

test('two instances on one MySQL behind a load balancer', { skip: testDialect() !== 'mysql' && 'several instances share a MySQL database, not an embedded one', timeout: 180_000 }, async (t) => {
  const db = await openDatabase(fresh.url);
  await migrateToLatest(db);
  await seedSimulatorEmployees(db.knex, DEVICES, USERS);
  const key = await new ApiKeyService({ knex: db.knex, clock: systemClock }).create('two-instances test', 'admin');
  const admin = `token ${key.apiKey}:${key.secret}`;

  const env = { DATABASE_URL: fresh.url, ICLOCKD_DEVICE_POLICY: 'approve' };
  const servers = [await startProcess(cwd, env), await startProcess(cwd, env)];
  const lb = await startRoundRobin(servers.map((s) => s.port));
  const base = `http://127.0.0.1:${lb.port}`;

  const ledger = new Ledger();
  const run = simulate({
    url: base,
    devices: DEVICES,
    users: USERS,
    punchRatePerMinute: 300,
    durationMs: 14_000,
    pushver: '2.4.1',
    prefix: 'TWIN',
    timeZone: 'UTC',
    resendShare: 0.2,
    onPunches: ledger.note,
  });

  // Once the terminals have shaken hands, queue two commands each, through either instance.
  await new Promise((r) => setTimeout(r, 2500));
  const serials = Array.from({ length: DEVICES }, (_, i) => `TWIN${String(i + 1).padStart(4, '0')}`);
  for (const sn of serials) {
    for (const command of ['check', 'info']) {
      const r = await fetch(`${base}/api/v1/devices/${sn}/commands`, { method: 'POST', headers: { authorization: admin, 'content-type': 'application/json' }, body: JSON.stringify({ command }) });
      assert.equal(r.status, 201, await r.text());
    }
  }
  const summary = await run;
  for (const s of servers) s.child.kill('SIGTERM');
  for (const s of servers) assert.equal(await s.exited, 0);
  await lb.close();

  t.diagnostic(`punches ${summary.punches}, resends ${summary.resends}, commands received ${summary.commands}, requests per instance ${lb.served.join('/')}`);
  assert.ok(lb.served.every((n) => n > 100), 'both instances served the fleet');
  assert.equal(summary.acknowledged, summary.punches);

  // Stored == acknowledged, once each; one check-in per punch.
  await ledger.checkAgainst(db.knex);

  // Each command handed out once (the terminals saw exactly as many as were queued), each with one result.
  const commands = (await db.knex('device_commands').select('device_serial', 'state', 'tries')) as { device_serial: string; state: string; tries: number }[];
  assert.equal(commands.length, DEVICES * 2);
  assert.equal(summary.commands, DEVICES * 2, 'a command was handed out twice (or not at all)');
  for (const c of commands) {
    assert.equal(c.state, 'succeeded', `${c.device_serial}: ${c.state}`);
    assert.equal(Number(c.tries), 1);
  }

  // One row per terminal, approved, with its stamp and a last-seen time.
  const devices = (await db.knex('devices').select('serial', 'state', 'attlog_stamp', 'last_seen_at')) as { serial: string; state: string; attlog_stamp: string | null; last_seen_at: string | null }[];
  assert.deepEqual(devices.map((d) => d.serial).sort(), serials);
  for (const d of devices) {
    assert.equal(d.state, 'approved');
    assert.equal(d.attlog_stamp, '9999');
    assert.ok(d.last_seen_at, `${d.serial} has no last-seen time`);
  }
  await closeDatabase(db);
});
