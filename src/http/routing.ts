// One spelling of every path. Before anything else looks at a request (allow-lists, rate
// limits, routers, guards), its path is put in one canonical form, and every router matches
// only that form, case-sensitively: a guard can never see a path its router spells otherwise.
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { AppError } from '../errors.js';

/** RFC 3986 unreserved characters: an escape of one of these is the character itself. */
const UNRESERVED = /^[A-Za-z0-9._~-]$/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/** A segment with escapes of unreserved characters decoded and the others' hex upper-cased; null for a stray `%`. */
function canonicalSegment(segment: string): string | null {
  if (!segment.includes('%')) return segment;
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const hex = segment.slice(i + 1, i + 3);
    if (!HEX_PAIR.test(hex)) return null;
    const decoded = String.fromCharCode(parseInt(hex, 16));
    out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

/** Paths that are already canonical, the usual case: no escape, no empty segment or one starting with a dot, no trailing slash. */
const PLAIN = /^(\/[^/%.][^/%]*)*$|^\/$/;

/**
 * The canonical form of a request path, or null when it is not a path (no leading slash, a
 * stray `%`). Escapes of unreserved characters are decoded (`%6Beys` is `keys`), the others
 * keep their escape with upper-case hex (`%2F` stays a character of its segment, never a
 * separator); then empty segments (`//`, a trailing slash) and dot segments (`.`, `..`, also
 * when escaped) are removed. Case is kept: routers match it exactly.
 */
export function canonicalPath(raw: string): string | null {
  if (PLAIN.test(raw)) return raw;
  if (!raw.startsWith('/')) return null;
  const segments: string[] = [];
  for (const part of raw.split('/').slice(1)) {
    const segment = canonicalSegment(part);
    if (segment === null) return null;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/** The first middleware after the error mapper: every later one sees the canonical path. */
export function oneSpellingOfPaths() {
  return async function canonicalize(ctx: Context, next: Next): Promise<void> {
    const path = canonicalPath(ctx.path);
    if (path === null) throw new AppError('validation_error', 'The request path is not a valid URL path');
    if (path !== ctx.path) ctx.path = path;
    await next();
  };
}

/**
 * A router that matches only canonical paths: case-sensitive and strict (a route `/keys` is
 * `/keys`, never `/Keys` nor `/keys/`). Every router of the app is made here.
 */
export function newRouter(prefix?: string): Router {
  return new Router({ ...(prefix ? { prefix } : {}), sensitive: true, strict: true });
}
