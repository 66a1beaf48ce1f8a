// Issue 21 in a real headless Chromium: the end of a session (sign-out, a revoked key, an
// expired session) closes the live feed and stops every refresh; a failed refresh says so;
// attendance tells provisional from final, open days from absences, and refuses what it cannot
// show; times are labelled with their zone; the device page and the shift forms.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';
const ZONE = 'Asia/Riyadh';

let s: TestServer;
let context: BrowserContext;
let page: Page;
let profile: string;
const pageErrors: string[] = [];

/** A fresh admin key (each test that revokes one uses its own). */
async function adminKey(label = 'e2e'): Promise<{ key: string; secret: string }> {
  const k = await s.running.services.apiKeys.create(label, 'admin');
  return { key: k.apiKey, secret: k.secret };
}
let admin: { key: string; secret: string };
const api = () => client(s, `token ${admin.key}:${admin.secret}`);

async function signIn(k: { key: string; secret: string }, hash = 'devices', query = '?refresh=400'): Promise<void> {
  await context.clearCookies();
  await page.goto(`${s.baseUrl}/${query}#/${hash}`);
  await page.getByLabel('API key').fill(k.key);
  await page.getByLabel('Secret').fill(k.secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#logout').waitFor({ state: 'visible' });
}

async function open(hash: string, heading: string | RegExp, query = '?refresh=400'): Promise<void> {
  await page.goto(`${s.baseUrl}/${query}#/${hash}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** Requests to the API since `since` (the page's own fetches and feeds). */
const apiCalls: { at: number; url: string; status: number }[] = [];

before(async () => {
  s = await startTestServer({ timeZone: ZONE, devicePolicy: 'auto' });
  admin = await adminKey('main');
  profile = mkdtempSync(join(tmpdir(), 'iclockd-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1360, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // Every EventSource the console opens, to see whether it was closed.
  await context.addInitScript(() => {
    const Real = window.EventSource;
    const all: EventSource[] = [];
    (window as unknown as { __sources: EventSource[] }).__sources = all;
    window.EventSource = class extends Real {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        all.push(this);
      }
    } as typeof EventSource;
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('response', (r) => {
    if (r.url().includes('/api/v1/')) apiCalls.push({ at: Date.now(), url: r.url(), status: r.status() });
  });
});

after(async () => {
  await context?.close();
  await s?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const openSources = () => page.evaluate(() => (window as unknown as { __sources: EventSource[] }).__sources.filter((x) => x.readyState !== 2).length);

test('the sign-in page shows no Sign out button', async () => {
  await page.goto(s.baseUrl);
  await page.getByRole('heading', { name: 'Sign in to iclockd' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), false);
});

test('signing out on Live closes the live feed and nothing refreshes afterwards', async () => {
  await signIn(admin, 'live');
  await page.getByRole('heading', { level: 1, name: 'Live' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  assert.equal(await openSources(), 1, 'the feed is open');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('alert').filter({ hasText: 'Signed out.' }).waitFor();
  assert.equal(await openSources(), 0, 'the feed is closed');
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), false);
});

test('signing out on Devices stops its refresh (no 401s afterwards)', async () => {
  await signIn(admin, 'devices');
  await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
  await sleep(1000);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('alert').filter({ hasText: 'Signed out.' }).waitFor();
  const since = Date.now();
  await sleep(1500);
  const after = apiCalls.filter((c) => c.at > since);
  assert.deepEqual(after, [], 'no request after signing out');
});

test('a key revoked while on Devices: back to sign-in with a message, no refresh after', async () => {
  const k = await adminKey('revoked on devices');
  await signIn(k, 'devices');
  await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
  await s.running.services.apiKeys.revoke(k.key);
  await page.getByRole('alert').filter({ hasText: 'Your session has ended' }).waitFor();
  await page.getByRole('heading', { name: 'Sign in to iclockd' }).waitFor();
  const since = Date.now();
  await sleep(1500);
  assert.deepEqual(apiCalls.filter((c) => c.at > since), [], 'the refresh stopped');
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), false);
});

test('a key revoked while on Live: the feed is closed and sign-in is asked for', async () => {
  const k = await adminKey('revoked on live');
  await signIn(k, 'live');
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  await s.running.services.apiKeys.revoke(k.key);
  await page.getByRole('alert').filter({ hasText: 'Your session has ended' }).waitFor({ timeout: 20_000 });
  assert.equal(await openSources(), 0, 'the feed is closed');
});

test('revoking your own key on the Keys page sends you to sign in, without an uncaught error', async () => {
  const k = await adminKey('self');
  await signIn(k, 'keys');
  await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
  const errors = pageErrors.length;
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: `Revoke ${k.key}` }).click();
  await page.getByRole('alert').filter({ hasText: 'Your session has ended' }).waitFor();
  await sleep(300);
  assert.deepEqual(pageErrors.slice(errors), []);
});

test('an expired session (the cookie gone) on Devices: back to sign-in with a message', async () => {
  await signIn(admin, 'devices');
  await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
  await context.clearCookies();
  await page.getByRole('alert').filter({ hasText: 'Your session has ended' }).waitFor();
});

test('a refresh that fails says so on the page, and clears once one succeeds', async () => {
  await signIn(admin, 'devices');
  await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
  await page.route('**/api/v1/devices?*', (r) => r.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ success: false, error: 'Service unavailable' }) }));
  const stale = page.getByRole('alert').filter({ hasText: /Could not refresh at .*Service unavailable.*may be out of date/ });
  await stale.waitFor();
  await page.unroute('**/api/v1/devices?*');
  await stale.waitFor({ state: 'hidden' });
});
