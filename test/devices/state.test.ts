// A terminal's state as operators see it and as its uploads meet it (issue 19 item 6): the
// diagnosis, `online` and `delivering` agree in every state, and a block or approval made by
// the CLI or another instance applies to the very next upload, over real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DateTime } from 'luxon';
import { runCli } from '../../src/cli/main.js';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

const punchLine = (pin: string, at: Date, zone = 'UTC') => `${pin}\t${DateTime.fromJSDate(at, { zone }).toFormat('yyyy-MM-dd HH:mm:ss')}\t0\t1\n`;

async function upload(s: TestServer, sn: string, body: string) {
  const r = await fetch(`${s.baseUrl}/iclock/cdata?SN=${sn}&table=ATTLOG&Stamp=9999`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
  return { status: r.status, text: await r.text() };
}

describe(`a terminal's diagnosis, online and delivering agree on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;
  let offsetMs = 0;
  const deviceNow = () => new Date(Date.now() + offsetMs);
  const sn = 'AGREE-1';

  before(async () => {
    // An admin key exists: a new terminal is pending.
    s = await startTestServer({ timeZone: 'UTC' }, { clock: deviceNow });
    admin = client(s, await s.authHeader('admin'));
    await admin.post('/api/v1/employees', { name: 'Agreeing', attendance_device_id: '3001' });
  });
  after(async () => {
    await s.stop();
  });

  const poll = () => fetch(`${s.baseUrl}/iclock/getrequest?SN=${sn}`).then((r) => r.status);
  async function talk(seconds: number) {
    for (let t = 0; t < seconds; t += 10) {
      offsetMs += 10_000;
      await poll();
    }
  }

  /** The terminal as the API shows it, checked for agreement; what it says, for the walk to check. */
  async function seen(step: string): Promise<{ state: string; online: boolean; delivering: boolean; findings: string[] }> {
    const d = (await admin.get(`/api/v1/devices/${sn}`)).body;
    const listed = (await admin.get('/api/v1/devices?page_size=500')).body.data.find((x: { serial: string }) => x.serial === sn);
    const { delivering, findings } = d.diagnosis as { delivering: boolean; findings: string[] };
    const why = `${step}: online ${d.online}, state ${d.state}, delivering ${delivering}: ${findings.join(' | ')}`;
    assert.equal(listed.online, d.online, why);
    assert.equal(listed.state, d.state, why);
    assert.equal(findings[0]!.startsWith('Delivering'), delivering, why);
    assert.equal(findings.filter((f) => f.startsWith('Delivering')).length, delivering ? 1 : 0, why);
    assert.equal(findings.some((f) => f.startsWith('Silent')), !d.online, why);
    if (!d.online || d.state !== 'approved') assert.equal(delivering, false, why);
    assert.equal(findings.some((f) => f.startsWith('Blocked')), d.state === 'blocked', why);
    assert.equal(findings.some((f) => f.startsWith('Pending approval')), d.state === 'pending', why);
    if (findings.some((f) => /^Clock .*: its punches are held for review/.test(f))) assert.equal(delivering, false, why);
    return { state: d.state, online: d.online, delivering, findings };
  }

  test('pending, approved, silent, offline, back, wrong clock, right again, blocked, approved', async () => {
    assert.equal((await fetch(`${s.baseUrl}/iclock/cdata?SN=${sn}&options=all&pushver=2.4.1`)).status, 200);
    assert.equal((await upload(s, sn, punchLine('3001', deviceNow()))).text, 'OK:1');
    assert.equal((await seen('pending')).state, 'pending');

    await admin.post(`/api/v1/devices/${sn}/approve`);
    let now = await seen('approved');
    assert.deepEqual([now.online, now.delivering], [true, true]);

    // Silent for 40 s, then 11 minutes: past its 3 poll intervals, it is neither online nor delivering.
    offsetMs += 40_000;
    now = await seen('silent 40 s');
    assert.deepEqual([now.online, now.delivering], [false, false]);
    assert.match(now.findings[0]!, /^Silent: last heard from at .*, 4[01] s ago, though it polls every 10 s/);
    offsetMs += 11 * 60_000;
    assert.deepEqual(await seen('silent 11 min').then((x) => [x.online, x.delivering]), [false, false]);

    await talk(130);
    assert.deepEqual(await seen('back').then((x) => [x.online, x.delivering]), [true, true]);

    // Its clock three hours behind: online, and not delivering.
    assert.equal((await upload(s, sn, punchLine('3001', new Date(deviceNow().getTime() - 3 * 3600_000)))).text, 'OK:1');
    now = await seen('clock behind');
    assert.deepEqual([now.online, now.delivering], [true, false]);
    assert.match(now.findings[0]!, /^Clock behind by 3 h/);
    await talk(10);
    assert.equal((await upload(s, sn, punchLine('3001', deviceNow()))).text, 'OK:1');
    assert.deepEqual(await seen('clock right').then((x) => [x.online, x.delivering]), [true, true]);

    await admin.post(`/api/v1/devices/${sn}/block`);
    await talk(10); // refused, but heard
    now = await seen('blocked');
    assert.deepEqual([now.online, now.delivering], [true, false]);
    await admin.post(`/api/v1/devices/${sn}/approve`);
    await talk(10);
    assert.deepEqual(await seen('approved again').then((x) => [x.online, x.delivering]), [true, true]);
  });
});

describe(`a state change made anywhere reaches the next upload on ${testDialect()}`, () => {
  let a: TestServer;
  let b: TestServer;
  let adminB: ReturnType<typeof client>;

  before(async () => {
    a = await startTestServer({ timeZone: 'UTC', devicePolicy: 'approve' });
    // A second instance on the same database, as behind a load balancer.
    b = await startTestServer({ timeZone: 'UTC', devicePolicy: 'approve' }, { database: a });
    adminB = client(b, await b.authHeader('admin'));
    await adminB.post('/api/v1/employees', { name: 'Everywhere', attendance_device_id: '4001' });
  });
  after(async () => {
    await b.stop();
    await a.stop();
  });

  const checkins = async () => (await adminB.get('/api/v1/checkins?page_size=500')).body.total as number;

  test('blocked by the CLI or by another instance, its next upload here is refused and makes no check-in; approved there, accepted here', async () => {
    const sn = 'INST-1';
    assert.equal((await upload(a, sn, punchLine('4001', new Date(Date.now() - 60_000)))).text, 'OK:1');
    assert.equal(await checkins(), 1);

    // The CLI blocks it, straight in the database; instance A has it cached as approved.
    const io = { out: () => undefined, err: () => undefined };
    assert.equal(await runCli(['devices', 'block', sn], io, { DATABASE_URL: a.databaseUrl, ICLOCKD_TZ: 'UTC' }), 0);
    const refused = await upload(a, sn, punchLine('4001', new Date(Date.now() - 50_000)));
    assert.equal(refused.status, 401, refused.text);
    assert.equal(await checkins(), 1, 'an upload after the block became a check-in');

    // Approved through instance B: A takes its next upload.
    assert.equal((await adminB.post(`/api/v1/devices/${sn}/approve`)).status, 200);
    assert.equal((await upload(a, sn, punchLine('4001', new Date(Date.now() - 40_000)))).text, 'OK:1');
    assert.equal(await checkins(), 2);

    // Blocked through instance B: refused at A at once.
    assert.equal((await adminB.post(`/api/v1/devices/${sn}/block`)).status, 200);
    assert.equal((await upload(a, sn, punchLine('4001', new Date(Date.now() - 30_000)))).status, 401);
    assert.equal(await checkins(), 2);
    const shown = (await client(a, await a.authHeader('admin')).get(`/api/v1/devices/${sn}`)).body;
    assert.equal(shown.state, 'blocked');
    assert.equal(shown.diagnosis.delivering, false);
  });
});
