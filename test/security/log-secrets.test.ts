// Logs never hold a secret, an Authorization header, a biometric template or a whole body:
// a session that carries all of them, through good and failing paths, then a grep of every
// line the server logged (at debug level, the most it ever writes).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { captureNames, loadCapture } from '../helpers/captures.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => {
  s = await startTestServer({ logLevel: 'debug', devicePolicy: 'approve' });
});
after(async () => {
  await s.stop();
});

/** Every long run of template-like text (base64/hex) in the biometric captures. */
function templatesIn(body: Buffer): string[] {
  return [...body.toString('latin1').matchAll(/(?:TMP|Tmp|tmp|Content|CONTENT)=([A-Za-z0-9+/=]{40,})/g)].map((m) => m[1]!.slice(0, 40));
}

test('no secret, Authorization header, template or body reaches the log', async () => {
  const admin = await s.authHeader('admin');
  const ingest = await s.authHeader('ingest');
  const [adminSecret, ingestSecret] = [admin, ingest].map((h) => h.split(':')[1]!);
  const secrets: string[] = [adminSecret!, ingestSecret!];
  const post = (path: string, auth: string | null, body: string, type = 'application/json') =>
    fetch(`${s.baseUrl}${path}`, { method: 'POST', headers: { ...(auth ? { authorization: auth } : {}), 'content-type': type }, body });

  // Good requests with keys, and a key created through the API (its secret is in the reply).
  assert.equal((await fetch(`${s.baseUrl}/api/v1/devices`, { headers: { authorization: admin } })).status, 200);
  const created = (await (await post('/api/v1/keys', admin, JSON.stringify({ label: 'ops laptop', role: 'ingest' }))).json()) as { secret: string };
  secrets.push(created.secret);
  // Wrong and malformed credentials.
  const wrong = 'WrongSecret0123456789abcdef';
  secrets.push(wrong);
  assert.equal((await post('/api/v1/punches', `token ${ingest.split(' ')[1]!.split(':')[0]}:${wrong}`, '{}')).status, 401);
  assert.equal((await post('/api/v1/punches', `Basic ${Buffer.from(`nokey:${wrong}x`).toString('base64')}`, '{}')).status, 401);
  secrets.push(`${wrong}x`);
  // Forwarding targets: a webhook secret and an ERPNext api_secret, and a password in a URL.
  const hook = 'HookSecret-0123456789abcdefXYZ';
  const erp = 'ErpApiSecret-9876543210';
  const urlPassword = 'UrlPa55word-Secret';
  secrets.push(hook, erp, urlPassword);
  assert.equal((await post('/api/v1/targets', admin, JSON.stringify({ name: 'hook', kind: 'webhook', url: `https://user:${urlPassword}@hooks.example.test/in`, secret: hook }))).status, 201);
  assert.equal((await post('/api/v1/targets', admin, JSON.stringify({ name: 'erp', kind: 'erpnext', url: 'https://erp.example.test', api_key: 'k1', api_secret: erp }))).status, 201);
  // Bodies that fail: malformed JSON, wrong fields, and one too large, each with a marker.
  const bodyMarker = 'BodyMarker-7f3a9c';
  secrets.push(bodyMarker);
  assert.equal((await post('/api/v1/punches', ingest, `{"employee_id": "${bodyMarker}", "timestamp": `)).status, 400);
  assert.equal((await post('/api/v1/punches', ingest, JSON.stringify({ employee_id: 7, timestamp: bodyMarker, api_secret: bodyMarker }))).status, 400);
  assert.equal((await post('/api/v1/punches/bulk', ingest, JSON.stringify({ logs: [{ employee_id: bodyMarker }], pad: 'x'.repeat(5 * 1024 * 1024) }))).status, 413);
  // Secrets in a query string (integrators have put them there).
  const querySecret = 'QuerySecret-55aa';
  secrets.push(querySecret);
  await fetch(`${s.baseUrl}/api/v1/ping?api_secret=${querySecret}`, { headers: { authorization: ingest } });
  await fetch(`${s.baseUrl}/iclock/getrequest?SN=LOGTEST1&token=${querySecret}`);
  // Terminals: a malformed ATTLOG line carrying a marker, and every biometric capture.
  const lineMarker = 'LineMarker-c0ffee';
  secrets.push(lineMarker);
  await post('/iclock/cdata?SN=LOGTEST1&table=ATTLOG&Stamp=1', null, `1\t2025-01-01 08:00:00\t0\t1\n${lineMarker}\tnot a time\n`, 'text/plain');
  const templates: string[] = [];
  for (const name of captureNames()) {
    const c = loadCapture(name);
    const found = templatesIn(c.body);
    if (c.method !== 'POST' || found.length === 0) continue;
    templates.push(...found);
    await fetch(`${s.baseUrl}${c.target}`, { method: 'POST', body: new Uint8Array(c.body) });
  }
  assert.ok(templates.length >= 3, `found ${templates.length} templates in the captures`);

  await new Promise((r) => setTimeout(r, 100));
  const logged = s.logs.map((l) => JSON.stringify(l)).join('\n');
  assert.ok(s.logs.length > 20, 'the session was logged');
  for (const secret of secrets) assert.ok(!logged.includes(secret), `a secret reached the log: ${secret}`);
  for (const t of templates) assert.ok(!logged.includes(t), `a biometric template reached the log: ${t}…`);
  assert.doesNotMatch(logged, /authorization/i, 'an Authorization header reached the log');
  assert.doesNotMatch(logged, /token [0-9a-f]{16}:/, 'credentials reached the log');
});
