// Crash: `kill -9` the server in the middle of a simulated fleet's run, start it again on the
// same database and port, let the terminals resend what was not acknowledged, then hold the
// simulator's ledger against the database: every punch a reply acknowledged is stored, every
// punch made is stored once, and each became exactly one check-in.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../../src/bench/fleet.js';
import { simulate } from '../../src/simulator/simulator.js';
import { closeDatabase, migrateToLatest, openDatabase } from '../../src/store/db.js';
import { freshDatabaseUrl, testDialect } from '../helpers/db.js';
import { Ledger, seedSimulatorEmployees } from '../helpers/ledger.js';
import { type Started, startProcess } from '../helpers/serveProcess.js';

const DEVICES = 12;
const USERS = 20;
const cwd = mkdtempSync(join(tmpdir(), 'iclockd-crash-'));
const fresh = freshDatabaseUrl();
after(async () => {
  await fresh.drop();
  rmSync(cwd, { recursive: true, force: true });
});

test(`kill -9 mid-run on ${testDialect()}: every acknowledged punch is stored, none twice`, { timeout: 180_000 }, async (t) => {
  const db = await openDatabase(fresh.url);
  await migrateToLatest(db);
  await seedSimulatorEmployees(db.knex, DEVICES, USERS);

  const port = await freePort();
  const env = { DATABASE_URL: fresh.url, ICLOCKD_PORT: String(port), ICLOCKD_DEVICE_POLICY: 'approve' };
  let server: Started = await startProcess(cwd, env);

  const ledger = new Ledger();
  const run = simulate({
    url: `http://127.0.0.1:${port}`,
    devices: DEVICES,
    users: USERS,
    punchRatePerMinute: 900,
    durationMs: 9000,
    pushver: '2.4.1',
    prefix: 'CRASH',
    timeZone: 'UTC',
    resendShare: 0.1,
    onPunches: ledger.note,
  });

  // Let punches flow, then kill the server without warning while uploads are in flight.
  await new Promise((r) => setTimeout(r, 3500));
  const ackedBeforeKill = ledger.count(ledger.acknowledged);
  server.child.kill('SIGKILL');
  await server.exited;
  await new Promise((r) => setTimeout(r, 1000)); // the terminals pile up punches meanwhile
  server = await startProcess(cwd, env);
  const summary = await run;
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);

  t.diagnostic(`punches ${summary.punches}, acknowledged before the kill ${ackedBeforeKill}, failed requests ${summary.errors}, resends ${summary.resends}`);
  assert.ok(ackedBeforeKill > 0, 'punches were acknowledged before the kill');
  assert.ok(summary.errors > 0, 'the kill made uploads fail');
  assert.ok(summary.punches >= 1000, `thousands of punches (${summary.punches})`);
  assert.equal(summary.acknowledged, summary.punches, 'every punch was acknowledged in the end');

  await ledger.checkAgainst(db.knex);
  await closeDatabase(db);
});
