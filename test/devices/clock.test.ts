// Terminal clocks over real HTTP (issue 19 items 2, 3, 4): measured only from punches sent as
// they were made, with no bound on how far off; a clock known wrong holds its terminal's
// punches for review until it is measured right. The server's clock is moved forward
// to stand for minutes of polling and for outages, so nothing here waits on real time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DateTime } from 'luxon';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

describe(`terminal clocks on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;
  /** How far the server's clock is ahead of the wall clock. */
  let offsetMs = 0;
  const deviceNow = () => new Date(Date.now() + offsetMs);

  before(async () => {
    s = await startTestServer({ timeZone: 'Asia/Riyadh', devicePolicy: 'approve', holdClockOffSeconds: 900 }, { clock: deviceNow });
    admin = client(s, await s.authHeader('admin'));
  });
  after(async () => {
    await s.stop();
  });

  /** Wall time in Riyadh, `seconds` from the server's now (what a right clock states then). */
  const wall = (seconds = 0) => DateTime.fromMillis(deviceNow().getTime() + seconds * 1000, { zone: 'Asia/Riyadh' }).toFormat('yyyy-MM-dd HH:mm:ss');
  const poll = (sn: string) => fetch(`${s.baseUrl}/iclock/getrequest?SN=${sn}`).then(async (r) => ({ status: r.status, text: await r.text() }));
  /** A terminal polling every 10 s for `seconds`, as the clock moves. */
  async function talk(sn: string, seconds: number) {
    for (let t = 0; t < seconds; t += 10) {
      offsetMs += 10_000;
      assert.equal((await poll(sn)).status, 200);
    }
  }
  async function upload(sn: string, lines: string[]) {
    const r = await fetch(`${s.baseUrl}/iclock/cdata?SN=${sn}&table=ATTLOG&Stamp=9999`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: lines.map((l) => `${l}\n`).join('') });
    return { status: r.status, text: await r.text() };
  }
  const punch = (pin: string, at: string) => `${pin}\t${at}\t0\t1`;
  const device = async (sn: string) => (await admin.get(`/api/v1/devices/${sn}`)).body;
  const punchesOf = async (sn: string) =>
    (await admin.get(`/api/v1/punches?device=${sn}&page_size=100`)).body.data as { id: number; employee_id: string; local_time: string; status: string; checkin_id: string | null }[];
  const clockFinding = (d: { diagnosis: { findings: string[] } }) => d.diagnosis.findings.find((f) => f.startsWith('Clock '));

  test('a clock two days behind or 30 hours ahead is reported as that, and its punch held (no bound at one day)', async () => {
    await admin.post('/api/v1/employees', { name: 'Behind', attendance_device_id: '2001' });
    for (const [sn, seconds, spelled] of [
      ['CLK-BEHIND', -48 * 3600, /^Clock behind by 2 days \(\d+ s, measured .* from a punch it sent as it was made\): its punches are held for review/],
      ['CLK-AHEAD', 30 * 3600 + 30, /^Clock ahead by 1 day 6 h \(\d+ s, .*: its punches are held for review/],
    ] as const) {
      await talk(sn, 130);
      assert.equal((await upload(sn, [punch('2001', wall(seconds))])).text, 'OK:1');
      const d = await device(sn);
      assert.ok(Math.abs(d.clock_drift_seconds + seconds) <= 2, `${sn}: ${d.clock_drift_seconds}`);
      assert.match(clockFinding(d) ?? '', spelled);
      assert.equal(d.diagnosis.delivering, false);
      const [held] = await punchesOf(sn);
      assert.equal(held!.status, 'suspect_time');
      assert.equal(held!.checkin_id, null, `${sn}: a check-in ${seconds / 3600} h off went on to ERPNext`);
    }
  });

  test('a backlog after a break says nothing about the clock: not after an outage, a refusal, nor on first contact', async () => {
    await admin.post('/api/v1/employees', { name: 'Back', attendance_device_id: '2101' });
    const sn = 'CLK-OUTAGE';
    await talk(sn, 130);
    assert.equal((await upload(sn, [punch('2101', wall(-2))])).text, 'OK:1');
    const right = await device(sn);
    assert.ok(Math.abs(right.clock_drift_seconds) <= 3, `a right clock measured ${right.clock_drift_seconds} s off`);

    // 35 minutes without a word; back, it polls, then sends the three punches it kept.
    offsetMs += 35 * 60_000;
    assert.equal((await poll(sn)).status, 200);
    assert.equal((await upload(sn, [punch('2101', wall(-35 * 60)), punch('2101', wall(-34 * 60)), punch('2101', wall(-2000))])).text, 'OK:3');
    const after = await device(sn);
    assert.equal(after.clock_drift_seconds, right.clock_drift_seconds, 'the backlog was taken for a clock 2000 s behind');
    assert.equal(after.clock_drift_at, right.clock_drift_at);
    assert.equal(clockFinding(after), undefined, after.diagnosis.findings.join('\n'));
    assert.ok((await punchesOf(sn)).every((p) => p.status === 'checked_in'));

    // Blocked for a while (its requests refused), then approved: what it kept is a backlog too.
    await talk(sn, 130);
    assert.equal((await admin.post(`/api/v1/devices/${sn}/block`)).status, 200);
    offsetMs += 10_000;
    assert.equal((await poll(sn)).status, 401);
    assert.equal((await upload(sn, [punch('2101', wall(-5))])).status, 401);
    offsetMs += 15 * 60_000;
    assert.equal((await poll(sn)).status, 401);
    await admin.post(`/api/v1/devices/${sn}/approve`);
    assert.equal((await upload(sn, [punch('2101', wall(-15 * 60))])).text, 'OK:1');
    assert.equal((await device(sn)).clock_drift_at, right.clock_drift_at, 'what a blocked terminal kept was taken for real time');

    // A terminal's very first upload may carry anything it held.
    assert.equal((await upload('CLK-FIRST', [punch('2101', wall(-600))])).text, 'OK:1');
    assert.equal((await device('CLK-FIRST')).clock_drift_seconds, null);
  });

  test('an rtlog event of any kind, a door opening too, measures the clock', async () => {
    const sn = 'CLK-RTLOG';
    await talk(sn, 130);
    const door = `time=${wall(-48 * 3600)}\tpin=0\tcardno=0\teventaddr=1\tevent=27\tinoutstatus=1\tverifytype=0\tindex=21\r\n`;
    const r = await fetch(`${s.baseUrl}/iclock/cdata?SN=${sn}&table=rtlog`, { method: 'POST', body: door });
    assert.equal(await r.text(), 'OK');
    const d = await device(sn);
    assert.ok(Math.abs(d.clock_drift_seconds - 48 * 3600) <= 2, String(d.clock_drift_seconds));
    assert.match(clockFinding(d) ?? '', /^Clock behind by 2 days/);
  });

  test('an upload refused (storage away) comes back as a backlog: the retry does not measure the clock', async () => {
    const sn = 'CLK-REFUSED';
    await talk(sn, 130);
    const knex = s.running.services.db.knex;
    const kept = [punch('2101', wall(-300))];
    await knex.schema.renameTable('device_requests', 'device_requests_away');
    try {
      assert.equal((await upload(sn, kept)).status, 503);
    } finally {
      await knex.schema.renameTable('device_requests_away', 'device_requests');
    }
    await talk(sn, 30);
    assert.equal((await upload(sn, kept)).text, 'OK:1');
    assert.equal((await device(sn)).clock_drift_seconds, null, 'the retried punch was taken for a clock 5 minutes behind');
  });

  test("a pending terminal's clock is measured too; on approval, what it sent after that is held, what it sent before is not", async () => {
    await admin.post('/api/v1/employees', { name: 'Pending', attendance_device_id: '2401' });
    const sn = 'CLK-PENDING';
    await talk(sn, 10);
    await s.running.services.db.knex('devices').where({ serial: sn }).update({ state: 'pending' });
    await talk(sn, 130);
    const right = wall(-1);
    assert.equal((await upload(sn, [punch('2401', right)])).text, 'OK:1');
    await talk(sn, 10);
    const behind = wall(-2 * 3600);
    assert.equal((await upload(sn, [punch('2401', behind)])).text, 'OK:1');
    const d = await device(sn);
    assert.equal(d.state, 'pending');
    assert.ok(Math.abs(d.clock_drift_seconds - 7200) <= 2, String(d.clock_drift_seconds));
    const approved = await admin.post(`/api/v1/devices/${sn}/approve`);
    assert.equal(approved.body.released.created, 2);
    const punches = await punchesOf(sn);
    assert.equal(punches.find((p) => p.local_time === right)!.status, 'checked_in');
    assert.equal(punches.find((p) => p.local_time === behind)!.status, 'suspect_time');
  });

  test('a clock known wrong holds every new punch of its terminal until one shows it right; resends keep their check-ins; held punches can be accepted', async () => {
    await admin.post('/api/v1/employees', { name: 'Held', attendance_device_id: '2201' });
    const sn = 'CLK-HOLD';
    await talk(sn, 130);
    const before = wall(-1);
    assert.equal((await upload(sn, [punch('2201', before)])).text, 'OK:1');
    assert.equal((await punchesOf(sn))[0]!.status, 'checked_in');

    // The clock jumps 6 hours ahead: the punch that shows it is held, and so is every new one
    // after it, a backlog (which cannot tell) included, whatever time it states.
    await talk(sn, 30);
    const ahead = wall(6 * 3600 - 30);
    assert.equal((await upload(sn, [punch('2201', ahead)])).text, 'OK:1');
    const wrong = await device(sn);
    assert.ok(Math.abs(wrong.clock_drift_seconds + 21_570) <= 2, String(wrong.clock_drift_seconds));
    assert.match(clockFinding(wrong) ?? '', /^Clock ahead by 5 h 59 min \(\d+ s.*held for review \(suspect_time\), not made check-ins nor sent to ERPNext/);
    assert.equal(wrong.diagnosis.delivering, false);
    assert.ok(!wrong.diagnosis.findings.some((f: string) => f.startsWith('Delivering')));
    const backlog = [punch('2201', wall(-3600)), punch('2201', wall(6 * 3600 + 60)), punch('2201', wall(6 * 3600 + 120)), punch('2201', wall(6 * 3600 + 180))];
    assert.equal((await upload(sn, backlog)).text, 'OK:4');
    // A resend of a punch delivered before the clock went wrong is that punch, check-in and all.
    assert.equal((await upload(sn, [punch('2201', before)])).text, 'OK:1');
    let punches = await punchesOf(sn);
    assert.equal(punches.find((p) => p.local_time === before)!.status, 'checked_in');
    assert.deepEqual(punches.filter((p) => p.local_time !== before).map((p) => p.status), Array(5).fill('suspect_time'));
    assert.ok(punches.filter((p) => p.local_time !== before).every((p) => p.checkin_id === null));

    // Set right (here: 6 hours back): the next real-time punch is delivered again; what was held stays held.
    await talk(sn, 20);
    const fixed = wall(-1);
    assert.equal((await upload(sn, [punch('2201', fixed)])).text, 'OK:1');
    const right = await device(sn);
    assert.ok(Math.abs(right.clock_drift_seconds) <= 3, String(right.clock_drift_seconds));
    assert.equal(right.diagnosis.delivering, true, right.diagnosis.findings.join('\n'));
    assert.match(right.diagnosis.findings.join('\n'), /5 punch\(es\) from it are held for review/);
    punches = await punchesOf(sn);
    assert.equal(punches.find((p) => p.local_time === fixed)!.status, 'checked_in');
    assert.equal(punches.filter((p) => p.status === 'suspect_time').length, 5);

    // The admin accepts the punch that showed the clock wrong, at the time it was really made.
    const shown = punches.find((p) => p.local_time === ahead)!;
    const corrected = DateTime.fromFormat(ahead, 'yyyy-MM-dd HH:mm:ss', { zone: 'Asia/Riyadh' }).minus({ seconds: -wrong.clock_drift_seconds }).toFormat('yyyy-MM-dd HH:mm:ss');
    const accepted = await admin.post(`/api/v1/punches/${shown.id}/accept`, { timestamp: corrected });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.outcome, 'created');
  });

  test('with ICLOCKD_HOLD_CLOCK_OFF_SECONDS=0 a wrong clock is reported, not held', async () => {
    let offset = 0;
    const other = await startTestServer({ timeZone: 'UTC', devicePolicy: 'approve', holdClockOffSeconds: 0 }, { clock: () => new Date(Date.now() + offset) });
    try {
      const api = client(other, await other.authHeader('admin'));
      await api.post('/api/v1/employees', { name: 'Off', attendance_device_id: '2301' });
      for (let t = 0; t < 130; t += 10) {
        offset += 10_000;
        await fetch(`${other.baseUrl}/iclock/getrequest?SN=CLK-OFF`);
      }
      const at = DateTime.fromMillis(Date.now() + offset - 7200_000, { zone: 'UTC' }).toFormat('yyyy-MM-dd HH:mm:ss');
      const r = await fetch(`${other.baseUrl}/iclock/cdata?SN=CLK-OFF&table=ATTLOG&Stamp=9999`, { method: 'POST', body: `2301\t${at}\t0\t1\n` });
      assert.equal(await r.text(), 'OK:1');
      const d = (await api.get('/api/v1/devices/CLK-OFF')).body;
      assert.equal(d.diagnosis.delivering, true);
      assert.match(d.diagnosis.findings.join('\n'), /Clock behind by 2 h \(\d+ s.*\): its check-ins carry times that far off/);
      assert.equal((await api.get('/api/v1/punches?device=CLK-OFF')).body.data[0].status, 'checked_in');
    } finally {
      await other.stop();
    }
  });
});
