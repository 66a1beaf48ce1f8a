// The console's session: signing in with an admin key sets an HttpOnly, SameSite=Strict cookie
// that then authenticates API calls; state-changing cookie calls need X-Requested-With and a
// matching Origin (CSRF); signing out, a revoked key or an expired session end it; an
// Authorization header works as before.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

let s: TestServer;
let admin: { apiKey: string; secret: string };

before(async () => {
  s = await startTestServer();
  admin = await s.running.services.apiKeys.create('console', 'admin');
});
after(async () => {
  await s.stop();
});

const XRW = { 'x-requested-with': 'iclockd-console' };

async function signIn(body: unknown, headers: Record<string, string> = XRW) {
  return client(s).post('/api/v1/session', body, headers);
}

/** The cookie pair (name=value) from a Set-Cookie header. */
function cookieOf(setCookie: string | null): string {
  assert.ok(setCookie, 'a Set-Cookie header');
  return setCookie.split(';')[0]!;
}

test('signing in sets an HttpOnly, SameSite=Strict, Path=/ cookie (not Secure over plain HTTP) that authenticates the API', async () => {
  const r = await signIn({ api_key: admin.apiKey, api_secret: admin.secret });
  assert.equal(r.status, 200);
  assert.equal(r.body.success, true);
  assert.equal(r.body.role, 'admin');
  const setCookie = r.headers.get('set-cookie')!;
  assert.match(setCookie, /^iclockd_session=[A-Za-z0-9_-]{43}; /);
  assert.match(setCookie, /; path=\//i);
  assert.match(setCookie, /; httponly/i);
  assert.match(setCookie, /; samesite=strict/i);
  assert.match(setCookie, /; expires=/i);
  assert.doesNotMatch(setCookie, /; secure/i);
  const cookie = cookieOf(setCookie);
  const me = await client(s).get('/api/v1/session', { cookie });
  assert.equal(me.status, 200);
  assert.equal(me.body.api_key, admin.apiKey);
  assert.equal(me.body.time_zone, 'UTC');
  assert.equal((await client(s).get('/api/v1/devices', { cookie })).status, 200);
  // The token itself is not stored: only its hash.
  const rows = (await s.running.services.db.knex('console_sessions').select('token_hash')) as { token_hash: string }[];
  assert.ok(rows.length > 0);
  assert.ok(rows.every((row) => row.token_hash !== cookie.split('=')[1] && /^[0-9a-f]{64}$/.test(row.token_hash)));
});

test('a wrong secret, an ingest key or missing credentials do not sign in', async () => {
  const wrong = await signIn({ api_key: admin.apiKey, api_secret: 'nope' });
  assert.equal(wrong.status, 401);
  assert.deepEqual(Object.keys(wrong.body).sort(), ['error', 'error_type', 'success']);
  assert.equal(wrong.body.error_type, 'authentication_error');
  assert.equal(wrong.headers.get('set-cookie'), null);
  const ingest = await s.running.services.apiKeys.create('door', 'ingest');
  const refused = await signIn({ api_key: ingest.apiKey, api_secret: ingest.secret });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error_type, 'permission_error');
  assert.equal(refused.headers.get('set-cookie'), null);
  assert.equal((await signIn({})).status, 401);
  const mistyped = await signIn({ api_key: 7, api_secret: ['x'] });
  assert.equal(mistyped.status, 400);
  assert.deepEqual([mistyped.body.error_type, mistyped.body.fields], ['validation_error', ['api_key', 'api_secret']]);
  assert.equal(mistyped.headers.get('set-cookie'), null);
  assert.equal((await client(s).post('/api/v1/session', '{not json', { 'content-type': 'application/json', ...XRW })).status, 400);
});

test('a sign-in without X-Requested-With, or from another origin, is refused (login CSRF)', async () => {
  const bare = await signIn({ api_key: admin.apiKey, api_secret: admin.secret }, {});
  assert.equal(bare.status, 403);
  assert.equal(bare.headers.get('set-cookie'), null);
  const foreign = await signIn({ api_key: admin.apiKey, api_secret: admin.secret }, { ...XRW, origin: 'https://evil.example' });
  assert.equal(foreign.status, 403);
});

test('cookie requests that change something need X-Requested-With and this origin; reads and header keys do not', async () => {
  const cookie = cookieOf((await signIn({ api_key: admin.apiKey, api_secret: admin.secret })).headers.get('set-cookie'));
  const api = client(s);
  const body = { name: 'Csrf Target' };
  const noHeader = await api.call('POST', '/api/v1/employees', body, { cookie });
  assert.equal(noHeader.status, 403);
  assert.equal(noHeader.body.error_type, 'permission_error');
  assert.match(noHeader.body.error, /X-Requested-With/);
  const otherSite = await api.call('POST', '/api/v1/employees', body, { cookie, ...XRW, origin: 'http://attacker.test' });
  assert.equal(otherSite.status, 403);
  const badOrigin = await api.call('POST', '/api/v1/employees', body, { cookie, ...XRW, origin: 'not a url' });
  assert.equal(badOrigin.status, 403);
  assert.equal((await s.running.services.employees.list({ search: 'Csrf' }, { offset: 0, limit: 10 })).total, 0, 'nothing was created');
  const sameSite = await api.call('POST', '/api/v1/employees', body, { cookie, ...XRW, origin: s.baseUrl });
  assert.equal(sameSite.status, 201);
  // GET needs no header; an Authorization header needs none either.
  assert.equal((await api.get('/api/v1/employees', { cookie })).status, 200);
  const header = `token ${admin.apiKey}:${admin.secret}`;
  assert.equal((await client(s, header).post('/api/v1/employees', { name: 'By Header' })).status, 201);
});

test('a forged or unknown cookie is a 401, never a crash', async () => {
  for (const value of ['x', 'A'.repeat(43), 'A'.repeat(5000), '%00%ff', '']) {
    const r = await client(s).get('/api/v1/devices', { cookie: `iclockd_session=${value}` });
    assert.equal(r.status, 401, value.slice(0, 10));
    assert.equal(r.body.error_type, 'authentication_error');
  }
});

test('signing out ends the session and clears the cookie', async () => {
  const cookie = cookieOf((await signIn({ api_key: admin.apiKey, api_secret: admin.secret })).headers.get('set-cookie'));
  const out = await client(s).call('DELETE', '/api/v1/session', undefined, { cookie, ...XRW });
  assert.equal(out.status, 200);
  assert.equal(out.body.signed_out, true);
  assert.match(out.headers.get('set-cookie')!, /^iclockd_session=; .*expires=Thu, 01 Jan 1970/i);
  assert.equal((await client(s).get('/api/v1/session', { cookie })).status, 401);
});

test('revoking the key that signed in ends its sessions at once', async () => {
  const other = await s.running.services.apiKeys.create('temp admin', 'admin');
  const cookie = cookieOf((await signIn({ api_key: other.apiKey, api_secret: other.secret })).headers.get('set-cookie'));
  assert.equal((await client(s).get('/api/v1/session', { cookie })).status, 200);
  await s.running.services.apiKeys.revoke(other.apiKey);
  const r = await client(s).get('/api/v1/session', { cookie });
  assert.equal(r.status, 401);
  assert.match(r.body.error, /revoked/);
});

test('an expired session is refused and pruned', async () => {
  const cookie = cookieOf((await signIn({ api_key: admin.apiKey, api_secret: admin.secret })).headers.get('set-cookie'));
  const knex = s.running.services.db.knex;
  await knex('console_sessions').update({ expires_at: '2020-01-01 00:00:00' });
  assert.equal((await client(s).get('/api/v1/session', { cookie })).status, 401);
  const purged = await s.running.services.retention.purge();
  assert.ok(purged.sessions >= 1);
  assert.equal(Number(((await knex('console_sessions').count({ n: '*' }).first()) as { n: number | string }).n), 0);
});

test('the console page and its files are served with a strict content security policy; nothing else under /console/', async () => {
  const page = await fetch(`${s.baseUrl}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  assert.match(page.headers.get('content-security-policy')!, /default-src 'self'/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  const html = await page.text();
  assert.match(html, /<script type="module" src="\/console\/app.js">/);
  // No CDN: every script and style the page names is served here.
  for (const [, src] of html.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)) {
    assert.equal((await fetch(`${s.baseUrl}${src}`)).status, 200, src);
  }
  assert.doesNotMatch(html, /https?:\/\//);
  const js = await fetch(`${s.baseUrl}/console/pages/live.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type')!, /^text\/javascript/);
  for (const path of ['/console/../package.json', '/console/%2e%2e/package.json', '/console/nope.js', '/console/', '/console/pages']) {
    const r = await fetch(`${s.baseUrl}${path}`);
    assert.equal(r.status, 404, path);
    assert.equal(((await r.json()) as { error_type: string }).error_type, 'not_found');
  }
});
