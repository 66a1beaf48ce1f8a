// Every route the routers serve, spelled every way a router, a proxy or an attacker might take
// for the same route (case, trailing slash, doubled slashes, dot segments, percent-escapes,
// an escaped slash, a backslash), with no key, a wrong secret and an ingest key, sent as raw
// HTTP (fetch would tidy the dot segments away). A spelling that means the same path must be
// answered exactly as the route is; any other must reach no route at all. The allow-lists and
// the per-address limit must hold for every spelling too.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createRouters } from '../../src/app.js';
import { routesOf } from '../../src/http/openapi.js';
import { canonicalPath } from '../../src/http/routing.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

interface Answer {
  status: number;
  body: string;
}

/** One request with its path exactly as given. */
function raw(s: TestServer, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const port = Number(new URL(s.baseUrl).port);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A concrete path for a route pattern: every parameter `1`, a wildcard `x`. */
const concrete = (pattern: string) => pattern.replace(/\{\/?\*\w+\}|\*\w+/g, 'x').replace(/:\w+/g, '1');

/** The index of the last segment that is literal in the pattern (never a parameter's value). */
function lastLiteral(pattern: string): number {
  const parts = pattern.split('/');
  for (let i = parts.length - 1; i > 0; i--) if (!/[:*{]/.test(parts[i]!)) return i;
  return 1;
}

const mapSegment = (path: string, i: number, f: (segment: string) => string) =>
  path
    .split('/')
    .map((seg, j) => (j === i ? f(seg) : seg))
    .join('/');
const escapeFirstLetter = (lower: boolean) => (seg: string) =>
  seg.replace(/[A-Za-z]/, (c) => {
    const hex = c.charCodeAt(0).toString(16);
    return `%${lower ? hex : hex.toUpperCase()}`;
  });

/** Spellings that mean the same path as `path` (its canonical form is `path`). */
function sameRoute(pattern: string, path: string): Record<string, string> {
  const i = lastLiteral(pattern);
  const parts = path.split('/');
  const before = parts.slice(0, i).join('/');
  const rest = parts.slice(i).join('/');
  return {
    'trailing slash': `${path}/`,
    'doubled slashes': path.replace(/\//g, '//'),
    'leading double slash': `/${path}`,
    'dot segment': `${before}/./${rest}`,
    'dot-dot segment': `${before}/zz/../${rest}`,
    'escaped dot segments': `${before}/%2e/zz/%2E%2E/${rest}`,
    'escaped letter (upper hex)': mapSegment(path, i, escapeFirstLetter(false)),
    'escaped letter (lower hex)': mapSegment(path, i, escapeFirstLetter(true)),
  };
}

/** Spellings a lenient router might take for the route, which must reach no route here. */
function otherRoute(pattern: string, path: string): Record<string, string> {
  const i = lastLiteral(pattern);
  const upperFirst = (seg: string) => seg.replace(/[a-z]/, (c) => c.toUpperCase());
  const parts = path.split('/');
  const spellings: Record<string, string> = {
    'one letter upper-case': mapSegment(path, i, upperFirst),
    'all upper-case': path.replace(/[a-z]/g, (c) => c.toUpperCase()),
    'first segment upper-case': mapSegment(path, 1, upperFirst),
    'semicolon parameter': mapSegment(path, i, (seg) => `${seg};a=1`),
    'escaped NUL': mapSegment(path, i, (seg) => `${seg}%00`),
  };
  if (i > 1) {
    spellings['escaped slash'] = [...parts.slice(0, i - 1), `${parts[i - 1]}%2F${parts[i]}`, ...parts.slice(i + 1)].join('/');
    spellings.backslash = [...parts.slice(0, i - 1), `${parts[i - 1]}\\${parts[i]}`, ...parts.slice(i + 1)].join('/');
  }
  return spellings;
}

let s: TestServer;
let ingestKey: string;
let wrongSecret: string;

before(async () => {
  s = await startTestServer({ devicePolicy: 'approve', deviceRate: 0 });
  ingestKey = await s.authHeader('ingest');
  const admin = await s.authHeader('admin');
  wrongSecret = admin.replace(/:[0-9a-f]+$/, ':0123456789abcdef0123456789abcdef');
});
after(async () => {
  await s.stop();
});

test('the canonical form: unreserved escapes decoded, dot and empty segments gone, case and other escapes kept', () => {
  const cases: [string, string | null][] = [
    ['/', '/'],
    ['/api/v1/keys', '/api/v1/keys'],
    ['/api/v1/keys/', '/api/v1/keys'],
    ['//api//v1///keys//', '/api/v1/keys'],
    ['/api/v1/%6beys', '/api/v1/keys'],
    ['/api/v1/%6Beys', '/api/v1/keys'],
    ['/api/v1/./keys', '/api/v1/keys'],
    ['/api/v1/x/../keys', '/api/v1/keys'],
    ['/api/v1/%2e%2E/v1/keys', '/api/v1/keys'],
    ['/../../api/v1/keys', '/api/v1/keys'],
    ['/api/v1/Keys', '/api/v1/Keys'],
    ['/a/b%2fc', '/a/b%2Fc'],
    ['/a/b%20c', '/a/b%20c'],
    ['/a/b%00', '/a/b%00'],
    ['/a/.well-known/x', '/a/.well-known/x'],
    ['/a/b%', null],
    ['/a/%zz', null],
    ['*', null],
  ];
  for (const [path, canonical] of cases) assert.equal(canonicalPath(path), canonical, path);
});

describe('every route, every spelling', () => {
  const routes = () =>
    routesOf(createRouters(s.running.services)).filter((r) => r.method !== 'HEAD' && !r.path.startsWith('/iclock/') && r.path !== '/' && !r.path.startsWith('/console/'));

  test('the walk covers the whole API', () => {
    const all = routes();
    assert.ok(all.length >= 70 && all.filter((r) => r.spec?.access === 'admin').length >= 50, `${all.length} routes`);
    for (const r of all) {
      const path = concrete(r.path);
      for (const [name, spelling] of Object.entries(sameRoute(r.path, path))) assert.equal(canonicalPath(spelling), path, `${name} of ${r.path}: ${spelling}`);
      for (const [name, spelling] of Object.entries(otherRoute(r.path, path))) assert.notEqual(canonicalPath(spelling), path, `${name} of ${r.path}: ${spelling}`);
    }
  });

  test('no key: every non-public route answers 401 in every spelling of it, and nothing in any other', async () => {
    for (const r of routes()) {
      const path = concrete(r.path);
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}';
      const exact = await raw(s, r.method, path, {}, body);
      if (r.spec?.access === 'public') {
        assert.ok(exact.status < 400, `${r.method} ${path} is public: ${exact.status}`);
      } else {
        assert.equal(exact.status, 401, `${r.method} ${path} without a key`);
        assert.equal(JSON.parse(exact.body).success === false || 'exc_type' in JSON.parse(exact.body), true);
      }
      for (const [name, spelling] of Object.entries(sameRoute(r.path, path))) {
        const a = await raw(s, r.method, spelling, {}, body);
        assert.equal(a.status, exact.status, `${name}: ${r.method} ${spelling}`);
      }
      for (const [name, spelling] of Object.entries(otherRoute(r.path, path))) {
        const a = await raw(s, r.method, spelling, {}, body);
        assert.ok([400, 401, 404, 405].includes(a.status), `${name}: ${r.method} ${spelling} answered ${a.status} ${a.body.slice(0, 200)}`);
        if (a.status === 401) assert.notEqual(r.spec?.access, 'public');
      }
    }
  });

  test('an ingest key: 403 on every admin route in every spelling, and nothing in any other', async () => {
    for (const r of routes().filter((x) => x.spec?.access === 'admin' && !x.spec.checksItsOwnKey)) {
      const path = concrete(r.path);
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}';
      const headers = { authorization: ingestKey, 'x-requested-with': 'test' };
      for (const spelling of [path, ...Object.values(sameRoute(r.path, path))]) {
        assert.equal((await raw(s, r.method, spelling, headers, body)).status, 403, `${r.method} ${spelling} with an ingest key`);
      }
      for (const [name, spelling] of Object.entries(otherRoute(r.path, path))) {
        const a = await raw(s, r.method, spelling, headers, body);
        assert.ok([400, 403, 404, 405].includes(a.status), `${name}: ${r.method} ${spelling} with an ingest key answered ${a.status}`);
      }
    }
  });

  test('a wrong secret: 401 on every non-public route in every spelling of it, and nothing in any other', async () => {
    for (const r of routes().filter((x) => x.spec?.access !== 'public' && !x.spec?.checksItsOwnKey)) {
      const path = concrete(r.path);
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}';
      const headers = { authorization: wrongSecret };
      // A wrong secret costs an scrypt each: the exact path, one spelling of each kind that means it, and the case changes.
      const spellings = sameRoute(r.path, path);
      for (const spelling of [path, spellings['trailing slash']!, spellings['dot-dot segment']!, spellings['escaped letter (lower hex)']!]) {
        const a = await raw(s, r.method, spelling, headers, body);
        assert.equal(a.status, 401, `${r.method} ${spelling} with a wrong secret: ${a.body.slice(0, 200)}`);
      }
      const others = otherRoute(r.path, path);
      for (const spelling of [others['one letter upper-case']!, others['all upper-case']!]) {
        assert.ok([401, 404, 405].includes((await raw(s, r.method, spelling, headers, body)).status), `${r.method} ${spelling} with a wrong secret`);
      }
    }
  });

  test('405 is answered in the API error shape, naming the methods the path takes', async () => {
    const a = await raw(s, 'PUT', '/api/v1/keys');
    assert.equal(a.status, 405);
    const body = JSON.parse(a.body) as { success: boolean; error: string; error_type: string };
    assert.deepEqual([body.success, body.error_type], [false, 'method_not_allowed']);
    assert.match(body.error, /GET/);
  });

  test('a path with a stray % is a 400 in the API error shape', async () => {
    const a = await raw(s, 'GET', '/api/v1/%zz');
    assert.equal(a.status, 400);
    assert.equal(JSON.parse(a.body).error_type, 'validation_error');
  });
});

describe('the allow-lists and the per-address limit see the canonical path', () => {
  let refused: TestServer;
  before(async () => {
    refused = await startTestServer({ apiAllow: ['10.0.0.0/8'], deviceAllow: ['10.0.0.0/8'], devicePolicy: 'approve', deviceRate: 0 });
  });
  after(async () => {
    await refused.stop();
  });

  test('a refused address reaches no terminal route in any spelling: nothing registered, nothing stored', async () => {
    const device = ['/iclock/cdata', '/iclock/getrequest', '/iclock/devicecmd', '/iclock/registry', '/iclock/push', '/iclock/ping', '/iclock/rtdata', '/iclock/fdata', '/iclock/querydata', '/iclock/other'];
    for (const path of device) {
      const spellings = [path, ...Object.values(sameRoute(path, path)), ...Object.values(otherRoute(path, path))];
      for (const spelling of spellings) {
        for (const method of ['GET', 'POST']) {
          const a = await raw(refused, method, `${spelling}?SN=REFUSED1&table=ATTLOG&Stamp=1`, {}, method === 'POST' ? '1\t2026-12-03 08:00:00\t0\t1\n' : undefined);
          assert.ok([403, 404, 400, 405].includes(a.status), `${method} ${spelling} from a refused address answered ${a.status} ${a.body}`);
        }
      }
    }
    const knex = refused.running.services.db.knex;
    assert.deepEqual(await knex('devices').select('serial'), []);
    assert.deepEqual(await knex('punches').select('id'), []);
    assert.deepEqual(await knex('device_requests').select('id'), []);
  });

  test('a refused address reaches no API route in any spelling', async () => {
    for (const path of ['/api/v1/keys', '/api/v1/punches', '/api/v1/devices', '/api/method/phr.phr.api.biometric_realtime_sync.test_connection']) {
      for (const spelling of [path, ...Object.values(sameRoute(path, path))]) {
        const a = await raw(refused, 'GET', spelling);
        assert.equal(a.status, 403, `GET ${spelling} from a refused address`);
      }
      for (const spelling of Object.values(otherRoute(path, path))) {
        assert.ok([400, 403, 404].includes((await raw(refused, 'GET', spelling)).status), `GET ${spelling} from a refused address`);
      }
    }
  });

  test('the per-address limit counts every spelling against one bucket', async () => {
    const limited = await startTestServer({ apiRatePerAddress: 2 });
    try {
      const paths = ['/api/v1/keys', '/api/v1/keys/', '/api//v1/keys', '/api/v1/%6Beys', '/api/v1/./keys', '/api/v1/z/../keys', '/API/v1/keys', '/api/v1/Keys', '/Api/v1/keys'];
      const statuses: number[] = [];
      for (const p of paths) statuses.push((await raw(limited, 'GET', p)).status);
      // A burst of 4 (twice the rate) passes; after it, every spelling is limited or routes nowhere.
      assert.ok(statuses.slice(4).every((x) => x === 429 || x === 404), statuses.join(','));
      assert.ok(statuses.slice(4, 6).includes(429), statuses.join(','));
    } finally {
      await limited.stop();
    }
  });
});
