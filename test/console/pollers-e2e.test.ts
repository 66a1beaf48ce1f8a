// Terminals without ADMS in a real headless Chromium: an admin adds an emulated 4370 terminal by
// its address on the Devices page, the server reads it by itself, its page shows the polling
// section and diagnosis, "Read now" says what it read, a wrong key set there shows as the
// reason it is not delivering, and "Stop polling" removes it after a confirmation.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { ZkDevice, emulatedLog } from '../../src/simulator/zkDevice.js';
import { type TestBrowser, launchBrowser, signIn } from '../helpers/browser.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

// Pictures for docs/operator/console.md with ICLOCKD_SCREENSHOTS=1, else a scratch folder.
const SHOTS = process.env.ICLOCKD_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)) : mkdtempSync(join(tmpdir(), 'iclockd-shots-'));

let s: TestServer;
let page: Page;
let browser: TestBrowser;
let device: ZkDevice;
let port: number;

before(async () => {
  s = await startTestServer();
  device = new ZkDevice({ serialNumber: 'ZKE2E0001', commKey: 4242 });
  const log = emulatedLog(120, 12, { year: 2026, month: 11, day: 2, hour: 7, minute: 0, second: 0 });
  device.records = log.records;
  device.users = log.users;
  port = await device.listen();
  const key = await s.running.services.apiKeys.create('pollers test', 'admin');
  browser = await launchBrowser({ viewport: { width: 1500, height: 1000 } });
  page = browser.page;
  await signIn(page, s.baseUrl, { key: key.apiKey, secret: key.secret }, 'devices', '?refresh=400');
  await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
});

after(async () => {
  await browser?.close();
  await device?.close();
  await s?.stop();
  if (process.env.ICLOCKD_SCREENSHOTS !== '1') rmSync(SHOTS, { recursive: true, force: true });
});

test('add a terminal by its address: it is read by itself, and listed with its records', async () => {
  const section = page.getByRole('region', { name: 'Terminals without ADMS (read over TCP 4370)' });
  await section.getByText(/No terminal is read over TCP 4370/).waitFor();
  const form = page.getByRole('form', { name: 'Add a terminal by IP address' });
  await form.getByLabel('Serial number').fill('ZKE2E0001');
  await form.getByLabel('IP address or host').fill('127.0.0.1');
  await form.getByLabel('Port').fill(String(port));
  await form.getByLabel('Comm key (0: none)').fill('4242');
  await form.getByRole('button', { name: 'Add terminal' }).click();
  await section.getByRole('status').filter({ hasText: `ZKE2E0001 added: read at 127.0.0.1:${port} every 60 s` }).waitFor();
  // The scheduler reads it within seconds; the list refreshes itself.
  const row = section.getByRole('row').filter({ hasText: 'ZKE2E0001' });
  await row.getByText('120 of 100000').waitFor({ timeout: 15_000 });
  await row.getByText('read', { exact: true }).waitFor();
  assert.equal(Number((await s.running.services.db.knex('punches').count({ n: '*' }))[0]!.n), 120);
});

test("its page: the polling section, Read now, a wrong key shown as the reason, Stop polling", async () => {
  await page.getByRole('link', { name: 'ZKE2E0001' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Device ZKE2E0001' }).waitFor();
  const polling = page.getByRole('region', { name: 'Polling (TCP 4370)' });
  await polling.getByText(`127.0.0.1:${port}, every 60 s`).waitFor();
  await polling.getByText(/^120 record\(s\), the last at 2026-11-02 08:59:00 on its clock$/).waitFor();
  await page.getByRole('heading', { name: 'Diagnosis: delivering' }).waitFor();
  // Online while read, and no command queue: commands go out only to a terminal that asks over ADMS.
  await page.getByText(/over TCP 4370 \(read every 60 s; it does not push\)/).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Commands' }).count(), 0);
  device.records.push(...emulatedLog(125, 12, { year: 2026, month: 11, day: 2, hour: 7, minute: 0, second: 0 }).records.slice(120));
  await polling.getByRole('button', { name: 'Read now' }).click();
  await polling.getByRole('status').filter({ hasText: 'ZKE2E0001 read: 125 record(s) on it, 5 new, 0 already stored.' }).waitFor();
  // Still up after the page has refreshed what the poll changed (a refresh every 400 ms here).
  await page.waitForTimeout(1000);
  await polling.getByRole('status').filter({ hasText: 'ZKE2E0001 read: 125 record(s) on it, 5 new, 0 already stored.' }).waitFor({ timeout: 100 });
  await page.screenshot({ path: join(SHOTS, 'polling.png'), fullPage: true });

  const change = polling.getByRole('form', { name: 'Change how it is read' });
  await change.getByLabel(/^Comm key/).fill('1');
  await change.getByRole('button', { name: 'Save polling' }).click();
  await polling.getByRole('status').filter({ hasText: 'Polling of ZKE2E0001 saved.' }).waitFor();
  await page.getByRole('region', { name: 'Polling (TCP 4370)' }).getByRole('button', { name: 'Read now' }).click();
  await page.getByRole('region', { name: 'Polling (TCP 4370)' }).getByRole('status').filter({ hasText: /could not be read \(wrong_key\)/ }).waitFor();
  await page.getByRole('heading', { name: 'Diagnosis: not delivering' }).waitFor();
  await page.getByText(/^Wrong comm key: the terminal refused the configured comm key\./).waitFor();

  page.once('dialog', (d) => void d.accept());
  await page.getByRole('region', { name: 'Polling (TCP 4370)' }).getByRole('button', { name: 'Stop polling' }).click();
  await page.getByRole('region', { name: 'Polling (TCP 4370)' }).getByRole('status').filter({ hasText: 'ZKE2E0001 is no longer read.' }).waitFor();
  await page.getByRole('region', { name: 'Polling (TCP 4370)' }).getByRole('button', { name: 'Read now' }).waitFor({ state: 'detached' });
  assert.deepEqual(await s.running.services.pollers.list(), []);
  assert.deepEqual(browser.errors, []);
});
