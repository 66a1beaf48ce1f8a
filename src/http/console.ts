// The web console's files: `/` is its page, `/console/…` its scripts and styles, read once
// from the repository's console/ directory (found from this module's place, in src/ or dist/,
// so `npm start` from a clean clone serves it). No CDN: everything comes from here. The page
// calls the admin API with the session cookie.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Router from '@koa/router';
import { newRouter } from './routing.js';
import type { Context } from 'koa';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Only our own scripts, styles and connections; nothing may frame the console. */
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-cache',
};

/** The console/ directory: the first ancestor of this file that has console/index.html. */
export function consoleDir(start = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'console', 'index.html'))) return join(dir, 'console');
    if (dirname(dir) === dir) throw new Error(`iclockd: the console/ directory was not found above ${start}`);
  }
}

interface Asset {
  type: string;
  body: Buffer;
}

/** Every file under `dir`, by its path relative to it with forward slashes. */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (TYPES[extname(name)]) assets.set(relative(dir, path).split(sep).join('/'), { type: TYPES[extname(name)]!, body: readFileSync(path) });
    }
  };
  walk(dir);
  return assets;
}

export function consoleRoutes(dir = consoleDir()): Router {
  const assets = loadAssets(dir);
  const router = newRouter();
  const serve = (ctx: Context, asset: Asset) => {
    ctx.set(SECURITY_HEADERS);
    ctx.type = asset.type;
    ctx.body = asset.body;
  };
  router.get('/', (ctx) => serve(ctx, assets.get('index.html')!));
  // Files are looked up in what was loaded: a path that names anything else is simply not found.
  router.get('/console/*path', (ctx, next) => {
    const asset = assets.get(ctx.path.slice('/console/'.length));
    return asset ? serve(ctx, asset) : next();
  });
  return router;
}
