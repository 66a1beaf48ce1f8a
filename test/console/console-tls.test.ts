// Under TLS the console's session cookie is Secure, and the plain-HTTP port for terminals does
// not serve the console at all.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { type TestServer, startTestServer } from '../helpers/server.js';
import { selfSignedCertificate } from '../helpers/tls.js';

const { certFile, keyFile, cert, remove } = selfSignedCertificate();
let s: TestServer;

before(async () => {
  s = await startTestServer({ tlsCert: certFile, tlsKey: keyFile, httpPort: 0 });
});
after(async () => {
  await s.stop();
  remove();
});

function https(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.running.port, method, path, headers, ca: cert }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('over HTTPS the session cookie is Secure, HttpOnly and SameSite=Strict, and it works', async () => {
  const key = await s.running.services.apiKeys.create('tls console', 'admin');
  const r = await https('POST', '/api/v1/session', { 'content-type': 'application/json', 'x-requested-with': 'iclockd-console' }, JSON.stringify({ api_key: key.apiKey, api_secret: key.secret }));
  assert.equal(r.status, 200, r.body);
  const setCookie = (r.headers['set-cookie'] as string[])[0]!;
  assert.match(setCookie, /; secure/i);
  assert.match(setCookie, /; httponly/i);
  assert.match(setCookie, /; samesite=strict/i);
  const me = await https('GET', '/api/v1/session', { cookie: setCookie.split(';')[0]! });
  assert.equal(me.status, 200);
  assert.equal((await https('GET', '/', {})).status, 200);
});

test('the plain-HTTP terminal port does not serve the console or its sign-in', async () => {
  const plain = `http://127.0.0.1:${s.running.plainPort}`;
  assert.equal((await fetch(`${plain}/`)).status, 403);
  assert.equal((await fetch(`${plain}/console/app.js`)).status, 403);
  const signIn = await fetch(`${plain}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(signIn.status, 403);
});
