// Issue 21 in a real headless Chromium: the Punches page finds a punch by its filters (kept in
// the URL hash), accepts a suspect_time punch with a corrected time after a confirmation (a
// cancelled dialog does nothing), shows what was done in its history, exports CSV, and the
// Check-ins page shows the check-in it made.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { type TestBrowser, launchBrowser, signIn } from '../helpers/browser.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

const RECEIVE = '/api/method/phr.phr.api.biometric_realtime_sync.receive_attendance_log';

let s: TestServer;
let context: BrowserContext;
let page: Page;
let browser: TestBrowser;
let heldId: number;

before(async () => {
  s = await startTestServer({ timeZone: 'Asia/Riyadh' });
  const admin = client(s, await s.authHeader('admin'));
  const device = client(s, await s.authHeader('ingest'));
  assert.equal((await admin.post('/api/v1/employees', { employee: 'E2E-1', name: 'Salma', attendance_device_id: '201' })).status, 201);
  for (const [id, timestamp, device_id] of [
    ['201', '2025-08-01 08:00:00', 'GATE-A'],
    ['201', '2025-08-01 17:00:00', 'GATE-B'],
    ['999', '2025-08-01 08:30:00', 'GATE-A'],
  ]) await device.post(RECEIVE, { employee_id: id, timestamp, device_id, log_type: 'IN' });
  const held = await device.post(RECEIVE, { employee_id: '201', timestamp: '2099-01-01 09:00:00', device_id: 'GATE-C', log_type: 'OUT' });
  assert.equal(held.body.suspect_time, true);
  heldId = held.body.punch_id;

  const key = await s.running.services.apiKeys.create('history test', 'admin');
  browser = await launchBrowser({ viewport: { width: 1500, height: 900 } });
  ({ context, page } = browser);
  await signIn(page, s.baseUrl, { key: key.apiKey, secret: key.secret });
  await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
});

after(async () => {
  await browser?.close();
  await s?.stop();
});

test('the Punches page finds a punch by its filters, kept in the hash', async () => {
  await page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: 'Punches' }).click();
  await page.getByRole('heading', { level: 1, name: 'Punches' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Rows 1–4 of 4' }).waitFor();
  const filters = page.getByRole('search', { name: 'Filter punches' });
  // The employee is found by name (a search, never a list of everyone).
  await filters.getByLabel('Find by name or id').fill('Salma');
  await filters.getByText('1 match.').waitFor();
  assert.equal(await filters.getByLabel('Employee', { exact: true }).inputValue(), 'E2E-1');
  await filters.getByLabel('Device').fill('GATE-A');
  await filters.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('status').filter({ hasText: 'Rows 1–1 of 1' }).waitFor();
  assert.match(page.url(), /#\/punches\?employee=E2E-1&device=GATE-A/);
  const row = page.getByRole('row').filter({ hasText: 'GATE-A' });
  await row.getByText('2025-08-01 08:00:00 (Asia/Riyadh)').first().waitFor();
  await row.getByText('checked_in').waitFor();

  // Reloading keeps the filters.
  await page.reload();
  await page.getByRole('status').filter({ hasText: 'Rows 1–1 of 1' }).waitFor();
  const kept = page.getByRole('search', { name: 'Filter punches' });
  assert.equal(await kept.getByLabel('Device').inputValue(), 'GATE-A');
  assert.equal(await kept.getByLabel('Employee', { exact: true }).inputValue(), 'E2E-1');
  await kept.getByLabel('Employee', { exact: true }).locator('option:checked', { hasText: 'Salma (E2E-1' }).waitFor({ state: 'attached' });

  // CSV of the same filter.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
  const csv = readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
  assert.equal(csv.length, 2, csv.join('\n'));
  assert.match(csv[1]!, /checked_in,E2E-1,Salma,201,GATE-A/);
});

test('a suspect_time punch is accepted with a corrected time after a confirmation, and its check-in is on the Check-ins page', async () => {
  await page.goto(`${s.baseUrl}/#/punches?status=suspect_time`);
  const row = page.getByRole('row').filter({ hasText: 'GATE-C' });
  await row.getByText('suspect_time').waitFor();
  await page.getByRole('status').filter({ hasText: 'Rows 1–1 of 1' }).waitFor();

  // Cancelled: nothing happens.
  await row.getByRole('button', { name: 'Discard…' }).click();
  const discard = page.getByRole('dialog');
  await discard.getByRole('button', { name: 'Cancel' }).click();
  await discard.waitFor({ state: 'detached' });
  const punch = (await (await fetch(`${s.baseUrl}/api/v1/punches/${heldId}`, { headers: { authorization: await s.authHeader('admin') } })).json()) as { status: string };
  assert.equal(punch.status, 'suspect_time');

  await row.getByRole('button', { name: 'Accept…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText(/Accept punch \d+ \(user 201 on GATE-C at 2099-01-01 09:00:00\)\?/).waitFor();
  await dialog.getByLabel(/Corrected device time/).fill('2025-08-01 17:30:00');
  await dialog.getByLabel(/Reason, optional/).fill('clock reset after a power cut');
  await dialog.getByRole('button', { name: 'Accept' }).click();
  const done = page.getByRole('status').filter({ hasText: /accepted: checked_in, check-in CHECKIN-/ });
  await done.waitFor();
  const checkinId = /(CHECKIN-\d{4}-\d+)/.exec((await done.textContent())!)![1]!;
  // The list reloaded: no suspect punch is left.
  await page.getByRole('status').filter({ hasText: 'No rows' }).waitFor();

  await page.goto(`${s.baseUrl}/#/punches?device=GATE-C`);
  const accepted = page.getByRole('row').filter({ hasText: 'GATE-C' });
  await accepted.getByText('checked_in').waitFor();
  await accepted.getByText('2025-08-01 17:30:00 (Asia/Riyadh)').first().waitFor();
  await accepted.getByRole('button', { name: 'History' }).click();
  const history = page.getByRole('dialog');
  await history.getByRole('cell', { name: 'accept' }).waitFor();
  await history.getByRole('cell', { name: 'suspect_time → checked_in' }).waitFor();
  await history.getByRole('cell', { name: 'time corrected to 2025-08-01 17:30:00 (Asia/Riyadh): clock reset after a power cut' }).waitFor();
  await history.getByRole('cell', { name: 'history test' }).waitFor();
  await history.getByRole('button', { name: 'Close' }).click();

  await accepted.getByRole('link', { name: checkinId }).click();
  await page.getByRole('heading', { level: 1, name: 'Check-ins' }).waitFor();
  const line = page.getByRole('row').filter({ hasText: checkinId });
  await line.getByText('Salma (E2E-1)').waitFor();
  await line.getByText('2025-08-01 17:30:00 (Asia/Riyadh)').waitFor();
  await line.getByRole('cell', { name: 'OUT' }).waitFor();
  await line.getByRole('cell', { name: 'GATE-C' }).waitFor();
  assert.match(page.url(), /#\/checkins\?employee=E2E-1&from=2025-08-01&to=2025-08-01/);
  await page.getByRole('status').filter({ hasText: 'Rows 1–3 of 3' }).waitFor();
  assert.deepEqual(browser.errors, []);
});

test('an unmatched punch is linked to an employee picked by name, after a confirmation', async () => {
  await page.goto(`${s.baseUrl}/#/punches?status=unmatched`);
  const row = page.getByRole('row').filter({ hasText: 'GATE-A' });
  await row.getByText('unmatched').waitFor();
  await row.getByRole('button', { name: 'Link…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Find by name or id').fill('Salma');
  await dialog.getByText('1 match.').waitFor();
  assert.equal(await dialog.getByLabel('Employee', { exact: true }).inputValue(), 'E2E-1');
  await dialog.getByRole('button', { name: 'Link' }).click();
  await page.getByRole('status').filter({ hasText: /linked to E2E-1: checked_in, check-in CHECKIN-/ }).waitFor();
  await page.getByRole('status').filter({ hasText: 'No rows' }).waitFor();
  const checkins = await (await fetch(`${s.baseUrl}/api/v1/checkins?employee=E2E-1&device=GATE-A`, { headers: { authorization: await s.authHeader('admin') } })).json() as { total: number };
  assert.equal(checkins.total, 2, 'its own 08:00 and the linked 08:30');
  assert.deepEqual(browser.errors, []);
});
