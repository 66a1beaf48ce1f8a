// Issue 21 over real HTTP: the live feed's stream closes once the key that opened it is revoked
// (or its console session ends), and a terminal's diagnosis gives its times in the server's
// zone, named (it said "UTC" while the console showed ICLOCKD_TZ).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

/** Reads a stream until it ends; resolves with what came, or rejects after `ms`. */
async function readToEnd(body: ReadableStream<Uint8Array>, ms: number): Promise<string> {
  const reader = body.getReader();
  let text = '';
  const deadline = setTimeout(() => void reader.cancel('timeout'), ms);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
  } finally {
    clearTimeout(deadline);
  }
  return text;
}

describe(`the end of a session over HTTP on ${testDialect()}`, () => {
  let s: TestServer;

  before(async () => {
    s = await startTestServer({ timeZone: 'Asia/Riyadh', devicePolicy: 'approve' });
  });
  after(async () => {
    await s.stop();
  });

  test('a live feed opened with a key closes within seconds of the key being revoked', async () => {
    const k = await s.running.services.apiKeys.create('feed', 'admin');
    const res = await fetch(`${s.baseUrl}/api/v1/events/punches`, { headers: { Authorization: `token ${k.apiKey}:${k.secret}` } });
    assert.equal(res.status, 200);
    const started = Date.now();
    await s.running.services.apiKeys.revoke(k.apiKey);
    const text = await readToEnd(res.body!, 15_000);
    const took = Date.now() - started;
    assert.match(text, /: connected/);
    assert.ok(took < 9_000, `closed after ${took} ms`);
    const again = await fetch(`${s.baseUrl}/api/v1/events/punches`, { headers: { Authorization: `token ${k.apiKey}:${k.secret}` } });
    assert.equal(again.status, 401);
  });

  test('a live feed opened by a console session closes when it signs out', async () => {
    const k = await s.running.services.apiKeys.create('console', 'admin');
    const signIn = await fetch(`${s.baseUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'iclockd-console' },
      body: JSON.stringify({ api_key: k.apiKey, api_secret: k.secret }),
    });
    assert.equal(signIn.status, 200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const headers = { Cookie: cookie, 'X-Requested-With': 'iclockd-console' };
    const res = await fetch(`${s.baseUrl}/api/v1/events/punches`, { headers });
    assert.equal(res.status, 200);
    const started = Date.now();
    assert.equal((await fetch(`${s.baseUrl}/api/v1/session`, { method: 'DELETE', headers })).status, 200);
    await readToEnd(res.body!, 15_000);
    assert.ok(Date.now() - started < 9_000, 'closed');
  });

  test("a terminal's diagnosis names its times in the server's zone", async () => {
    const sn = 'DIAGZONE1';
    assert.equal((await fetch(`${s.baseUrl}/iclock/cdata?SN=${sn}&options=all&pushver=2.4.1`)).status, 200);
    const local = new Date(Date.now() + 3 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    const up = await fetch(`${s.baseUrl}/iclock/cdata?SN=${sn}&table=ATTLOG&Stamp=9999`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `7\t${local}\t0\t1\n` });
    assert.equal(up.status, 200);
    const admin = client(s, await s.authHeader('admin'));
    const d = (await admin.get(`/api/v1/devices/${sn}`)).body;
    const findings = d.diagnosis.findings as string[];
    assert.match(findings[0]!, /^Delivering: last punch received \d{4}-\d\d-\d\d \d\d:\d\d:\d\d Asia\/Riyadh\.$/);
    assert.ok(findings.every((f) => !/ UTC\b/.test(f)), findings.join('\n'));
    assert.equal(d.online, true);
    assert.equal(d.diagnosis.delivering, true);
  });
});
