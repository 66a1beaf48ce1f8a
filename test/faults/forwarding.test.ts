// Forwarding through chaos: a real `iclockd serve` delivers to an ERPNext that, like HRMS, keeps
// check-ins single only by a duplicate check on committed rows, and that answers 502 at random,
// stalls before its duplicate check or commits after iclockd has stopped waiting, and drops
// connections after committing; iclockd is killed -9 twice mid-delivery. In the end ERPNext
// holds every check-in once, and every outbox row names its own ERPNext record.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../../src/bench/fleet.js';
import { closeDatabase, migrateToLatest, openDatabase } from '../../src/store/db.js';
import { freshDatabaseUrl, testDialect } from '../helpers/db.js';
import { FakeErpnext } from '../helpers/fakeErpnext.js';
import { seedSimulatorEmployees } from '../helpers/ledger.js';
import { startNode, until } from '../helpers/outbox.js';
import { makePunch } from '../helpers/punch.js';
import { type Started, startProcess } from '../helpers/serveProcess.js';

const USERS = 40;
const DAYS = ['2025-07-01', '2025-07-02', '2025-07-03'];
const cwd = mkdtempSync(join(tmpdir(), 'iclockd-forwarding-'));
const fresh = freshDatabaseUrl();
after(async () => {
  await fresh.drop();
  rmSync(cwd, { recursive: true, force: true });
});

test(`forwarding to a slow, failing ERPNext with kill -9 mid-delivery on ${testDialect()}: each check-in stored there once`, { timeout: 180_000 }, async (t) => {
  const db = await openDatabase(fresh.url);
  await migrateToLatest(db);
  await seedSimulatorEmployees(db.knex, 1, USERS);
  const erp = await FakeErpnext.start();
  try {
    for (let u = 1; u <= USERS; u++) erp.addEmployee(`HR-${1000 + u}`, String(1000 + u));

    const setup = await startNode(fresh.url, {}, { worker: false });
    await setup.s.outbox.addTarget({ name: 'erp', kind: 'erpnext', url: erp.url, api_key: erp.apiKey, api_secret: erp.apiSecret, time_zone: 'UTC' });
    const punches = DAYS.flatMap((day) =>
      Array.from({ length: USERS }, (_, u) => [makePunch(String(1001 + u), `${day} 08:0${u % 10}:00`, { logType: 'IN' }), makePunch(String(1001 + u), `${day} 17:0${u % 10}:00`, { logType: 'OUT' })]).flat(),
    );
    await setup.s.ingest.ingest(punches);
    await setup.close();
    const total = punches.length;

    // iclockd waits 250 ms for an answer; ERPNext may take 700 ms more, then commit.
    erp.chaos = { badGatewayShare: 0.1, slowShare: 0.25, slowMs: 700, dropShare: 0.05 };
    const port = await freePort();
    const env = {
      DATABASE_URL: fresh.url,
      ICLOCKD_PORT: String(port),
      ICLOCKD_OUTBOX_TIMEOUT_MS: '250',
      ICLOCKD_OUTBOX_SETTLE_MS: '1500',
      ICLOCKD_OUTBOX_BACKOFF_MS: '20',
      ICLOCKD_OUTBOX_BACKOFF_MAX_MS: '200',
      ICLOCKD_OUTBOX_MAX_TRIES: '1000',
      ICLOCKD_OUTBOX_CONCURRENCY: '8',
      ICLOCKD_OUTBOX_POLL_MS: '20',
    };
    const delivered = async () => Number(((await db.knex('outbox').where({ state: 'delivered' }).count({ n: '*' })) as { n: number | string }[])[0]!.n);
    let server: Started = await startProcess(cwd, env);
    for (let kill = 1; kill <= 2; kill++) {
      await until(`some delivered before kill ${kill}`, async () => (await delivered()) >= (total * kill) / 4, 60_000);
      server.child.kill('SIGKILL');
      await server.exited;
      server = await startProcess(cwd, env);
    }
    await until('every row delivered', async () => (await delivered()) === total, 120_000);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    await new Promise((r) => setTimeout(r, 1000)); // whatever was still running at ERPNext lands

    const posts = erp.requests.length;
    t.diagnostic(`${total} check-ins, ${posts} POSTs, ${erp.lookups} look-ups, ${erp.duplicateAnswers} duplicate answers`);
    assert.ok(posts > total, 'the chaos made iclockd send some check-ins more than once');
    assert.equal(erp.checkins.length, total, 'ERPNext holds each check-in once');
    assert.equal(new Set(erp.checkins.map((c) => `${c.employee}|${c.time}|${c.log_type}`)).size, total);
    const refs = (await db.knex('outbox').select('remote_ref')) as { remote_ref: string | null }[];
    assert.deepEqual(refs.map((r) => r.remote_ref).sort(), erp.checkins.map((c) => c.name).sort(), 'every row names its own ERPNext record');
    for (let u = 1; u <= USERS; u++) {
      const times = erp.checkins.filter((c) => c.employee === `HR-${1000 + u}`).map((c) => c.time);
      assert.deepEqual(times, [...times].sort(), `HR-${1000 + u} in order`);
    }
  } finally {
    await erp.close();
    await closeDatabase(db);
  }
});
