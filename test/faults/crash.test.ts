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
import { insertEmployees } from '../../src/store/employees.js';
import { freshDatabaseUrl, testDialect } from '../helpers/db.js';
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
  // The simulator's users (pins 1001…, 2001…) are employees, so every punch becomes a check-in.
  await insertEmployees(
    db.knex,
    Array.from({ length: DEVICES * USERS }, (_, n) => {
      const pin = String(1000 * (Math.floor(n / USERS) + 1) + (n % USERS) + 1);
      return { employee: `EMP-${pin}`, name: `Sim ${pin}`, site: 'main', attendanceDeviceId: pin, status: 'Active' as const, defaultShift: null };
    }),
    new Date(),
  );

  const port = await freePort();
  const env = { DATABASE_URL: fresh.url, ICLOCKD_PORT: String(port), ICLOCKD_DEVICE_POLICY: 'approve' };
  let server: Started = await startProcess(cwd, env);

  const made = new Map<string, Set<string>>();
  const acknowledged = new Map<string, Set<string>>();
  const note = (ledger: Map<string, Set<string>>, sn: string, lines: string[]) => {
    const set = ledger.get(sn) ?? new Set<string>();
    for (const l of lines) set.add(l);
    ledger.set(sn, set);
  };
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
    onPunches: (e) => note(e.kind === 'made' ? made : acknowledged, e.sn, e.lines),
  });

  // Let punches flow, then kill the server without warning while uploads are in flight.
  await new Promise((r) => setTimeout(r, 3500));
  const ackedBeforeKill = [...acknowledged.values()].reduce((n, s) => n + s.size, 0);
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

  // The ledger against the database, device by device.
  let stored = 0;
  for (const [sn, lines] of made) {
    const rows = (await db.knex('punches').where({ device_serial: sn }).select('device_user_id', 'local_time')) as { device_user_id: string; local_time: string }[];
    const inDb = new Set(rows.map((r) => `${r.device_user_id}\t${r.local_time}`));
    assert.equal(inDb.size, rows.length, `${sn}: a punch stored twice`);
    for (const line of acknowledged.get(sn) ?? []) {
      const [pin, time] = line.split('\t');
      assert.ok(inDb.has(`${pin}\t${time}`), `${sn}: acknowledged punch ${pin} ${time} is not stored`);
    }
    assert.equal(rows.length, lines.size, `${sn}: stored punches are the punches made`);
    stored += rows.length;
  }
  assert.equal(stored, summary.punches);
  const checkins = Number(((await db.knex('checkins').count({ n: '*' })) as { n: number }[])[0]!.n);
  assert.equal(checkins, summary.punches, 'one check-in per punch');
  await closeDatabase(db);
});
