// Employees created while punches for their biometric id arrive: a punch is linked whichever of
// the two transactions commits first, and creating many employees at once never needs a second
// connection per request (which starved the pool and stopped ingest). The interleavings are
// forced, not hoped for: a lock held by the test, or a pause inside the employee's transaction.
// On SQLite there is one connection and one writer, so the two never overlap there.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import type { Employee } from '../../src/employees/service.js';
import { EmployeeService } from '../../src/employees/service.js';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

const mysqlOnly = testDialect() !== 'mysql' && 'SQLite runs one transaction at a time: the two never overlap';

describe(`employees and punches at the same moment, on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;
  before(async () => {
    s = await startTestServer({ devicePolicy: 'approve', deviceRate: 0, dbAcquireTimeoutSeconds: 5, dbStatementTimeoutSeconds: 5 });
    admin = client(s, await s.authHeader('admin'));
  });
  after(async () => {
    await s.stop();
  });

  const knex = () => s.running.services.db.knex;
  const statusOf = async (serial: string, pin: string) => ((await knex()('punches').where({ device_serial: serial, device_user_id: pin }).first('status')) as { status: string } | undefined)?.status;
  const upload = (sn: string, body: string) => fetch(`${s.baseUrl}/iclock/cdata?SN=${sn}&table=ATTLOG&Stamp=1`, { method: 'POST', body });

  test('the employee commits while the upload is still open: the upload links its punch after its own commit', { skip: mysqlOnly }, async () => {
    assert.equal((await upload('RACEA', '')).status, 200);
    // A transaction of the test's holds the end of the request archive: the upload stores its
    // punch (unmatched) and then waits, uncommitted, to archive its bytes.
    const conn = await knex().client.acquireConnection();
    const sql = (q: string) => new Promise<void>((resolve, reject) => conn.query(q, (err: Error | null) => (err ? reject(err) : resolve())));
    try {
      await sql('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await sql('START TRANSACTION');
      await sql('SELECT id FROM device_requests WHERE id > (SELECT COALESCE(MAX(id), 0) FROM device_requests) FOR UPDATE');
      const pending = upload('RACEA', '8801\t2026-12-03 08:00:00\t0\t1\n');
      await waitFor(async () => (await knex()('punches').where({ device_serial: 'RACEA' }).count({ n: '*' }).first() as { n: number }).n === 0 && (await activeInserts(knex())) > 0);
      // The employee is created and committed meanwhile: it cannot see the uncommitted punch.
      const created = await admin.post('/api/v1/employees', { name: 'Racer A', attendance_device_id: '8801' });
      assert.equal(created.status, 201);
      await sql('COMMIT');
      assert.equal((await pending).status, 200);
    } finally {
      knex().client.releaseConnection(conn);
    }
    assert.equal(await statusOf('RACEA', '8801'), 'checked_in');
  });

  test('the upload commits while the employee is still open: the employee links it after its own commit', { skip: mysqlOnly }, async () => {
    assert.equal((await upload('RACEB', '')).status, 200);
    const real = s.running.services.ingest;
    let paused!: () => void;
    const reachedPause = new Promise<void>((r) => (paused = r));
    let resume!: () => void;
    const resumed = new Promise<void>((r) => (resume = r));
    // The real ingest service, paused inside the employee's transaction after it looked for waiting punches.
    const pausing = Object.create(real) as typeof real;
    pausing.settleWaitingPunches = async (trx: Knex.Transaction, employee: Employee) => {
      const linked = await real.settleWaitingPunches(trx, employee);
      paused();
      await resumed;
      return linked;
    };
    const employees = new EmployeeService({ knex: knex(), ingest: pausing, clock: s.running.services.clock });
    const creating = employees.create({ name: 'Racer B', attendance_device_id: '8802' });
    await reachedPause;
    assert.equal((await upload('RACEB', '8802\t2026-12-03 08:00:00\t0\t1\n')).status, 200);
    assert.equal(await statusOf('RACEB', '8802'), 'unmatched', 'stored while the employee was not committed');
    resume();
    const { linked } = await creating;
    assert.equal(linked, 1);
    assert.equal(await statusOf('RACEB', '8802'), 'checked_in');
  });

  test('a punch left unmatched beside an existing employee is linked by the sweep, and by saving the employee again', async () => {
    const created = await admin.post('/api/v1/employees', { name: 'Forgotten', attendance_device_id: '8803' });
    assert.equal(created.status, 201);
    const at = '2026-12-03 08:00:00';
    // As a process that stopped between a commit and its check would leave it.
    for (const [pin, local] of [['8803', '2026-12-03 08:00:00'], ['8803', '2026-12-03 17:00:00']] as const) {
      await knex()('punches').insert({ device_serial: 'SWEEP1', site: 'main', device_user_id: pin, local_time: local, punched_at: local, time_zone: 'UTC', log_type: 'AUTO', source: 'adms', status: 'unmatched', received_at: at });
    }
    assert.equal(await s.running.services.ingest.settleForgottenPunches(), 2);
    assert.equal(await statusOf('SWEEP1', '8803'), 'checked_in');
    const noon = '2026-12-03 12:00:00';
    await knex()('punches').insert({ device_serial: 'SWEEP2', site: 'main', device_user_id: '8803', local_time: noon, punched_at: noon, time_zone: 'UTC', log_type: 'AUTO', source: 'adms', status: 'unmatched', received_at: at });
    const saved = await admin.patch(`/api/v1/employees/${created.body.employee}`, { attendance_device_id: '8803' });
    assert.equal(saved.body.linked_punches, 1, 'assigning the same id again links what waits for it');
  });

  test('20 employees created at once, with 40 punches waiting for them, while a terminal uploads: all created, all linked, ingest never stalls', async () => {
    assert.equal((await upload('CROWD', '')).status, 200);
    const pins = Array.from({ length: 20 }, (_, i) => String(9100 + i));
    const waiting = pins.flatMap((pin) => [`${pin}\t2026-12-02 08:00:00\t0\t1`, `${pin}\t2026-12-02 17:00:00\t1\t1`]).join('\n');
    assert.equal(await (await upload('CROWD', `${waiting}\n`)).text(), 'OK:40');
    const creates = pins.map((pin) => admin.post('/api/v1/employees', { name: `Crowd ${pin}`, attendance_device_id: pin }));
    const uploads = Array.from({ length: 5 }, (_, i) => upload('CROWD', `${9200 + i}\t2026-12-03 08:00:0${i}\t0\t1\n`).then(async (r) => [r.status, await r.text()]));
    const ready = fetch(`${s.baseUrl}/readyz`).then((r) => r.status);
    const created = await Promise.all(creates);
    assert.deepEqual(created.map((r) => r.status), pins.map(() => 201), JSON.stringify(created.find((r) => r.status !== 201)?.body));
    assert.equal(created.reduce((n, r) => n + r.body.linked_punches, 0), 40);
    assert.deepEqual(await Promise.all(uploads), Array.from({ length: 5 }, () => [200, 'OK:1']));
    assert.equal(await ready, 200);
    const left = (await knex()('punches').where({ device_serial: 'CROWD', status: 'unmatched' }).whereIn('device_user_id', pins).count({ n: '*' }).first()) as { n: number };
    assert.equal(Number(left.n), 0);
  });
});

/** MySQL statements inserting into device_requests right now (an upload waiting on the test's lock). */
async function activeInserts(knex: Knex): Promise<number> {
  const rows = (await knex('information_schema.processlist').where('info', 'like', 'insert into `device_requests`%').count({ n: '*' }).first()) as { n: number | string };
  return Number(rows.n);
}

async function waitFor(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
