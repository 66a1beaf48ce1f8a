// GET /openapi.json: a valid OpenAPI 3.1 document with exactly one operation per route the
// routers serve (walked like path-spellings.test.ts does, so a new route without a description
// fails here), whose declared access is the one enforced, and whose schemas are the ones the
// routes validate with: a value the document rejects is answered 400 naming the field.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Router from '@koa/router';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createRouters } from '../../src/app.js';
import { operations } from '../../src/http/operation.js';
import { isDocumented, openApiDocument, openApiPath, routesOf } from '../../src/http/openapi.js';
import { VERSION } from '../../src/version.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  properties?: Record<string, Schema>;
  required?: string[];
}
interface Parameter {
  name: string;
  in: 'path' | 'query';
  schema: Schema;
}
interface Operation {
  summary: string;
  'x-iclockd-access': 'admin' | 'ingest' | 'public';
  security: unknown[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
}
interface Document {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
}

const operationsOf = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
/** A request URL for a documented path: every path parameter `1`. */
const urlOf = (s: TestServer, path: string, query = '') => s.baseUrl + path.replace(/\{\w+\}/g, '1') + query;

/** A value the schema refuses, when it says enough to make one. */
function refused(schema: Schema): string | undefined {
  if (schema.enum) return '__not_one_of_them__';
  if (schema.type === 'integer' || schema.type === 'number') return 'many';
  if (schema.pattern) return '!!';
  return undefined;
}

let s: TestServer;
let doc: Document;
before(async () => {
  s = await startTestServer();
  const res = await fetch(`${s.baseUrl}/openapi.json`);
  assert.equal(res.status, 200, 'public: no key');
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  doc = (await res.json()) as Document;
});
after(async () => {
  await s.stop();
});

describe('the OpenAPI document', () => {
  test('is valid OpenAPI 3.1, with the version of iclockd', async () => {
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1));
    assert.equal(doc.openapi, '3.1.0');
    const ids = operationsOf(doc).map((o) => (o.op as Operation & { operationId: string }).operationId);
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    assert.equal(doc.info.version, VERSION);
  });

  test('has one operation per route the routers serve, and none for a route that does not exist', () => {
    const served = routesOf(createRouters(s.running.services)).filter((r) => isDocumented(r.path));
    const undescribed = served.filter((r) => !r.spec).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(undescribed, [], 'every route declares its operation (op(...) in its router)');
    const expected = served.map((r) => `${r.method} ${openApiPath(r.path)}`).sort();
    const documented = operationsOf(doc).map((o) => `${o.method} ${o.path}`).sort();
    assert.deepEqual(documented, expected);
    assert.ok(expected.filter((r) => r.includes(' /api/')).length > 40, `${expected.length} routes`);
    // The terminals' text protocol is served but not documented.
    assert.ok(routesOf(createRouters(s.running.services)).some((r) => r.path.startsWith('/iclock/')));
    assert.ok(!documented.some((r) => r.includes('/iclock/')));
  });

  test('a route without a description is found and left out of the document', () => {
    const router = new Router({ prefix: '/api/v1' });
    const op = operations({ tag: 'Test', access: 'admin', apiKeys: s.running.services.apiKeys });
    router.get('/described', op({ summary: 'described' }, () => undefined));
    router.get('/undescribed', () => undefined);
    assert.deepEqual(
      routesOf([router]).map((r) => [r.method, r.path, r.spec?.summary]),
      [
        ['GET', '/api/v1/described', 'described'],
        ['GET', '/api/v1/undescribed', undefined],
      ],
    );
    assert.deepEqual(Object.keys((openApiDocument([router]) as unknown as Document).paths), ['/api/v1/described']);
  });

  test('path parameters, query parameters from the query schema, bodies, list envelopes and errors are described', () => {
    const employees = doc.paths['/api/v1/employees']!;
    const listParams = employees.get!.parameters!.map((p) => p.name);
    assert.deepEqual(listParams, ['page', 'page_size', 'status', 'site', 'attendance_device_id', 'q']);
    assert.deepEqual(employees.get!.parameters!.find((p) => p.name === 'status')!.schema.enum, ['Active', 'Inactive', 'Left']);
    const list = (employees.get!.responses['200'] as { content: Record<string, { schema: Schema }> }).content['application/json']!.schema;
    assert.deepEqual(list.required, ['data', 'total', 'page', 'page_size']);
    assert.deepEqual(employees.post!.requestBody!.content['application/json']!.schema.required, ['name']);
    assert.deepEqual(employees.post!.responses['400'], { $ref: '#/components/responses/validation_error' });
    const command = doc.paths['/api/v1/devices/{sn}/commands']!.post!;
    assert.deepEqual(command.parameters, [{ name: 'sn', in: 'path', required: true, schema: { type: 'string' } }]);
    const punch = doc.paths['/api/method/phr.phr.api.biometric_realtime_sync.receive_attendance_log']!.post!;
    assert.deepEqual(punch.requestBody!.content['application/json']!.schema.required, ['employee_id', 'device_id', 'timestamp']);
    assert.deepEqual(Object.keys(doc.paths['/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field']!.post!.requestBody!.content), [
      'application/json',
      'application/x-www-form-urlencoded',
    ]);
    assert.deepEqual(doc.paths['/healthz']!.get!.security, []);
    assert.deepEqual(punch.security, [{ token: [] }, { basic: [] }]);
  });

  test('the access each operation declares is the one enforced', async () => {
    const ingest = await s.authHeader('ingest');
    for (const { method, path, op } of operationsOf(doc)) {
      const init = { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' };
      const anonymous = await fetch(urlOf(s, path), init);
      const withIngest = await fetch(urlOf(s, path), { ...init, headers: { ...init.headers, authorization: ingest } });
      const access = op['x-iclockd-access'];
      if (access === 'public') assert.notEqual(anonymous.status, 401, `${method} ${path} is public`);
      else assert.equal(anonymous.status, 401, `${method} ${path} needs a key`);
      if (access === 'admin') assert.equal(withIngest.status, 403, `${method} ${path} is for admin keys`);
      else assert.ok(![401, 403].includes(withIngest.status), `${method} ${path} takes an ingest key (got ${withIngest.status})`);
    }
  });
});

describe('the schemas of the document are the validators of the routes', () => {
  test('every query parameter value the document refuses is answered 400 naming the parameter', async () => {
    const admin = await s.authHeader('admin');
    let checked = 0;
    for (const { method, path, op } of operationsOf(doc)) {
      for (const p of op.parameters ?? []) {
        const bad = p.in === 'query' ? refused(p.schema) : undefined;
        if (bad === undefined) continue;
        const res = await fetch(urlOf(s, path, `?${p.name}=${bad}`), { method, headers: { authorization: admin, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
        const body = (await res.json()) as { success: boolean; error_type: string; fields?: string[]; error: string };
        assert.equal(res.status, 400, `${method} ${path}?${p.name}=${bad}`);
        assert.deepEqual([body.success, body.error_type], [false, 'validation_error'], `${method} ${path}?${p.name}=${bad}: ${body.error}`);
        assert.ok(body.fields?.includes(p.name), `${method} ${path}?${p.name}=${bad}: ${body.error}`);
        checked++;
      }
    }
    assert.ok(checked > 30, `${checked} parameters checked`);
  });

  test('every JSON body missing its required fields, or with a value outside an enum, is answered 400 naming them', async () => {
    const admin = await s.authHeader('admin');
    let checked = 0;
    for (const { method, path, op } of operationsOf(doc)) {
      const schema = op.requestBody?.content['application/json']?.schema;
      if (!schema || !op.responses['400']) continue;
      const post = (body: unknown) => fetch(urlOf(s, path), { method, headers: { authorization: admin, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (schema.required?.length) {
        const res = await post({});
        const body = (await res.json()) as { error_type: string; fields?: string[]; error: string };
        assert.equal(res.status, 400, `${method} ${path} with {}`);
        assert.equal(body.error_type, 'validation_error');
        assert.deepEqual(body.fields, schema.required, `${method} ${path}: ${body.error}`);
        checked++;
      }
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        if (!property.enum) continue;
        const res = await post({ [name]: '__not_one_of_them__' });
        const body = (await res.json()) as { error_type: string; fields?: string[]; error: string };
        assert.equal(res.status, 400, `${method} ${path} with ${name} outside its enum`);
        assert.ok(body.fields?.includes(name), `${method} ${path}: ${body.error}`);
        checked++;
      }
    }
    assert.ok(checked > 15, `${checked} bodies checked`);
  });

  test('what the schemas accept passes, parsed (coerced, defaults applied)', async () => {
    const admin = client(s, await s.authHeader('admin'));
    const key = await admin.post('/api/v1/keys', { label: '  console ', role: 'admin' });
    assert.equal(key.status, 201);
    assert.deepEqual([key.body.label, key.body.role], ['console', 'admin'], 'trimmed by the schema');
    const page = await admin.get('/api/v1/keys?page=1&page_size=2&unknown=ignored');
    assert.deepEqual([page.status, page.body.page, page.body.page_size], [200, 1, 2], 'numbers from query text');
    assert.equal((await admin.get('/api/v1/employees?status=Active&page=')).status, 200, 'an empty parameter is an absent one');
    assert.equal((await admin.get('/api/v1/punches?status=unmatched,checked_in&from=2025-01-01')).status, 200);
    const created = await admin.post('/api/v1/employees', { name: 'Amal', attendance_device_id: 12345, status: 'active' });
    assert.deepEqual([created.status, created.body.attendance_device_id, created.body.status], [201, '12345', 'Active']);
    const tooBig = await admin.get('/api/v1/employees?page_size=501');
    assert.deepEqual([tooBig.status, tooBig.body.fields, tooBig.body.error], [400, ['page_size'], 'Invalid fields: page_size (page_size: a whole number from 1 to 500)']);
    const wrongType = await admin.post('/api/v1/keys', { label: 'x', role: 'root' });
    assert.deepEqual(wrongType.body, { success: false, error: 'Invalid fields: role (role: ingest or admin)', error_type: 'validation_error', fields: ['role'] });
    const unknownKey = await admin.post('/api/v1/targets', { name: 'hook', kind: 'webhook', url: 'https://example.com/h', api_key: 'k' });
    assert.deepEqual([unknownKey.status, unknownKey.body.fields], [400, ['api_key']], 'a webhook takes no ERPNext field');
  });

});
