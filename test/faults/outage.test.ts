// Database outage: a TCP proxy the test controls sits between iclockd and MySQL and is cut in
// the middle of an upload's transaction. The device gets a non-OK reply (so it keeps its data
// and sends it again), JSON clients get 503 service_unavailable, /readyz turns 503, the
// process stays up, and once the link is back the resends land exactly once. A link that goes
// silent (a partition: nothing refused, nothing answered) fails requests by the database
// timeouts instead of holding them forever.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, closeDatabase, migrateToLatest, openDatabase } from '../../src/store/db.js';
import { insertEmployees } from '../../src/store/employees.js';
import { freshDatabaseUrl, testDialect } from '../helpers/db.js';
import { type TestServer, startTestServer } from '../helpers/server.js';
import { type TcpProxy, startProxyTo } from '../helpers/tcpProxy.js';

const SN = 'OUTAGE0001';

/** An ATTLOG body of `n` punches of user `pin`, a minute apart from `hour`. */
function attlog(pin: string, hour: number, n: number): string {
  return Array.from({ length: n }, (_, i) => `${pin}\t2025-03-10 ${String(hour + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00\t0\t1\t0\t0\t0\n`).join('');
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('database outage (MySQL behind a proxy the test cuts)', { skip: testDialect() !== 'mysql' && 'an embedded SQLite database has no link to cut' }, () => {
  let direct: Database;
  let proxy: TcpProxy;
  let s: TestServer;
  let ingest: string;
  let drop: () => Promise<void>;
  let databaseUrl: string;

  before(async () => {
    const fresh = freshDatabaseUrl();
    drop = fresh.drop;
    databaseUrl = fresh.url;
    direct = await openDatabase(fresh.url);
    await migrateToLatest(direct);
    await insertEmployees(direct.knex, [{ employee: 'EMP-1', name: 'Amal', site: 'main', attendanceDeviceId: '7', status: 'Active', defaultShift: null }], new Date());
    const through = await startProxyTo(fresh.url);
    proxy = through.proxy;
    // Short database timeouts, so a link that goes silent fails requests in seconds.
    s = await startTestServer({ databaseUrl: through.url, devicePolicy: 'approve', dbAcquireTimeoutSeconds: 2, dbStatementTimeoutSeconds: 2 });
    ingest = await s.authHeader('ingest');
  });
  after(async () => {
    // A test that failed half-way may have left the link cut or silent.
    proxy?.restore();
    await s?.stop();
    await proxy?.close();
    await closeDatabase(direct);
    await drop();
  });

  const upload = (body: string, stamp: number) =>
    fetch(`${s.baseUrl}/iclock/cdata?SN=${SN}&table=ATTLOG&Stamp=${stamp}`, { method: 'POST', body }).then(async (r) => ({ status: r.status, text: await r.text() }));
  const punch = (minute: number) =>
    fetch(`${s.baseUrl}/api/v1/punches`, {
      method: 'POST',
      headers: { authorization: ingest, 'content-type': 'application/json' },
      body: JSON.stringify({ employee_id: '7', timestamp: `2025-03-11 08:${String(minute).padStart(2, '0')}:00`, device_id: 'GATE' }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  const count = async (table: string, where: Record<string, string> = {}) => Number(((await direct.knex(table).where(where).count({ n: '*' })) as { n: number }[])[0]!.n);

  test('cut mid-upload: non-OK to the device, 503 to JSON clients and /readyz; back: resends land exactly once', async () => {
    assert.equal((await upload(attlog('7', 6, 50), 1)).text, 'OK:50');
    assert.equal((await punch(0)).status, 200);

    // Cut the link the moment the next upload writes its punches.
    const cut = proxy.cutOn('insert into `punches`');
    const during = await upload(attlog('7', 9, 120), 2);
    await cut;
    assert.notEqual(during.status, 200, during.text);
    assert.doesNotMatch(during.text, /^OK/);

    const json = await punch(1);
    assert.equal(json.status, 503);
    assert.equal(json.body.success, false);
    assert.equal(json.body.error_type, 'service_unavailable');
    assert.equal((await fetch(`${s.baseUrl}/readyz`)).status, 503);
    assert.equal((await fetch(`${s.baseUrl}/healthz`)).status, 200, 'the process stays up');
    const again = await upload(attlog('7', 9, 120), 2);
    assert.notEqual(again.status, 200);

    proxy.restore();
    await waitFor('/readyz', async () => (await fetch(`${s.baseUrl}/readyz`)).ok);

    // The device and the JSON client send again what was not acknowledged.
    assert.equal((await upload(attlog('7', 9, 120), 2)).text, 'OK:120');
    assert.equal((await punch(1)).status, 200);
    // And a resend of what was acknowledged before the cut changes nothing.
    assert.equal((await upload(attlog('7', 6, 50), 1)).text, 'OK:50');

    assert.equal(await count('punches', { device_serial: SN }), 170);
    assert.equal(await count('punches', { device_serial: 'GATE' }), 2);
    assert.equal(await count('checkins'), 172);
  });

  test('with the default timeouts, /readyz still answers 503 while the link is silent, before a load balancer gives up on it', { timeout: 120_000 }, async () => {
    const other = await startProxyTo(databaseUrl);
    const plain = await startTestServer({ databaseUrl: other.url, devicePolicy: 'approve' });
    try {
      assert.equal((await fetch(`${plain.baseUrl}/readyz`)).status, 200);
      other.proxy.blackhole();
      // A health check gives up after a few seconds; the statement timeout here is 60 s.
      const ready = await fetch(`${plain.baseUrl}/readyz`, { signal: AbortSignal.timeout(6000) });
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { database: string }).database, 'unreachable');
      other.proxy.restore();
      await waitFor('/readyz', async () => (await fetch(`${plain.baseUrl}/readyz`)).ok, 90_000);
    } finally {
      other.proxy.restore();
      await plain.stop();
      await other.proxy.close();
    }
  });

  test('a silent link fails requests by the timeouts (503, non-OK), and the server recovers when it answers again', { timeout: 120_000 }, async () => {
    proxy.blackhole();
    const during = await upload(attlog('7', 13, 30), 3);
    assert.notEqual(during.status, 200, during.text);
    const json = await punch(2);
    assert.equal(json.status, 503);
    assert.equal(json.body.error_type, 'service_unavailable');
    assert.equal((await fetch(`${s.baseUrl}/readyz`)).status, 503);

    proxy.restore();
    await waitFor('/readyz', async () => (await fetch(`${s.baseUrl}/readyz`)).ok);
    assert.equal((await upload(attlog('7', 13, 30), 3)).text, 'OK:30');
    assert.equal((await punch(2)).status, 200);
    assert.equal(await count('punches', { device_serial: SN }), 200);
    assert.equal(await count('punches', { device_serial: 'GATE' }), 3);
  });
});
