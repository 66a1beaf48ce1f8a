// GET /openapi.json: the OpenAPI 3.1 document of the JSON API, built from the routers
// themselves: every route's method and path from its router, its parameters, body and
// replies from the spec its `op()` middleware carries (the schemas that validate it).
import type Router from '@koa/router';
import { newRouter } from './routing.js';
import { z } from 'zod';
import { ERROR_STATUS, type ErrorType } from '../errors.js';
import { VERSION } from '../version.js';
import { type DescribedMiddleware, ErrorBodySchema, OPERATION, type OperationSpec, type ResponseSpec, operations } from './operation.js';

type JsonSchema = Record<string, unknown>;
type Spec = DescribedMiddleware[typeof OPERATION];

/** A route of a router: method, path, and the spec of its operation (absent: not described). */
export interface RouteEntry {
  method: string;
  path: string;
  spec: Spec | undefined;
}

/** Every method + path of the routers (HEAD, which Koa adds to GET, left out). */
export function routesOf(routers: Router[]): RouteEntry[] {
  return routers.flatMap((router) =>
    router.stack.flatMap((layer) => {
      if (typeof layer.path !== 'string') return [];
      const described = layer.stack.find((fn): fn is DescribedMiddleware => OPERATION in fn);
      return layer.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, path: layer.path as string, spec: described?.[OPERATION] }));
    }),
  );
}

/** The routes the document covers: the JSON API, health, and the document itself; not the terminals' text protocol, nor the web console's page and files. */
export function isDocumented(path: string): boolean {
  return !path.startsWith('/iclock/') && path !== '/' && !path.startsWith('/console/');
}

function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** `/api/v1/devices/:sn/commands` → `/api/v1/devices/{sn}/commands`. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

const ERROR_DESCRIPTIONS: Record<ErrorType, string> = {
  validation_error: 'Invalid request: `fields` names every bad field',
  authentication_error: 'No, wrong or revoked key',
  permission_error: "The key's role may not call this route, or the address is not allowed",
  not_found: 'No such record',
  method_not_allowed: 'The path does not take this method: Allow names the ones it takes',
  conflict: 'Conflicts with the stored state',
  payload_too_large: 'Body over ICLOCKD_MAX_BODY_BYTES',
  unsupported_media_type: 'Body is not application/json',
  rate_limited: 'Too many requests: retry after Retry-After seconds',
  internal_error: 'Internal server error',
  service_unavailable: 'The database is unavailable: retry after Retry-After seconds',
};

function errorTypesOf(spec: Spec): ErrorType[] {
  if (spec.ownErrors) return [];
  const types = new Set<ErrorType>(spec.access === 'public' ? [] : ['authentication_error', 'permission_error', 'rate_limited']);
  if (spec.query || spec.body) types.add('validation_error');
  if (spec.body) types.add('payload_too_large').add('unsupported_media_type');
  for (const t of spec.errors ?? []) types.add(t);
  if (spec.access !== 'public') types.add('internal_error').add('service_unavailable');
  return [...types];
}

function response(r: ResponseSpec): JsonSchema {
  const content: Record<string, JsonSchema> = { [r.contentType ?? 'application/json']: r.schema ? { schema: jsonSchema(r.schema) } : {} };
  for (const type of r.alsoAs ?? []) content[type] = {};
  return { description: r.description, content };
}

function operationObject(method: string, path: string, spec: Spec): JsonSchema {
  const parameters: JsonSchema[] = [...path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  if (spec.query) {
    const query = jsonSchema(spec.query) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      const { description, ...rest } = schema;
      parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest });
    }
  }
  const responses: Record<string, JsonSchema> = {
    [String(spec.status ?? 200)]: response(spec.response ?? { description: 'Success' }),
  };
  for (const [status, r] of Object.entries(spec.responses ?? {})) responses[status] = response(r);
  for (const type of errorTypesOf(spec)) {
    const status = String(ERROR_STATUS[type]);
    if (responses[status]) continue;
    responses[status] = { $ref: `#/components/responses/${type}` };
  }
  return {
    operationId: `${method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    'x-iclockd-access': spec.access,
    security: spec.access === 'public' ? [] : [{ token: [] }, { basic: [] }],
    ...(parameters.length ? { parameters } : {}),
    ...(spec.body ? { requestBody: { required: true, content: Object.fromEntries((spec.bodyMediaTypes ?? ['application/json']).map((t) => [t, { schema: jsonSchema(spec.body!) }])) } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the routes the routers serve. */
export function openApiDocument(routers: Router[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  // A route without a spec is left out; test/http/openapi.test.ts fails on it.
  for (const { method, path, spec } of routesOf(routers)) {
    if (!isDocumented(path) || !spec) continue;
    (paths[openApiPath(path)] ??= {})[method.toLowerCase()] = operationObject(method, path, spec);
  }
  const errorSchema = jsonSchema(ErrorBodySchema);
  return {
    openapi: '3.1.0',
    info: {
      title: 'iclockd',
      version: VERSION,
      description:
        'The JSON API of iclockd: the seed-compatible punch endpoints under /api/method/ and the admin and integration API under /api/v1/. ' +
        'The terminals\u2019 ADMS/iclock text protocol (/iclock/*) is not part of it (see protocol/README.md), nor the web console\u2019s page and files (/, /console/*), which are built on this API.',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(Object.values(paths).flatMap((ops) => Object.values(ops).map((o) => (o.tags as string[])[0]!)))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        token: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Frappe style: `Authorization: token KEY:SECRET`' },
        basic: { type: 'http', scheme: 'basic', description: 'KEY as user name, SECRET as password' },
      },
      schemas: { Error: errorSchema },
      responses: Object.fromEntries(
        (Object.keys(ERROR_STATUS) as ErrorType[]).map((type) => [
          type,
          { description: `${ERROR_DESCRIPTIONS[type]} (error_type ${type})`, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
    },
  };
}

/** GET /openapi.json, public like /healthz; the document is built once, on the first request. */
export function openApiRoutes(routers: () => Router[]): Router {
  const router = newRouter();
  const op = operations({ tag: 'Meta', access: 'public' });
  let document: string | undefined;
  const self: OperationSpec = {
    summary: 'This document: OpenAPI 3.1 of the JSON API',
    response: { description: 'The OpenAPI document', schema: z.looseObject({ openapi: z.literal('3.1.0') }) },
  };
  router.get(
    '/openapi.json',
    op(self, (ctx) => {
      document ??= JSON.stringify(openApiDocument([...routers(), router]));
      ctx.type = 'application/json';
      ctx.body = document;
    }),
  );
  return router;
}
