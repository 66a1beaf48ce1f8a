// The web console end to end, in a real headless Chromium (Debian's /usr/bin/chromium, driven
// by playwright-core): sign in, approve a pending simulated terminal, watch its punches arrive
// on the Live page, assign an unmatched id to an employee and see its check-ins, filter the
// sync log and open an entry, and export attendance as CSV. Takes a screenshot of each page:
// into docs/screenshots/ (docs/operator/console.md shows them) when ICLOCKD_SCREENSHOTS=1, else into a
// scratch folder, so an ordinary test run leaves the tracked pictures alone.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { simulate } from '../../src/simulator/simulator.js';
import { type TestBrowser, launchBrowser, openPage } from '../helpers/browser.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

const SHOTS = process.env.ICLOCKD_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)) : mkdtempSync(join(tmpdir(), 'iclockd-shots-'));
const SN = 'CONSOLE0001';

let s: TestServer;
let admin: { key: string; secret: string };
let context: BrowserContext;
let page: Page;
let browser: TestBrowser;
let simulation: Promise<unknown>;

async function shot(name: string): Promise<void> {
  // From the top: a hash change keeps the last page's scroll, and a full-page picture of a
  // scrolled page draws the sticky table header over the first row.
  await page.evaluate('window.scrollTo(0, 0)');
  const png = await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  assert.ok(png.subarray(1, 4).toString() === 'PNG' && png.length > 5000, `${name}: a picture of the page`);
}

/** Goes to a console page and waits for its heading. */
const open = (hash: string, heading: string | RegExp) => openPage(page, s.baseUrl, hash, heading);

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  s = await startTestServer({ timeZone: 'UTC', devicePolicy: 'pending' });
  const created = await s.running.services.apiKeys.create('console test', 'admin');
  admin = { key: created.apiKey, secret: created.secret };
  // A terminal that keeps punching for a while: pending at first, so its uploads are held.
  simulation = simulate({
    url: s.baseUrl,
    devices: 1,
    users: 3,
    punchRatePerMinute: 90,
    durationMs: 45_000,
    pushver: '2.4.1',
    prefix: 'CONSOLE',
    timeZone: 'UTC',
    resendShare: 0.3,
  });
  browser = await launchBrowser({ viewport: { width: 1360, height: 900 }, timeoutMs: 30000 });
  ({ context, page } = browser);
});

after(async () => {
  await browser?.close();
  await simulation?.catch(() => undefined);
  await s?.stop();
  if (process.env.ICLOCKD_SCREENSHOTS !== '1') rmSync(SHOTS, { recursive: true, force: true });
});

test('a wrong secret is refused, the admin key signs in', async () => {
  await page.goto(s.baseUrl);
  await page.getByLabel('API key').fill(admin.key);
  await page.getByLabel('Secret').fill('not-the-secret');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Invalid API key or secret' }).waitFor();
  await shot('login');
  await page.getByLabel('Secret').fill(admin.secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
  const cookie = (await context.cookies()).find((c) => c.name === 'iclockd_session');
  assert.ok(cookie, 'a session cookie is set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.secure, false, 'plain HTTP: not Secure (see the TLS test)');
});

test('the pending simulated terminal is approved from the Devices page', async () => {
  const row = page.getByRole('row').filter({ hasText: SN });
  await row.getByText('pending').waitFor();
  await shot('devices');
  await row.getByRole('button', { name: `Approve ${SN}` }).click();
  await page.getByRole('status').filter({ hasText: `${SN} approved` }).waitFor();
  assert.equal((await client(s, `token ${admin.key}:${admin.secret}`).get(`/api/v1/devices/${SN}`)).body.state, 'approved');
  await row.getByText('approved').waitFor();
});

test('its punches appear on the Live page as they arrive', async () => {
  await open('live', 'Live');
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  const rows = page.locator('#live-punches tbody tr');
  await rows.first().waitFor();
  const first = await rows.first().innerText();
  assert.match(first, new RegExp(SN));
  assert.match(first, /unmatched|duplicate/, 'no employee has these ids yet');
  await page.locator('svg.hourly').waitFor();
  await shot('live');
});

test('an unmatched id is assigned to an employee and its punches become check-ins', async () => {
  const api = client(s, `token ${admin.key}:${admin.secret}`);
  await api.post('/api/v1/shift-types', { name: 'Day', start_time: '00:00:00', end_time: '23:59:00', enable_auto_attendance: true });
  const created = await api.post('/api/v1/employees', { name: 'Amal Haddad', default_shift: 'Day' });
  assert.equal(created.status, 201);
  await open('unmatched', 'Unmatched punches');
  const group = page.getByRole('row').filter({ has: page.getByRole('button', { name: 'Assign 1001', exact: true }) });
  await group.waitFor();
  await shot('unmatched');
  await group.getByLabel('Employee for 1001').selectOption(created.body.employee);
  await group.getByRole('button', { name: 'Assign 1001', exact: true }).click();
  const done = page.getByRole('status').filter({ hasText: /1001 is now Amal Haddad/ });
  await done.waitFor();
  const linked = Number(/(\d+) punch\(es\) became check-ins/.exec(await done.innerText())![1]);
  assert.ok(linked > 0, 'the waiting punches were linked');
  const checkins = await api.get(`/api/v1/checkins?employee=${created.body.employee}`);
  // The terminal keeps punching: 1001's next punches may already have become check-ins too.
  assert.ok(checkins.body.total >= linked, `${checkins.body.total} check-ins, ${linked} linked`);
  // And the next punches of 1001 arrive on the Live page as check-ins of Amal Haddad.
  await open('live', 'Live');
  await page.locator('#live-punches tbody tr[data-outcome="created"]').filter({ hasText: 'Amal Haddad' }).first().waitFor({ timeout: 40_000 });
});

test('the sync log filters by device and status, and opens one entry', async () => {
  await open('sync-log', 'Sync log');
  await page.getByLabel('Device').fill(SN);
  await page.getByLabel('Status').selectOption('processed');
  await page.getByRole('button', { name: 'Filter' }).click();
  const summary = page.locator('p.summary');
  await summary.filter({ hasText: `for ${SN}` }).waitFor();
  assert.match(await summary.innerText(), /Success rate over the range for CONSOLE0001: \d+(\.\d+)?%/);
  const cells = await page.locator('tbody tr td:nth-child(5)').allInnerTexts();
  assert.ok(cells.length > 0);
  assert.ok(cells.every((c) => c === SN), 'only that device');
  const statuses = await page.locator('tbody tr td:nth-child(6)').allInnerTexts();
  assert.ok(statuses.every((c) => c === 'processed'), 'only processed rows');
  await shot('sync-log');
  // An upload that carried records: its entry shows the attendance lines the terminal sent.
  const records = await page.locator('tbody tr td:nth-child(7)').allInnerTexts();
  const endpoints = await page.locator('tbody tr td:nth-child(4)').allInnerTexts();
  const index = records.findIndex((r, i) => Number(r) > 0 && endpoints[i] === '/iclock/cdata?table=ATTLOG');
  assert.ok(index >= 0, 'an upload with records is listed');
  await page.locator('tbody tr').nth(index).getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: /Sync log entry \d+/ }).waitFor();
  await page.getByRole('heading', { name: 'What was received' }).waitFor();
  assert.match(await page.getByLabel('Request body').innerText(), /^100[1-3]\t\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\t/m);
  await shot('sync-log-entry');
});

test('the attendance grid shows the employee, H on a day of their holiday list (no record is kept for it), and exports CSV', async () => {
  const api = client(s, `token ${admin.key}:${admin.secret}`);
  const holiday = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
  await api.call('PUT', '/api/v1/holidays/Console Holidays', { holidays: [{ date: holiday, description: 'Founding Day' }] });
  const amal = (await api.get('/api/v1/employees?q=Amal')).body.data[0];
  assert.equal((await api.patch(`/api/v1/employees/${amal.employee}`, { holiday_list: 'Console Holidays' })).status, 200);
  await open('attendance', 'Attendance');
  await page.getByRole('rowheader', { name: /Amal Haddad/ }).waitFor();
  const cell = page.getByRole('row', { name: /Amal Haddad/ }).locator('td.on-holiday');
  await cell.waitFor();
  assert.equal(await cell.innerText(), 'H');
  // The title is on the cell, or on the button that opens the day.
  const title = (await cell.getAttribute('title')) ?? (await cell.locator('[title]').first().getAttribute('title'));
  assert.equal(title, 'Holiday: Founding Day (Console Holidays)');
  await shot('attendance');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
  const csv = readFileSync((await download.path())!, 'utf8');
  const [header, ...lines] = csv.trim().split(/\r?\n/);
  assert.match(header!, /^employee,employee_name,/);
  assert.ok(lines.some((l) => l.includes('Amal Haddad')), csv);
});

test('the other pages render: device, employees, punches, check-ins, shifts, keys; signing out ends the session', async () => {
  await open(`devices/${SN}`, `Device ${SN}`);
  await page.getByRole('heading', { name: /Diagnosis/ }).waitFor();
  await page.locator('svg.timeline').waitFor();
  // A command goes out on the terminal's next poll; its result comes back and fills in INFO.
  await page.getByLabel('Command', { exact: true }).selectOption('info');
  await page.getByRole('button', { name: 'Send command' }).click();
  await page.getByRole('status').filter({ hasText: /Command \d+ queued/ }).waitFor();
  const command = page.getByRole('row').filter({ hasText: 'INFO' });
  await command.getByText('succeeded').waitFor({ timeout: 30_000 });
  await page.getByText('online', { exact: true }).waitFor();
  await page.getByText(/^3 \/ .+ \/ \d+ \(reported/).waitFor();
  await shot('device');
  await page.getByLabel('Time zone (IANA, empty for the default)').fill('Asia/Riyadh');
  await page.getByRole('button', { name: 'Set time zone' }).click();
  await page.getByRole('status').filter({ hasText: `Time zone of ${SN} set to Asia/Riyadh` }).waitFor();
  const api = client(s, `token ${admin.key}:${admin.secret}`);
  assert.equal((await api.get(`/api/v1/devices/${SN}`)).body.time_zone, 'Asia/Riyadh');
  await page.getByLabel('Time zone (IANA, empty for the default)').fill('Nowhere/Special');
  await page.getByRole('button', { name: 'Set time zone' }).click();
  await page.locator('.notice.error').filter({ hasText: 'time_zone' }).waitFor();
  await open('employees', 'Employees');
  await page.getByRole('cell', { name: 'Amal Haddad' }).waitFor();
  await shot('employees');
  await open('punches', 'Punches');
  await page.getByRole('row').filter({ hasText: 'Amal Haddad' }).first().waitFor();
  await shot('punches');
  await open('checkins', 'Check-ins');
  await page.getByRole('row').filter({ hasText: 'Amal Haddad' }).first().waitFor();
  await shot('checkins');
  await open('shifts', 'Shifts');
  await page.getByRole('cell', { name: 'Day', exact: true }).waitFor();
  await shot('shifts');
  await open('keys', 'API keys');
  await page.getByLabel('Label').fill('door integration');
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.locator('#new-secret').waitFor();
  assert.match(await page.locator('#new-secret').innerText(), /^token [0-9a-f]{16}:[0-9a-f]{32}$/);
  await shot('keys');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to iclockd' }).waitFor();
  await page.goto(`${s.baseUrl}/#/devices`);
  await page.getByRole('heading', { name: 'Sign in to iclockd' }).waitFor();
  assert.deepEqual(browser.errors, [], 'no script errors on any page');
});
