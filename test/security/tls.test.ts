// Native TLS: with ICLOCKD_TLS_CERT/KEY the main port speaks HTTPS (checked against the
// certificate as a client would), and ICLOCKD_HTTP_PORT keeps plain HTTP for terminals that
// cannot do HTTPS, serving them and health checks only, never the keyed API.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { type TestServer, startTestServer } from '../helpers/server.js';
import { selfSignedCertificate } from '../helpers/tls.js';

const { certFile, keyFile, cert, remove } = selfSignedCertificate();
let s: TestServer;

before(async () => {
  s = await startTestServer({ tlsCert: certFile, tlsKey: keyFile, httpPort: 0, devicePolicy: 'approve' });
});
after(async () => {
  await s.stop();
  remove();
});

/** An HTTPS request that trusts only the test certificate. */
function httpsGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; authorized: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.running.port, path, headers, ca: cert }, (res) => {
      const authorized = (res.socket as { authorized?: boolean }).authorized === true;
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, authorized }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the main port speaks HTTPS with the configured certificate, for the API and terminals alike', async () => {
  const auth = await s.authHeader('ingest');
  const ping = await httpsGet('/api/v1/ping', { authorization: auth });
  assert.equal(ping.status, 200, ping.body);
  assert.ok(ping.authorized, 'the certificate verified');
  assert.equal((await httpsGet('/iclock/getrequest?SN=TLS01')).body, 'OK');
  // Plain HTTP on the HTTPS port does not work.
  await assert.rejects(fetch(`http://127.0.0.1:${s.running.port}/healthz`));
});

test('the plain-HTTP port serves terminals and health checks, and refuses the keyed API', async () => {
  const plain = `http://127.0.0.1:${s.running.plainPort}`;
  assert.equal(await (await fetch(`${plain}/iclock/getrequest?SN=TLS02`)).text(), 'OK');
  const upload = await fetch(`${plain}/iclock/cdata?SN=TLS02&table=ATTLOG&Stamp=1`, { method: 'POST', body: '1\t2025-05-01 08:00:00\t0\t1\n' });
  assert.equal(await upload.text(), 'OK:1');
  assert.equal((await fetch(`${plain}/healthz`)).status, 200);
  const api = await fetch(`${plain}/api/v1/ping`, { headers: { authorization: await s.authHeader('ingest') } });
  assert.equal(api.status, 403);
  assert.deepEqual(await api.json(), { success: false, error: 'Use HTTPS: the plain-HTTP port serves terminals and health checks only', error_type: 'permission_error' });
});

test('certificate and key go together; the plain port needs TLS', () => {
  assert.throws(() => loadConfig({ ICLOCKD_TLS_CERT: certFile }), (e: unknown) => e instanceof ConfigError && /go together/.test(e.message));
  assert.throws(() => loadConfig({ ICLOCKD_HTTP_PORT: '8081' }), (e: unknown) => e instanceof ConfigError && /plain-HTTP port beside HTTPS/.test(e.message));
});
