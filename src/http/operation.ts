// One declaration per route: what it takes (zod schemas for the query and the JSON body) and
// what it answers. The same schemas validate the request here and are turned into the
// OpenAPI document (src/http/openapi.ts), so the two cannot drift apart.
import type { RouterContext, RouterMiddleware } from '@koa/router';
import compose from 'koa-compose';
import { z } from 'zod';
import type { ApiKeyService } from '../auth/apiKeys.js';
import { ERROR_STATUS, type ErrorType } from '../errors.js';
import { validate } from '../validation.js';
import { authorize } from './auth.js';
import { type BodyKind, bodyLimit, readJsonBody } from './body.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination.js';

/** Who may call: a key with this role (admin may call everything), or anyone. */
export type Access = 'admin' | 'ingest' | 'public';

export interface ResponseSpec {
  description: string;
  /** The body's schema; absent: described in words only. */
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
  /** Other media types the same reply may come as (without a schema), e.g. text/csv. */
  alsoAs?: string[];
}

export interface OperationSpec<Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined> {
  summary: string;
  description?: string;
  /** Default: the `operations()` defaults. */
  tag?: string;
  access?: Access;
  /**
   * The route checks a key it is given itself (the console's sign-in takes one in its body):
   * no guard runs in front of it. Every other non-public route is guarded by its operation.
   */
  checksItsOwnKey?: boolean;
  /** Middleware run after the guard, before the handler (the sync log, the Frappe wrapper). */
  use?: RouterMiddleware[];
  /** `?a=&b=`: a z.object of the query parameters; validated before the handler runs. */
  query?: Q;
  /** The JSON body: a z.object; read (size, type, JSON) and validated before the handler runs. */
  body?: B;
  /**
   * The handler validates the query and body itself, with these same schemas (the seed
   * endpoints: their messages are contract, and each bulk item is judged on its own). The
   * handler then receives no parsed input.
   */
  checkedByHandler?: boolean;
  /** What the body carries, for its size bound (body.ts): default `form` (1 MiB, never above ICLOCKD_MAX_BODY_BYTES). */
  bodyKind?: BodyKind;
  /** Media types of the body, default application/json (the HRMS method takes form data too). */
  bodyMediaTypes?: string[];
  /** The success reply: status (default 200) and body. */
  status?: number;
  response?: ResponseSpec;
  /** Further replies worth naming (e.g. 404 for an unknown punch, 202 for a held one). */
  responses?: Record<number, ResponseSpec>;
  /** The route answers its errors in a body of its own (listed in `responses`): none of the API's error replies apply. */
  ownErrors?: boolean;
  /** Error types this route answers besides the ones every route does (401, 403, 429, 500, 503; 400 with a query or body; 413/415 with a body). */
  errors?: ErrorType[];
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;
export type Input<Q, B> = { query: Parsed<Q>; body: Parsed<B> };
export type Handler<Q, B> = (ctx: RouterContext, input: Input<Q, B>) => unknown;

/** Any route's spec: what a spec declared apart from its route `satisfies`. */
export type AnyOperationSpec = OperationSpec<z.ZodType | undefined, z.ZodType | undefined>;

export const OPERATION = Symbol('iclockd.operation');
export type DescribedMiddleware = RouterMiddleware & { [OPERATION]: Required<Pick<OperationSpec, 'tag' | 'access'>> & AnyOperationSpec };

/**
 * The operations of one router: `op(spec, handler)` is the route's middleware. It is the
 * route's guard (the key's role against the spec's `access`, before anything else runs, so the
 * access the OpenAPI document declares is the one enforced), then it runs the spec's `use`
 * middleware, validates the query and the body with the spec's schemas and hands the parsed
 * values to the handler; it carries the spec so the OpenAPI document can be built from the
 * routers themselves.
 */
export function operations(defaults: { tag: string; access: Access; apiKeys?: ApiKeyService; maxBodyBytes?: number }) {
  return function op<Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
    spec: OperationSpec<Q, B>,
    handler: Handler<Q, B>,
  ): DescribedMiddleware {
    const described = { tag: defaults.tag, access: defaults.access, ...spec };
    if (spec.body && !spec.checkedByHandler && defaults.maxBodyBytes === undefined) {
      throw new Error(`operation "${spec.summary}" takes a body: give operations() a maxBodyBytes`);
    }
    const access = described.access;
    const { apiKeys } = defaults;
    if (access !== 'public' && !spec.checksItsOwnKey && !apiKeys) throw new Error(`operation "${spec.summary}" is for ${access} keys: give operations() the apiKeys`);
    const run = async (ctx: RouterContext) => {
      const checked = !spec.checkedByHandler;
      const query = spec.query && checked ? validate(spec.query, ctx.query) : undefined;
      const body = spec.body && checked ? validate(spec.body, await readJsonBody(ctx, bodyLimit(spec.bodyKind ?? 'form', defaults.maxBodyBytes!))) : undefined;
      await handler(ctx, { query, body } as Input<Q, B>);
    };
    const inner = compose<RouterContext>([...(spec.use ?? []), run]);
    const middleware = async (ctx: RouterContext) => {
      if (access !== 'public' && !spec.checksItsOwnKey) await authorize(apiKeys!, ctx, access);
      await inner(ctx);
    };
    return Object.assign(middleware, { [OPERATION]: described }) as DescribedMiddleware;
  };
}

// Building blocks the route schemas share.

const blankToUndefined = (v: unknown) => (v === '' ? undefined : v);

/** An optional query parameter: absent and empty (`?x=`) are the same. */
export function optionalParam<S extends z.ZodType>(schema: S) {
  return z.preprocess(blankToUndefined, schema.optional());
}

/** Optional free text in a query (`?site=main`). */
export const textParam = (description: string) => optionalParam(z.string().describe(description));

/** `?status=a,b`: any of `values`, separated by commas. */
export function commaListParam(values: readonly string[]) {
  const one = values.join('|');
  const description = `Any of ${values.join(', ')}, separated by commas`;
  return optionalParam(z.string().regex(new RegExp(`^(${one})(,(${one}))*$`), description).describe(description));
}

/** `YYYY-MM-DD` (whether it is a real day is the service's check, with its own message). */
export const dateText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
export const dateParam = (description: string) => optionalParam(dateText.describe(description));

/** A whole number in a query parameter, from `min` (to `max`). */
export function wholeNumber(min: number, max?: number) {
  const reason = max === undefined ? `a whole number of ${min} or more` : `a whole number from ${min} to ${max}`;
  const n = z.coerce.number({ error: reason }).int(reason).min(min, reason);
  return max === undefined ? n : n.max(max, reason);
}

/** `page`, `page_size`: every list takes them. */
export const pageQuery = z.object({
  page: optionalParam(wholeNumber(1).describe('Page, from 1 (default 1)')),
  page_size: optionalParam(wholeNumber(1, MAX_PAGE_SIZE).describe(`Rows per page (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE})`)),
});

/** A list query: the page parameters and the route's filters. */
export function listQuery<T extends z.ZodRawShape>(filters: T) {
  return pageQuery.extend(filters);
}

/** Body schema of a success reply `{success: true, ...}` whose other fields are described in words. */
export function successBody(description: string) {
  return z.looseObject({ success: z.literal(true) }).describe(description);
}

/** A resource in a reply: the fields named in words (the views in the route modules shape them). */
export function resource(name: string, fields: string) {
  return z.looseObject({}).meta({ title: name, description: `${name}: ${fields}` });
}

/** The list reply: `{data, total, page, page_size}`. */
export function listOf(item: z.ZodType) {
  return z.object({ data: z.array(item), total: z.number().int(), page: z.number().int(), page_size: z.number().int() });
}

/** The error body every JSON route answers with (the seed endpoints add fields such as `fields`, `punch_id`). */
export const ErrorBodySchema = z
  .looseObject({ success: z.literal(false), error: z.string().describe('A human sentence'), error_type: z.enum(Object.keys(ERROR_STATUS) as [ErrorType, ...ErrorType[]]) })
  .meta({ title: 'Error' });

