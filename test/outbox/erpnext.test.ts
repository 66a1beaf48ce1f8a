// Forwarding check-ins to ERPNext through the outbox, against a real HTTP server that answers
// like ERPNext (test/helpers/fakeErpnext.ts) and fails on purpose. Several "processes" are
// several sets of services on one database.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { createLogger } from '../../src/log.js';
import { type OutboxRow, listOutboxRows } from '../../src/store/outbox.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';
import { FakeErpnext } from '../helpers/fakeErpnext.js';
import { type Node, startNode, until } from '../helpers/outbox.js';
import { makePunch } from '../helpers/punch.js';

interface World {
  t: TestDatabase;
  erp: FakeErpnext;
  node(overrides?: Parameters<typeof startNode>[1], opts?: Parameters<typeof startNode>[2]): Promise<Node>;
  rows(): Promise<OutboxRow[]>;
  done(): Promise<void>;
}

async function world(): Promise<World> {
  const t = await openTestDatabase();
  const erp = await FakeErpnext.start();
  const nodes: Node[] = [];
  return {
    t,
    erp,
    async node(overrides, opts) {
      const n = await startNode(t.url, overrides, opts);
      nodes.push(n);
      return n;
    },
    async rows() {
      return (await listOutboxRows(t.db.knex, {}, { offset: 0, limit: 10_000 })).rows;
    },
    async done() {
      for (const n of nodes) await n.close();
      await erp.close();
      await t.cleanup();
    },
  };
}

/** ERPNext target on the fake; check-in times go out as wall time in Asia/Riyadh (UTC+3). */
async function addErpTarget(n: Node, erp: FakeErpnext, extra: Record<string, unknown> = {}) {
  return n.s.outbox.addTarget({ name: 'erp', kind: 'erpnext', url: erp.url, api_key: erp.apiKey, api_secret: erp.apiSecret, time_zone: 'Asia/Riyadh', ...extra });
}

async function addEmployees(n: Node, ids: string[]) {
  for (const id of ids) await n.s.employees.create({ employee: `EMP-${id}`, name: `Person ${id}`, attendance_device_id: id });
}

const punch = (n: Node, user: string, local: string, logType: 'IN' | 'OUT' | 'AUTO' = 'AUTO') => n.s.ingest.ingest([makePunch(user, local, { logType })]);

describe(`forwarding to ERPNext on ${testDialect()}`, () => {
  test('each check-in reaches ERPNext exactly once, though every send fails twice and then loses its reply', async () => {
    const w = await world();
    try {
      const n = await w.node();
      w.erp.addEmployee('HR-EMP-00001', '1001');
      w.erp.addEmployee('HR-EMP-00002', '1002');
      w.erp.failFirst = 2;
      w.erp.loseFirstReply = true;
      await addErpTarget(n, w.erp);
      await addEmployees(n, ['1001', '1002']);
      await punch(n, '1001', '2025-05-01 08:00:00', 'IN');
      await punch(n, '1002', '2025-05-01 08:01:00', 'IN');
      await punch(n, '1001', '2025-05-01 17:00:00', 'OUT');
      await punch(n, '1002', '2025-05-01 17:05:00');
      await punch(n, '1001', '2025-05-01 08:00:00', 'IN'); // a resend: no new check-in, no new row

      await until('4 rows delivered', async () => (await w.rows()).filter((r) => r.state === 'delivered').length === 4);
      const rows = await w.rows();
      assert.equal(rows.length, 4);
      assert.equal(w.erp.checkins.length, 4, 'ERPNext holds each check-in once');
      assert.equal(new Set(w.erp.checkins.map((c) => `${c.employee}|${c.time}|${c.log_type}`)).size, 4);
      // 502, looked up and sent again: 502, looked up and sent again: stored but the reply lost
      // (504), looked up: found, delivered without a fourth send.
      assert.deepEqual(rows.map((r) => r.tries), [4, 4, 4, 4]);
      assert.equal(w.erp.requests.length, 12, 'three sends each');
      assert.equal(w.erp.duplicateAnswers, 0, 'never sent once ERPNext held it');
      assert.ok(rows.every((r) => r.unconfirmedSendMs === null));
      assert.deepEqual(rows.map((r) => r.remoteRef).sort(), w.erp.checkins.map((c) => c.name).sort(), 'the ERPNext names are kept');
      // What the sync tool sends: the biometric id, naive wall time in the site's zone, the device, the log type.
      const first = w.erp.requests[0]!;
      assert.equal(first.path, '/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field');
      assert.deepEqual(first.body, { employee_field_value: '1001', timestamp: '2025-05-01 11:00:00', device_id: 'SN-1', log_type: 'IN', skip_auto_attendance: 0 });
      assert.equal(w.erp.checkins.find((c) => c.time === '2025-05-01 20:05:00')?.log_type, null, 'AUTO goes out without a log type');
      const target = await n.s.outbox.getTarget('erp');
      assert.ok(target.lastDeliveredAt);
    } finally {
      await w.done();
    }
  });

  test('a target down for a while, then back, gets everything, each employee in order', async () => {
    const w = await world();
    try {
      const n = await w.node();
      for (const id of ['1001', '1002', '1003']) w.erp.addEmployee(`HR-${id}`, id);
      w.erp.down = true;
      await addErpTarget(n, w.erp);
      await addEmployees(n, ['1001', '1002', '1003']);
      const times = ['08:00:00', '12:00:00', '13:00:00', '17:00:00'];
      for (const time of times) for (const id of ['1001', '1002', '1003']) await punch(n, id, `2025-05-02 ${time}`);

      await until('every employee has been tried a few times', async () => (await w.rows()).filter((r) => r.tries >= 3).length === 3);
      // Only each employee's oldest row is ever tried: the rest wait behind it, untouched.
      const waiting = await w.rows();
      assert.deepEqual(
        waiting.filter((r) => r.tries > 0).map((r) => r.id),
        [waiting[0]!.id, waiting[1]!.id, waiting[2]!.id],
      );
      assert.ok(waiting.every((r) => r.state === 'pending'));
      assert.ok(waiting.filter((r) => r.tries > 0).every((r) => r.failureReason === 'http_503' && r.lastStatus === 503));

      w.erp.down = false;
      await until('12 rows delivered', async () => (await w.rows()).every((r) => r.state === 'delivered'));
      assert.equal(w.erp.checkins.length, 12);
      for (const id of ['1001', '1002', '1003']) {
        assert.deepEqual(
          w.erp.checkins.filter((c) => c.employee === `HR-${id}`).map((c) => c.time),
          ['2025-05-02 11:00:00', '2025-05-02 15:00:00', '2025-05-02 16:00:00', '2025-05-02 20:00:00'],
          `${id} in order`,
        );
      }
    } finally {
      await w.done();
    }
  });

  test('a refused record does not hold back the rows behind it; fixing the employee sends it again', async () => {
    const w = await world();
    try {
      const n = await w.node();
      w.erp.addEmployee('HR-1001', '1001');
      w.erp.addEmployee('HR-1003', '1003', 'Inactive');
      w.erp.refuseTimes.add('2025-05-03 11:30:00'); // 1001's first: a ValidationError of its own
      await addErpTarget(n, w.erp);
      await addEmployees(n, ['1001', '1002', '1003']);
      await punch(n, '1002', '2025-05-03 08:00:00');
      await punch(n, '1001', '2025-05-03 08:30:00');
      await punch(n, '1002', '2025-05-03 09:00:00');
      await punch(n, '1001', '2025-05-03 09:30:00');
      await punch(n, '1003', '2025-05-03 08:00:00');

      await until('nothing pending', async () => (await w.rows()).every((r) => r.state !== 'pending'));
      const byReason = async () => (await w.rows()).map((r) => [r.employeeId, r.state, r.failureReason]);
      const ids = Object.fromEntries(await Promise.all(['1001', '1002', '1003'].map(async (id) => [id, (await n.s.employees.get(`EMP-${id}`)).id])));
      assert.deepEqual(await byReason(), [
        [ids['1002'], 'rejected', 'employee_not_found'],
        [ids['1001'], 'rejected', 'erpnext_ValidationError'],
        [ids['1002'], 'rejected', 'employee_not_found'],
        [ids['1001'], 'delivered', null],
        [ids['1003'], 'rejected', 'inactive_employee'],
      ]);
      const rows = await w.rows();
      assert.equal(rows[0]!.lastError, "No Employee found for the given employee field value. 'attendance_device_id': 1002");
      assert.equal(rows[0]!.lastStatus, 417);
      assert.equal(rows[1]!.lastError, 'Log Type is required for check-ins falling in the shift: Day Shift.');
      assert.equal(rows[4]!.lastError, 'Transactions cannot be created for an Inactive Employee HR-1003.');
      assert.deepEqual((await n.s.outbox.queues()).get(rows[0]!.targetId), { pending: 0, rejected: 4, dead: 0 });

      // ERPNext gets the employee; saving the employee in iclockd sends their refused rows again.
      w.erp.addEmployee('HR-1002', '1002');
      await n.s.employees.update('EMP-1002', { name: 'Person 1002' });
      await until("1002's rows delivered", async () => (await w.rows()).filter((r) => r.employeeId === ids['1002'] && r.state === 'delivered').length === 2);
      assert.deepEqual(w.erp.checkins.filter((c) => c.employee === 'HR-1002').map((c) => c.time), ['2025-05-03 11:00:00', '2025-05-03 12:00:00']);
      assert.equal((await w.rows())[4]!.state, 'rejected', 'other employees stay as they were');

      // A refusal of another kind is sent again by hand.
      w.erp.refuseTimes.clear();
      const again = await n.s.outbox.retry(rows[1]!.id);
      assert.equal(again.row.state, 'pending');
      await until('the retried row delivered', async () => (await w.rows())[1]!.state === 'delivered');
      await assert.rejects(n.s.outbox.retry(rows[1]!.id), /was delivered; it is not sent twice/);
    } finally {
      await w.done();
    }
  });

  test('refused credentials pause the target and alert; fixed and resumed, it delivers', async () => {
    const w = await world();
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _e, done) {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          done();
        },
      }),
    );
    try {
      const n = await w.node({}, { logger });
      w.erp.addEmployee('HR-1001', '1001');
      await addErpTarget(n, w.erp, { api_secret: 'not-the-secret-9f8e7d' });
      await addEmployees(n, ['1001']);
      await punch(n, '1001', '2025-05-04 08:00:00');

      // The target is paused first, then the attempt is recorded and alerted: wait for the alert, the last of them.
      const alerted = () => lines.some((l) => (JSON.parse(l) as { level: number }).level === 50);
      await until('the target is paused and the attempt recorded', async () => (await n.s.outbox.getTarget('erp')).state === 'error' && alerted());
      const target = await n.s.outbox.getTarget('erp');
      assert.match(target.stateReason ?? '', /^ERPNext refused the API key and secret \(HTTP 401/);
      const [row] = await w.rows();
      assert.deepEqual([row!.state, row!.tries, row!.failureReason], ['pending', 0, 'auth'], 'the row keeps its tries and waits');
      const alert = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.level === 50);
      assert.match(alert?.msg ?? '', /^outbox: target erp paused: ERPNext refused the API key and secret.*iclockd targets resume erp$/);
      const metrics = await n.s.metrics.registry.metrics();
      assert.match(metrics, /iclockd_outbox_target_up\{target="erp",state="error"\} 0/);
      assert.match(metrics, /iclockd_outbox_failures_total\{target="erp",reason="auth"\} 1/);
      assert.match(metrics, /iclockd_outbox_rows\{target="erp",state="pending"\} 1/);
      assert.ok(!lines.join('\n').includes('not-the-secret-9f8e7d'), 'the secret is never logged');

      assert.equal((await n.s.outbox.testTarget('erp')).ok, false);
      await n.s.outbox.updateTarget('erp', { api_secret: w.erp.apiSecret });
      assert.deepEqual(await n.s.outbox.testTarget('erp'), { ok: true, status: 200, message: 'ERPNext accepts the API key; it belongs to iclockd-sync@example.com, who may read Employee Checkin' });
      assert.equal((await n.s.outbox.getTarget('erp')).state, 'error', 'still paused until resumed');
      await n.s.outbox.resumeTarget('erp');
      await until('delivered', async () => (await w.rows())[0]!.state === 'delivered');
      assert.equal(w.erp.checkins.length, 1);
      assert.ok(!lines.join('\n').includes(w.erp.apiSecret));
    } finally {
      await w.done();
    }
  });

  test('a restart mid-delivery loses and doubles nothing', async () => {
    const w = await world();
    try {
      const ids = ['1001', '1002', '1003', '1004', '1005', '1006'];
      for (const id of ids) w.erp.addEmployee(`HR-${id}`, id);
      const a = await w.node({ outboxConcurrency: 4 });
      await addErpTarget(a, w.erp);
      await addEmployees(a, ids);
      w.erp.hold(); // ERPNext takes the requests and answers nothing yet
      for (const time of ['08:00:00', '17:00:00']) for (const id of ids) await punch(a, id, `2025-05-05 ${time}`);
      await until('four requests in flight', () => w.erp.holding === 4);

      // Stop the first process while its requests are in flight and start another on the same database.
      const stopping = a.close();
      const b = await w.node({ outboxConcurrency: 4 });
      w.erp.release();
      await stopping;
      await until('12 rows delivered', async () => (await w.rows()).every((r) => r.state === 'delivered'));
      assert.equal(b.s.outbox.worker.id === a.s.outbox.worker.id, false);
      assert.equal(w.erp.checkins.length, 12);
      assert.equal(w.erp.requests.length, 12, 'nothing sent twice');
      assert.equal(w.erp.duplicateAnswers, 0);
      assert.ok((await w.rows()).every((r) => r.tries === 1 && r.claimedBy === null));
    } finally {
      await w.done();
    }
  });

  test("a crashed process's claim expires; the next process looks the check-in up at ERPNext before sending it again", async () => {
    const w = await world();
    try {
      w.erp.addEmployee('HR-1001', '1001');
      const a = await w.node({}, { worker: false });
      await addErpTarget(a, w.erp);
      await addEmployees(a, ['1001']);
      await punch(a, '1001', '2025-05-06 08:00:00', 'IN');
      // The crashed process had claimed the row and its request had reached ERPNext.
      const [row] = await w.rows();
      await w.t.db.knex('outbox').where({ id: row!.id }).update({ claimed_by: 'crashed-host:1:dead#1', claim_until_ms: Date.now() + 300 });
      w.erp.checkins.push({ name: 'EMP-CKIN-11-2026-000777', employee: 'HR-1001', time: '2025-05-06 11:00:00', log_type: 'IN', device_id: 'SN-1', skip_auto_attendance: 0 });

      await w.node();
      await until('delivered', async () => (await w.rows())[0]!.state === 'delivered');
      const [after] = await w.rows();
      assert.equal(after!.remoteRef, 'EMP-CKIN-11-2026-000777', 'the name ERPNext holds it under');
      assert.equal(after!.unconfirmedSendMs, null);
      assert.equal(w.erp.checkins.length, 1);
      assert.equal(w.erp.requests.length, 0, 'found, so not sent again');
    } finally {
      await w.done();
    }
  });

  test('two processes share the outbox without delivering anything twice', async () => {
    const w = await world();
    try {
      const ids = ['2001', '2002', '2003', '2004', '2005', '2006'];
      for (const id of ids) w.erp.addEmployee(`HR-${id}`, id);
      w.erp.maxDelayMs = 15;
      const a = await w.node({ outboxConcurrency: 3 });
      const b = await w.node({ outboxConcurrency: 3 });
      await addErpTarget(a, w.erp);
      await addEmployees(a, ids);
      const times = ['07:00:00', '09:00:00', '11:00:00', '13:00:00', '15:00:00'];
      let k = 0;
      for (const time of times) for (const id of ids) await punch(k++ % 2 ? a : b, id, `2025-05-07 ${time}`);

      await until('30 rows delivered', async () => (await w.rows()).filter((r) => r.state === 'delivered').length === 30);
      assert.equal(w.erp.checkins.length, 30);
      assert.equal(w.erp.requests.length, 30, 'every row sent once');
      assert.equal(w.erp.duplicateAnswers, 0);
      for (const id of ids) {
        const sent = w.erp.checkins.filter((c) => c.employee === `HR-${id}`).map((c) => c.time);
        assert.deepEqual(sent, [...sent].sort(), `${id} in order`);
        assert.equal(sent.length, 5);
      }
    } finally {
      await w.done();
    }
  });

  test('the resource API with the iclockd employee id as the ERPNext Employee name', async () => {
    const w = await world();
    try {
      const n = await w.node();
      w.erp.addEmployee('HR-EMP-00001', null);
      await addErpTarget(n, w.erp, { method: 'resource' });
      await n.s.employees.create({ employee: 'HR-EMP-00001', name: 'Amal', attendance_device_id: '1001' });
      await punch(n, '1001', '2025-05-08 08:00:00', 'IN');
      await until('delivered', async () => (await w.rows())[0]?.state === 'delivered');
      assert.equal(w.erp.requests[0]!.path, '/api/resource/Employee Checkin');
      assert.deepEqual(w.erp.requests[0]!.body, { employee: 'HR-EMP-00001', time: '2025-05-08 11:00:00', log_type: 'IN', device_id: 'SN-1', skip_auto_attendance: 0 });
      assert.equal((await w.rows())[0]!.remoteRef, w.erp.checkins[0]!.name);
    } finally {
      await w.done();
    }
  });

  test("an ERPNext that stores each request after iclockd's timeout gets every check-in once", async () => {
    const w = await world();
    try {
      const ids = ['3001', '3002', '3003'];
      for (const id of ids) w.erp.addEmployee(`HR-${id}`, id);
      // iclockd gives up after 150 ms; ERPNext checks for a duplicate at once and commits 900 ms
      // later (then, in the second half, stalls 900 ms before the check). A blind resend would
      // pass the duplicate check of a request not committed yet and be stored beside it.
      const n = await w.node({ outboxTimeoutMs: 150, outboxSettleMs: 1500 });
      w.erp.commitAfterMs = 900;
      await addErpTarget(n, w.erp);
      await addEmployees(n, ids);
      for (const id of ids) await punch(n, id, '2025-06-01 08:00:00', 'IN');
      await until('3 delivered', async () => (await w.rows()).filter((r) => r.state === 'delivered').length === 3);
      await new Promise((r) => setTimeout(r, 1000)); // anything still running at ERPNext lands
      assert.equal(w.erp.checkins.length, 3, 'none stored twice while ERPNext commits late');
      w.erp.commitAfterMs = 0;
      w.erp.stallBeforeCheckMs = 900;
      for (const id of ids) await punch(n, id, '2025-06-01 17:00:00', 'OUT');
      await until('6 delivered', async () => (await w.rows()).filter((r) => r.state === 'delivered').length === 6, 30_000);
      await new Promise((r) => setTimeout(r, 1200)); // anything still running at ERPNext lands

      assert.equal(w.erp.checkins.length, 6, 'no check-in stored twice');
      assert.equal(new Set(w.erp.checkins.map((c) => `${c.employee}|${c.time}|${c.log_type}`)).size, 6);
      const rows = await w.rows();
      assert.deepEqual(rows.map((r) => r.remoteRef).sort(), w.erp.checkins.map((c) => c.name).sort(), 'each row knows its ERPNext name');
      assert.ok(rows.every((r) => r.tries >= 2 && r.unconfirmedSendMs === null), 'each timed out, was looked up, and is settled');
      assert.ok(w.erp.lookups > 0);
    } finally {
      await w.done();
    }
  });

  test('a process that died mid-send: its request still running at ERPNext is waited out, not doubled', async () => {
    const w = await world();
    try {
      w.erp.addEmployee('HR-1001', '1001');
      const a = await w.node({}, { worker: false });
      await addErpTarget(a, w.erp);
      await addEmployees(a, ['1001']);
      await punch(a, '1001', '2025-05-06 08:00:00', 'IN');
      const [row] = await w.rows();
      // The dead process claimed the row (its claim ran out just now) and its request is still
      // at ERPNext, which commits it 700 ms from now.
      await w.t.db.knex('outbox').where({ id: row!.id }).update({ claimed_by: 'crashed-host:1:dead#1', claim_until_ms: Date.now() - 1 });
      setTimeout(() => w.erp.checkins.push({ name: 'EMP-CKIN-11-2026-000888', employee: 'HR-1001', time: '2025-05-06 11:00:00', log_type: 'IN', device_id: 'SN-1', skip_auto_attendance: 0 }), 700);

      await w.node({ outboxSettleMs: 1500 });
      await until('delivered', async () => (await w.rows())[0]!.state === 'delivered');
      const [after] = await w.rows();
      assert.equal(after!.remoteRef, 'EMP-CKIN-11-2026-000888');
      assert.equal(w.erp.requests.length, 0, 'not sent while the dead process\'s request could still land');
      assert.equal(w.erp.checkins.length, 1);
    } finally {
      await w.done();
    }
  });

  test('an unanswered send with no read access at ERPNext pauses the target instead of resending blind', async () => {
    const w = await world();
    try {
      w.erp.addEmployee('HR-1001', '1001');
      const n = await w.node();
      w.erp.loseFirstReply = true;
      w.erp.readable = false;
      await addErpTarget(n, w.erp);
      await addEmployees(n, ['1001']);
      await punch(n, '1001', '2025-05-09 08:00:00', 'IN');
      await until('target paused', async () => (await n.s.outbox.getTarget('erp')).state === 'error');
      const [row] = await w.rows();
      assert.equal(row!.state, 'pending');
      assert.equal(row!.failureReason, 'no_read_permission');
      assert.ok(row!.unconfirmedSendMs !== null, 'still in doubt');
      assert.match((await n.s.outbox.getTarget('erp')).stateReason ?? '', /read permission on Employee and Employee Checkin/);
      assert.equal(w.erp.requests.length, 1, 'sent once');
      assert.match((await n.s.outbox.testTarget('erp')).message, /does not let the API user read Employee Checkin/);

      w.erp.readable = true;
      await n.s.outbox.resumeTarget('erp');
      await until('delivered', async () => (await w.rows())[0]!.state === 'delivered');
      assert.equal(w.erp.requests.length, 1, 'found at ERPNext, not sent again');
      assert.equal(w.erp.checkins.length, 1);
    } finally {
      await w.done();
    }
  });

  test('v12/v13: an OUT in the second of an IN is not counted delivered on the IN\'s duplicate answer', async () => {
    const w = await world();
    try {
      w.erp.addEmployee('HR-1001', '1001');
      const n = await w.node();
      await addErpTarget(n, w.erp, { method: 'erpnext' });
      await addEmployees(n, ['1001']);
      await punch(n, '1001', '2025-05-10 08:00:00', 'IN');
      await punch(n, '1001', '2025-05-10 08:00:00', 'OUT');
      await until('nothing pending', async () => (await w.rows()).every((r) => r.state !== 'pending'));
      const rows = await w.rows();
      assert.deepEqual(rows.map((r) => [r.state, r.failureReason]), [['delivered', null], ['rejected', 'other_record_at_target']]);
      assert.match(rows[1]!.lastError ?? '', /already holds EMP-CKIN-\S+ for this employee at 2025-05-10 11:00:00 with another log type.*this OUT was not stored/);
      assert.deepEqual(w.erp.checkins.map((c) => c.log_type), ['IN'], 'what ERPNext holds');
    } finally {
      await w.done();
    }
  });

  test('two check-ins an hour apart that the DST fall-back gives one wall time: the second is not counted delivered', async () => {
    const w = await world();
    try {
      w.erp.addEmployee('HR-1001', '1001');
      const n = await w.node();
      await addErpTarget(n, w.erp, { time_zone: 'America/New_York' });
      await addEmployees(n, ['1001']);
      await punch(n, '1001', '2025-11-02 05:30:00'); // 01:30 EDT
      await punch(n, '1001', '2025-11-02 06:30:00'); // 01:30 EST
      await until('nothing pending', async () => (await w.rows()).every((r) => r.state !== 'pending'));
      const rows = await w.rows();
      assert.deepEqual(rows.map((r) => [r.state, r.failureReason]), [['delivered', null], ['rejected', 'same_record_at_target']]);
      assert.match(rows[1]!.lastError ?? '', new RegExp(`answered with ${rows[0]!.remoteRef}, the record of check-in ${rows[0]!.checkinId}`));
      assert.deepEqual(w.erp.checkins.map((c) => c.time), ['2025-11-02 01:30:00']);
    } finally {
      await w.done();
    }
  });

  test('the resource API: an employee ERPNext does not know is sent again once the employee is fixed', async () => {
    const w = await world();
    try {
      const n = await w.node();
      await addErpTarget(n, w.erp, { method: 'resource', employee_value: 'employee' });
      await n.s.employees.create({ employee: 'HR-EMP-00002', name: 'Badr', attendance_device_id: '1002' });
      await punch(n, '1002', '2025-05-11 08:00:00', 'IN');
      await until('refused', async () => (await w.rows())[0]?.state === 'rejected');
      assert.equal((await w.rows())[0]!.failureReason, 'employee_not_found');

      w.erp.addEmployee('HR-EMP-00002', null);
      await n.s.employees.update('HR-EMP-00002', { name: 'Badr A.' });
      await until('delivered', async () => (await w.rows())[0]?.state === 'delivered');
      assert.equal(w.erp.checkins.length, 1);
    } finally {
      await w.done();
    }
  });
});
