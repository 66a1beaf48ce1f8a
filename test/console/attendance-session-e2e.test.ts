// Issue 21 in a real headless Chromium: the end of a session (sign-out, a revoked key, an
// expired session) closes the live feed and stops every refresh; a failed refresh says so;
// attendance tells provisional from final, open days from absences, and refuses what it cannot
// show; times are labelled with their zone; the device page and the shift forms.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { type TestBrowser, launchBrowser, openPage, signIn } from '../helpers/browser.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';
import { toDbInstant } from '../../src/store/time.js';

const ZONE = 'Asia/Riyadh';

let s: TestServer;
let context: BrowserContext;
let page: Page;
let browser: TestBrowser;

/** A fresh admin key (each test that revokes one uses its own). */
async function adminKey(label = 'e2e'): Promise<{ key: string; secret: string }> {
  const k = await s.running.services.apiKeys.create(label, 'admin');
  return { key: k.apiKey, secret: k.secret };
}
let admin: { key: string; secret: string };
const api = () => client(s, `token ${admin.key}:${admin.secret}`);

/** Signs in with `k` from no session at all (the page refreshes every 400 ms). */
async function signInAs(k: { key: string; secret: string }, hash = 'devices', query = '?refresh=400'): Promise<void> {
  await context.clearCookies();
  await signIn(page, s.baseUrl, k, hash, query);
}

const open = (hash: string, heading: string | RegExp, query = '?refresh=400') => openPage(page, s.baseUrl, hash, heading, query);

/** Requests to the API since `since` (the page's own fetches and feeds). */
const apiCalls: { at: number; url: string; status: number }[] = [];

before(async () => {
  s = await startTestServer({ timeZone: ZONE, devicePolicy: 'approve' });
  admin = await adminKey('main');
  browser = await launchBrowser({ viewport: { width: 1360, height: 900 } });
  ({ context, page } = browser);
  // Every EventSource the console opens, to see whether it was closed.
  await context.addInitScript({
    content: `{
      const Real = window.EventSource;
      const all = (window.__sources = []);
      window.EventSource = class extends Real {
        constructor(url, init) {
          super(url, init);
          all.push(this);
        }
      };
    }`,
  });
  page.on('response', (r) => {
    if (r.url().includes('/api/v1/')) apiCalls.push({ at: Date.now(), url: r.url(), status: r.status() });
  });
});

after(async () => {
  await browser?.close();
  await s?.stop();
});

/** R-1 (a Day shift, 09:00-17:00) with a final record on 2025-05-05 and a provisional one on 2025-05-06; two more employees. */
async function attendanceData(): Promise<void> {
  const a = api();
  assert.equal((await a.post('/api/v1/shift-types', { name: 'Day', start_time: '09:00', end_time: '17:00', enable_auto_attendance: true })).status, 201);
  await a.post('/api/v1/employees', { employee: 'R-1', name: 'Rana', attendance_device_id: '301' });
  await a.post('/api/v1/employees', { employee: 'S-2', name: 'Sami', attendance_device_id: '302' });
  await a.post('/api/v1/employees', { employee: 'T-3', name: 'Tala', attendance_device_id: '303' });
  assert.equal((await a.post('/api/v1/shift-assignments', { employee: 'R-1', shift_type: 'Day', start_date: '2025-05-01' })).status, 201);
  for (const [timestamp, log_type] of [['2025-05-05 09:00:00', 'IN'], ['2025-05-05 13:00:00', 'OUT']]) {
    assert.equal((await a.post('/api/v1/punches', { employee_id: '301', timestamp, device_id: 'GATE', log_type })).status, 200);
  }
  await s.running.services.db.knex('attendance').update({ finalized: true });
  for (const [timestamp, log_type] of [['2025-05-06 09:20:00', 'IN'], ['2025-05-06 16:00:00', 'OUT']]) {
    assert.equal((await a.post('/api/v1/punches', { employee_id: '301', timestamp, device_id: 'GATE', log_type })).status, 200);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const openSources = () => page.evaluate<number>('window.__sources.filter((x) => x.readyState !== 2).length');

test('the sign-in page shows no Sign out button', async () => {
  await page.goto(s.baseUrl);
  await page.getByRole('heading', { name: 'Sign in to iclockd' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), false);
});

test('signing out on Live closes the live feed and nothing refreshes afterwards', async () => {
  await signInAs(admin, 'live');
  await page.getByRole('heading', { level: 1, name: 'Live' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  assert.equal(await openSources(), 1, 'the feed is open');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('alert').filter({ hasText: 'Signed out.' }).waitFor();
  assert.equal(await openSources(), 0, 'the feed is closed');
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), false);
});

test('signing out on Devices stops its refresh (no 401s afterwards)', async () => {
  await signInAs(admin, 'devices');
  await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
  await sleep(1000);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('alert').filter({ hasText: 'Signed out.' }).waitFor();
  const since = Date.now();
  // Longer than the list's ordinary refresh (10 s), in case ?refresh= were not heeded.
  await sleep(10_500);
  const after = apiCalls.filter((c) => c.at > since);
  assert.deepEqual(after, [], 'no request after signing out');
});

test('a key revoked while on Devices: back to sign-in with a message, no refresh after', async () => {
  const k = await adminKey('revoked on devices');
  await signInAs(k, 'devices');
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
  await signInAs(k, 'live');
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  await s.running.services.apiKeys.revoke(k.key);
  await page.getByRole('alert').filter({ hasText: 'Your session has ended' }).waitFor({ timeout: 20_000 });
  assert.equal(await openSources(), 0, 'the feed is closed');
});

test('revoking your own key on the Keys page sends you to sign in, without an uncaught error', async () => {
  const k = await adminKey('self');
  await signInAs(k, 'keys');
  await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
  const errors = browser.errors.length;
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: `Revoke ${k.key}` }).click();
  await page.getByRole('alert').filter({ hasText: 'Your session has ended' }).waitFor();
  await sleep(300);
  assert.deepEqual(browser.errors.slice(errors), []);
});

test('a session that expires on Devices: back to sign-in with a message', async () => {
  await signInAs(admin, 'devices');
  await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
  // Its row says it ended a minute ago (as 12 hours after sign-in would).
  const past = new Date(Date.now() - 60_000);
  const rows = await s.running.services.db.knex('console_sessions').update({ expires_at: toDbInstant(past) });
  assert.ok(rows >= 1);
  await page.getByRole('alert').filter({ hasText: 'Your session has ended' }).waitFor();
});

test('a session whose cookie is gone: back to sign-in with a message', async () => {
  await signInAs(admin, 'devices');
  await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
  await context.clearCookies();
  await page.getByRole('alert').filter({ hasText: 'Your session has ended' }).waitFor();
});

test('a refresh that fails says so on the page, and clears once one succeeds', async () => {
  await signInAs(admin, 'devices');
  await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
  await page.route('**/api/v1/devices?*', (r) => r.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ success: false, error: 'Service unavailable' }) }));
  const stale = page.getByRole('alert').filter({ hasText: /Could not refresh at .*Service unavailable.*may be out of date/ });
  await stale.waitFor();
  await page.unroute('**/api/v1/devices?*');
  await stale.waitFor({ state: 'hidden' });
});

test('attendance: final and provisional records look different, with in/out times, and a day opens its detail', async () => {
  await attendanceData();
  await signInAs(admin, 'attendance', '?employees=2');
  await page.getByRole('heading', { level: 1, name: 'Attendance' }).waitFor();
  await page.getByLabel('From').fill('2025-05-05');
  await page.getByLabel('To').fill('2025-05-06');
  await page.getByRole('button', { name: 'Show' }).click();
  const row = page.getByRole('row', { name: /Rana \(R-1\)/ });
  const final = row.locator('td').nth(0);
  const provisional = row.locator('td').nth(1);
  await final.locator('abbr').waitFor();
  assert.match(await final.getAttribute('class') ?? '', /\bst present\b/);
  assert.doesNotMatch(await final.getAttribute('class') ?? '', /provisional/);
  assert.match(await provisional.getAttribute('class') ?? '', /provisional/);
  assert.match(await provisional.innerText(), /~/);
  assert.match(await final.getAttribute('title') ?? '', /in 09:00, out 13:00.*final/);
  assert.match(await provisional.getAttribute('title') ?? '', /in 09:20, out 16:00.*provisional/);
  assert.match(await page.locator('table.grid caption').innerText(), /provisional/);
  assert.match(await page.locator('.zone-note').innerText(), /Asia\/Riyadh/);
  await final.locator('button').click();
  const detail = page.locator('#day-detail');
  await detail.getByRole('heading', { name: 'Rana (R-1) on 2025-05-05' }).waitFor();
  assert.deepEqual(await detail.locator('tbody td').allInnerTexts(), ['Day', '2025-05-05 09:00:00', '2025-05-05 13:00:00', '4.00', 'no', 'no', 'Present', 'final']);
  await provisional.locator('button').click();
  await detail.getByRole('heading', { name: 'Rana (R-1) on 2025-05-06' }).waitFor();
  assert.equal((await detail.locator('tbody td').allInnerTexts()).at(-1), 'provisional');
});

test('attendance: employees are paged on the server, not cut', async () => {
  const caption = page.locator('table.grid caption');
  assert.match(await caption.innerText(), /employees 1–2 of 3/);
  await page.getByRole('button', { name: 'Next employees' }).click();
  await page.locator('table.grid caption').filter({ hasText: /employees 3–3 of 3/ }).waitFor();
  assert.equal(await page.locator('table.grid tbody tr').count(), 1);
});

test('attendance: From after To is refused with a message', async () => {
  await page.getByLabel('From').fill('2025-05-07');
  await page.getByLabel('To').fill('2025-05-01');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.getByRole('alert').filter({ hasText: 'From (2025-05-07) is after To (2025-05-01)' }).waitFor();
  assert.equal(await page.locator('table.grid').count(), 0);
});

test('attendance: a range longer than the grid shows is paged by days, and the caption says which', async () => {
  await page.getByLabel('From').fill('2025-01-01');
  await page.getByLabel('To').fill('2025-03-31');
  await page.getByRole('button', { name: 'Show' }).click();
  const caption = page.locator('table.grid caption');
  await caption.filter({ hasText: 'days 1–31 of 90 (2025-01-01 to 2025-01-31)' }).waitFor();
  assert.equal(await page.locator('table.grid thead th').count(), 32);
  await page.getByRole('button', { name: 'Next 31 days' }).click();
  await caption.filter({ hasText: 'days 32–62 of 90 (2025-02-01 to 2025-03-03)' }).waitFor();
  await page.getByRole('button', { name: 'Next 31 days' }).click();
  await caption.filter({ hasText: 'days 63–90 of 90 (2025-03-04 to 2025-03-31)' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Next 31 days' }).isDisabled(), true);
});

test('attendance: today without a record is open, not absent and not ·', async () => {
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Attendance' }).waitFor();
  const today = page.getByRole('row', { name: /Rana \(R-1\)/ }).locator('td').last();
  await today.waitFor();
  assert.equal((await today.innerText()).trim(), 'open');
  assert.match(await today.getAttribute('class') ?? '', /\bopen\b/);
});

const TERMINAL = 'ZONE0001';
/** A terminal whose clock is set to UTC (the server's zone is Asia/Riyadh) sends a punch made now. */
async function terminalPunch(pin: string): Promise<void> {
  const local = new Date().toISOString().slice(0, 19).replace('T', ' ');
  const r = await fetch(`${s.baseUrl}/iclock/cdata?SN=${TERMINAL}&table=ATTLOG&Stamp=9999`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `${pin}\t${local}\t0\t1\n` });
  assert.equal(r.status, 200);
}

test('Live: every time in the server zone, labelled; a terminal on another zone also shows its own clock, named', async () => {
  assert.equal((await fetch(`${s.baseUrl}/iclock/cdata?SN=${TERMINAL}&options=all&pushver=2.4.1`)).status, 200);
  assert.equal((await api().patch(`/api/v1/devices/${TERMINAL}`, { time_zone: 'UTC' })).status, 200);
  await signInAs(admin, 'live');
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  assert.match(await page.locator('.zone-note').innerText(), /Times are in Asia\/Riyadh/);
  assert.deepEqual((await page.locator('#live-punches thead th').allInnerTexts()).slice(0, 2), ['Time (Asia/Riyadh)', "On the terminal's clock"]);
  await terminalPunch('301');
  const row = page.locator('#live-punches tbody tr').first();
  await row.waitFor();
  const [shown, own] = await row.locator('td').evaluateAll((tds) => tds.slice(0, 2).map((td) => td.textContent ?? ''));
  const utc = new Date();
  // Riyadh is UTC+3: the same moment, three hours on.
  const riyadhHour = String((utc.getUTCHours() + 3) % 24).padStart(2, '0');
  assert.match(shown!, new RegExp(`^\\d{4}-\\d\\d-\\d\\d ${riyadhHour}:\\d\\d:\\d\\d$`));
  assert.match(own!, /^\d\d:\d\d:\d\d \(UTC\)$/);
  assert.equal(Number(shown!.slice(11, 13)), (Number(own!.slice(0, 2)) + 3) % 24);
});

test('Device page: status and diagnosis from one read, its times in the server zone; the default zone is named', async () => {
  await open('devices', 'Devices');
  await page.locator('.zone-note').filter({ hasText: 'Asia/Riyadh' }).waitFor();
  const headers = await page.locator('thead th').allInnerTexts();
  assert.ok(headers.includes('Last seen (Asia/Riyadh)'), headers.join('|'));
  assert.equal((await api().patch(`/api/v1/devices/${TERMINAL}`, { time_zone: null })).status, 200);
  await page.getByRole('row').filter({ hasText: TERMINAL }).getByText('default (Asia/Riyadh)').waitFor();
  await page.getByRole('link', { name: TERMINAL }).click();
  await page.getByRole('heading', { level: 1, name: `Device ${TERMINAL}` }).waitFor();
  const facts = page.locator('dl.facts');
  await facts.getByText('the default, Asia/Riyadh (ICLOCKD_TZ)').waitFor();
  const status = await facts.locator('dd').first().innerText();
  const diagnosis = await page.getByRole('heading', { level: 2, name: /^Diagnosis/ }).innerText();
  assert.match(status, /online/);
  assert.match(status, diagnosis === 'Diagnosis: delivering' ? /\bdelivering/ : /not delivering/);
  const findings = await page.locator('ul.findings li').allInnerTexts();
  assert.ok(findings.some((f) => /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Asia\/Riyadh/.test(f)), findings.join('\n'));
  assert.ok(findings.every((f) => !/ UTC\b/.test(f)), 'no UTC times in the diagnosis');
});

test('Device page: the display name is editable; block asks first', async () => {
  await page.getByLabel('Display name (alias; empty clears it)').fill('Front gate');
  await page.getByRole('button', { name: 'Save name' }).click();
  await page.getByRole('status').filter({ hasText: `${TERMINAL} is now called Front gate` }).waitFor();
  assert.equal((await api().get(`/api/v1/devices/${TERMINAL}`)).body.alias, 'Front gate');
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    void d.dismiss();
  });
  await page.getByRole('button', { name: 'Block' }).click();
  await sleep(300);
  assert.match(asked, /Block ZONE0001\?/);
  assert.equal((await api().get(`/api/v1/devices/${TERMINAL}`)).body.state, 'approved', 'dismissed: not blocked');
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Block' }).click();
  await page.getByRole('status').filter({ hasText: `${TERMINAL}: blocked` }).waitFor();
  assert.equal((await api().get(`/api/v1/devices/${TERMINAL}`)).body.state, 'blocked');
});

test('Shifts: a shift type is edited with its HRMS rules (late entry, early exit, margins)', async () => {
  await open('shifts', 'Shifts');
  await page.getByRole('button', { name: 'Edit Day' }).click();
  await page.getByRole('heading', { name: 'Change shift type Day' }).waitFor();
  assert.equal(await page.getByLabel('Start', { exact: true }).inputValue(), '09:00:00');
  await page.getByLabel('Mark late entry').selectOption('true');
  await page.getByLabel('Late entry grace (minutes)').fill('10');
  await page.getByLabel('Mark early exit').selectOption('true');
  await page.getByLabel('Early exit grace (minutes)').fill('5');
  await page.getByLabel('Check-in counts from (minutes before the start)').fill('90');
  await page.getByRole('button', { name: 'Save shift type' }).click();
  await page.getByRole('status').filter({ hasText: 'Shift type Day changed.' }).waitFor();
  const day = (await api().get('/api/v1/shift-types/Day')).body;
  assert.deepEqual(
    [day.enable_late_entry_marking, day.late_entry_grace_period, day.enable_early_exit_marking, day.early_exit_grace_period, day.begin_check_in_before_shift_start_time, day.start_time, day.enable_auto_attendance],
    [true, 10, true, 5, 90, '09:00:00', true],
  );
  await page.getByRole('row').filter({ hasText: 'on (10 min)' }).waitFor();
  // A new one from a cleared form: the rules are off unless chosen (the selects showed "on").
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Night');
  await page.getByLabel('Start', { exact: true }).fill('22:00:00');
  await page.getByLabel('End (before the start: ends the next day)').fill('06:00:00');
  await page.getByRole('button', { name: 'Save shift type' }).click();
  await page.getByRole('status').filter({ hasText: 'Shift type Night added.' }).waitFor();
  const night = (await api().get('/api/v1/shift-types/Night')).body;
  assert.deepEqual(
    [night.enable_auto_attendance, night.enable_late_entry_marking, night.enable_early_exit_marking, night.mark_auto_attendance_on_holidays, night.end_time],
    [true, false, false, false, '06:00:00'],
  );
});

test('Shifts: an assignment is ended, an overlapping one is refused with the API message, delete asks first', async () => {
  const id = (await api().get('/api/v1/shift-assignments?employee=R-1')).body.data[0].id as number;
  await page.getByLabel(`End date of assignment ${id}`).fill('2025-05-31');
  await page.getByRole('button', { name: `End assignment ${id}` }).click();
  await page.getByRole('status').filter({ hasText: `Assignment ${id} (R-1, Day) ends on 2025-05-31.` }).waitFor();
  assert.equal((await api().get('/api/v1/shift-assignments?employee=R-1')).body.data[0].end_date, '2025-05-31');
  // Overlapping the ended one: refused (409) with the API's message.
  await page.getByLabel('Find by name or id').fill('Rana');
  await page.getByLabel('Employee', { exact: true }).locator('option[value="R-1"]').waitFor({ state: 'attached' });
  await page.getByLabel('Employee', { exact: true }).selectOption('R-1');
  await page.getByLabel('Shift type', { exact: true }).fill('Day');
  await page.getByLabel('From', { exact: true }).fill('2025-05-20');
  await page.getByRole('button', { name: 'Assign shift' }).click();
  await page.locator('.notice.error').filter({ hasText: `R-1 already has an active shift assignment ${id} (Day) for some or all of these dates` }).waitFor();
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    void d.dismiss();
  });
  await page.getByRole('button', { name: `Delete assignment ${id}` }).click();
  await sleep(300);
  assert.match(asked, new RegExp(`Delete assignment ${id} \\(R-1, Day from 2025-05-01\\)\\?`));
  assert.equal((await api().get('/api/v1/shift-assignments?employee=R-1')).body.total, 1, 'dismissed: kept');
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: `Delete assignment ${id}` }).click();
  await page.getByRole('status').filter({ hasText: `Assignment ${id} deleted.` }).waitFor();
  assert.equal((await api().get('/api/v1/shift-assignments?employee=R-1')).body.total, 0);
  assert.deepEqual(browser.errors, [], 'no script errors on any page');
});
