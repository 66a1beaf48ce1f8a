// The console's browser tests share one way to drive Debian's Chromium (/usr/bin/chromium,
// through playwright-core; nothing is downloaded): a fresh profile per file, script errors
// collected, signing in through the form, and opening a page by its hash.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Uncaught script errors on the page (a test ends by expecting none). */
  errors: string[];
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile and one page. */
export async function launchBrowser(options: { viewport?: { width: number; height: number }; timeoutMs?: number } = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'iclockd-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: options.viewport ?? { width: 1366, height: 768 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(options.timeoutMs ?? 20_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Loads a console page afresh (`query` before the hash, e.g. '?refresh=400') and waits for its
 * heading. A fresh load, not a hash change, which would leave the last page's heading up while
 * the new one draws.
 */
export async function openPage(page: Page, baseUrl: string, hash: string, heading: string | RegExp, query = ''): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${baseUrl}/${query}#/${hash}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** Signs in through the form, from a fresh load of `hash`, and waits until the console is up. */
export async function signIn(page: Page, baseUrl: string, key: { key: string; secret: string }, hash = 'devices', query = ''): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${baseUrl}/${query}#/${hash}`);
  await page.getByRole('heading', { name: 'Sign in to iclockd' }).waitFor();
  await page.getByLabel('API key').fill(key.key);
  await page.getByLabel('Secret').fill(key.secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#logout').waitFor({ state: 'visible' });
}
