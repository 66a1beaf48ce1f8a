// Reading request bodies: size-limited (413), type-checked (415), parsed (400 on bad JSON).
import getRawBody from 'raw-body';
import type { Context } from 'koa';
import { AppError } from '../errors.js';

/**
 * What each kind of request may carry. Uploads (terminal data, bulk punches) get the
 * configured maximum (ICLOCKD_MAX_BODY_BYTES); the rest carry a few fields or lines, and a
 * bound that fits them stops a broken client from making the server read megabytes for nothing.
 */
export type BodyKind = 'upload' | 'form' | 'single';
const BODY_BOUNDS: Record<Exclude<BodyKind, 'upload'>, number> = {
  /** Admin writes, command results, Push 3.x registration: fields, or lines of them. */
  form: 1024 * 1024,
  /** One punch, a connection test. */
  single: 64 * 1024,
};

/** The body limit of a kind of request, never above the configured maximum. */
export function bodyLimit(kind: BodyKind, maxBodyBytes: number): number {
  return kind === 'upload' ? maxBodyBytes : Math.min(maxBodyBytes, BODY_BOUNDS[kind]);
}

export async function readRawBody(ctx: Context, limit: number): Promise<Buffer> {
  try {
    return await getRawBody(ctx.req, { limit, length: ctx.get('content-length') || undefined });
  } catch (err) {
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large' || e.status === 413) {
      throw new AppError('payload_too_large', `Request body is larger than ${limit} bytes`);
    }
    throw new AppError('validation_error', `Could not read the request body: ${(err as Error).message}`);
  }
}

/** The JSON object in the body; an empty body is `{}`. */
export async function readJsonBody(ctx: Context, limit: number): Promise<Record<string, unknown>> {
  const type = ctx.get('content-type');
  const raw = await readRawBody(ctx, limit);
  if (raw.length === 0) return {};
  if (type && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new AppError('unsupported_media_type', `Content-Type must be application/json, not ${type}`);
  }
  return parseJsonObject(raw);
}

/** A body's bytes as the JSON object they must hold (400 otherwise), whatever its Content-Type says. */
export function parseJsonObject(raw: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError('validation_error', 'Request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('validation_error', 'Request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
