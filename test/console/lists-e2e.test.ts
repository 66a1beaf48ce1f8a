// Issue 21, the lists, in a real headless Chromium (playwright-core, /usr/bin/chromium), at the
// size of a real site: 700 employees, 230 unmatched ids, 230 sync-log rows. The last employee
// is reachable by paging and by search; filters and page live in the URL (Back, reload); the
// employee picker finds one without listing everyone; giving an unmatched id to an employee
// who has one asks first; the save message is beside the form; at 390×844 the page is never
// wider than the screen.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { newRequestId } from '../../src/pipeline/syncLog.js';
import { NO_COUNTS } from '../../src/pipeline/syncLog.js';
import { type TestBrowser, launchBrowser, openPage, signIn } from '../helpers/browser.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

const EMPLOYEES = 700;
const UNMATCHED = 230;
const SYNC_ROWS = 230;
const TERMINALS = 60;
const ASSIGNMENTS = 60;
const pad = (n: number, width = 5) => String(n).padStart(width, '0');

let s: TestServer;
let api: ReturnType<typeof client>;
let admin: { key: string; secret: string };
let context: BrowserContext;
let page: Page;
let browser: TestBrowser;

/** Loads a console page afresh (not a hash change, which would leave the last page's heading up while the new one draws). */
const open = (hash: string, heading: string | RegExp) => openPage(page, s.baseUrl, hash, heading);

before(async () => {
  s = await startTestServer({ timeZone: 'UTC' });
  const created = await s.running.services.apiKeys.create('lists test', 'admin');
  admin = { key: created.apiKey, secret: created.secret };
  api = client(s, `token ${admin.key}:${admin.secret}`);
  const lines = ['employee,name,attendance_device_id'];
  for (let i = 1; i <= EMPLOYEES; i++) lines.push(`EMP-${pad(i)},Person ${i},${10_000 + i}`);
  const imported = await api.call('POST', '/api/v1/employees/import', `${lines.join('\n')}\n`, { 'content-type': 'text/csv' });
  assert.equal(imported.body.created, EMPLOYEES, JSON.stringify(imported.body).slice(0, 300));
  const ingest = client(s, await s.authHeader('ingest'));
  const logs = Array.from({ length: UNMATCHED }, (_, i) => ({ employee_id: `U${pad(i + 1, 4)}`, timestamp: `2025-06-02 09:${pad(i % 60, 2)}:00`, device_id: 'GATE-1', log_type: 'IN' }));
  assert.equal((await ingest.post('/api/v1/punches/bulk', { logs })).status, 200);
  // The terminal's user list names U0001 (as a simulated terminal names its users).
  await s.running.services.db.knex('device_users').insert({ device_serial: 'GATE-1', pin: 'U0001', name: 'Sim User 3', updated_at: '2025-06-01 00:00:00' });
  const now = Date.now();
  await Promise.all(
    Array.from({ length: SYNC_ROWS }, (_, i) =>
      s.running.services.syncLog.record({
        requestId: newRequestId(),
        channel: 'adms',
        endpoint: '/iclock/cdata?table=ATTLOG',
        device: i % 2 ? 'GATE-B' : 'GATE-A',
        remoteAddress: '10.0.0.9',
        receivedAt: new Date(now - i * 60_000),
        ok: i % 5 !== 0,
        counts: NO_COUNTS,
        error: i % 5 === 0 ? `bad line ${i}` : null,
        durationMs: 3,
      }),
    ),
  );
  // 60 terminals introduce themselves the way a terminal does (its first poll), one named by an alias.
  for (let i = 1; i <= TERMINALS; i++) {
    const hello = await fetch(`${s.baseUrl}/iclock/cdata?SN=TERM-${pad(i, 3)}&options=all&pushver=2.4.1`);
    assert.equal(hello.status, 200);
  }
  assert.equal((await api.call('PATCH', '/api/v1/devices/TERM-042', { alias: 'Loading bay' })).status, 200);
  // 60 shift assignments: more than a page.
  assert.equal((await api.post('/api/v1/shift-types', { name: 'Early', start_time: '06:00:00', end_time: '14:00:00' })).status, 201);
  for (let i = 1; i <= ASSIGNMENTS; i++) {
    const r = await api.post('/api/v1/shift-assignments', { employee: `EMP-${pad(i)}`, shift_type: 'Early', start_date: '2025-06-01' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  browser = await launchBrowser({ viewport: { width: 1366, height: 768 } });
  ({ context, page } = browser);
  await signIn(page, s.baseUrl, admin);
  await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
});

after(async () => {
  await browser?.close();
  await s?.stop();
});

test('employees: rows X–Y of 700, the last one reachable by paging; the page is in the URL (reload, Back)', async () => {
  await open('employees', 'Employees');
  const rows = page.getByRole('navigation', { name: 'Employee pages', exact: true }).locator('.rows');
  await rows.filter({ hasText: `Rows 1–50 of ${EMPLOYEES}` }).waitFor();
  await page.getByRole('navigation', { name: 'Employee pages', exact: true }).getByRole('button', { name: 'Last page' }).click();
  await page.getByRole('cell', { name: `EMP-${pad(EMPLOYEES)}`, exact: true }).waitFor();
  await rows.filter({ hasText: `Rows 651–700 of ${EMPLOYEES}` }).waitFor();
  assert.match(page.url(), /#\/employees\?page=14$/);
  // The keyboard stays on the pager after the page is drawn again.
  await page.waitForFunction(() => (globalThis as unknown as { document: { activeElement: { className: string } | null } }).document.activeElement?.className === 'rows');
  await page.reload();
  await page.getByRole('cell', { name: `EMP-${pad(EMPLOYEES)}`, exact: true }).waitFor();
  await page.getByRole('navigation', { name: 'Employee pages', exact: true }).getByRole('button', { name: 'Previous page' }).click();
  await rows.filter({ hasText: 'Rows 601–650' }).waitFor();
  await page.goBack();
  await rows.filter({ hasText: 'Rows 651–700' }).waitFor();
  assert.equal(await page.locator('main tbody tr').count(), 50);
  // The pager under the list: the next page is read from its top, where the keyboard now is.
  await page.getByRole('navigation', { name: 'Employee pages (bottom)' }).getByRole('button', { name: 'Previous page' }).click();
  await rows.filter({ hasText: 'Rows 601–650' }).waitFor();
  await page.waitForFunction(() => {
    const d = (globalThis as unknown as { document: { activeElement: { closest(s: string): { getAttribute(n: string): string | null } | null } | null } }).document;
    return d.activeElement?.closest('nav')?.getAttribute('aria-label') === 'Employee pages';
  });
  assert.ok((await page.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY)) < 400, 'the top of the list is in view');
});

test('employees: the last one found by search (id, name, device id), and the search survives reload', async () => {
  await open('employees', 'Employees');
  await page.getByLabel('Id, name or device id').fill(`Person ${EMPLOYEES}`);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('cell', { name: `EMP-${pad(EMPLOYEES)}`, exact: true }).waitFor();
  assert.equal(await page.locator('main tbody tr').count(), 1);
  assert.match(page.url(), /q=Person\+700/);
  await page.reload();
  await page.getByRole('cell', { name: `EMP-${pad(EMPLOYEES)}`, exact: true }).waitFor();
  assert.equal(await page.getByLabel('Id, name or device id').inputValue(), `Person ${EMPLOYEES}`);
  await page.getByLabel('Id, name or device id').fill(String(10_000 + 699));
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('cell', { name: 'EMP-00699', exact: true }).waitFor();
  assert.equal(await page.locator('main tbody tr').count(), 1);
});

test('employees: the picker finds one to change without listing everyone; the save message is beside the form', async () => {
  await open('employees', 'Employees');
  const form = page.getByRole('form', { name: 'Add or change an employee' });
  await form.getByLabel('Find by name or id').fill('EMP-00650');
  const select = form.getByLabel('Employee to change');
  await select.locator('option[value="EMP-00650"]').waitFor({ state: 'attached' });
  assert.ok((await select.locator('option').count()) <= 21, 'at most 20 suggestions');
  assert.equal(await select.inputValue(), 'EMP-00650', 'the only match is chosen');
  assert.equal(await form.getByLabel('Name', { exact: true }).inputValue(), 'Person 650');
  await form.getByLabel('Name', { exact: true }).fill('Person Six-Fifty');
  await form.getByRole('button', { name: 'Save employee' }).click();
  const saved = form.getByRole('status').filter({ hasText: 'EMP-00650 changed' });
  await saved.waitFor();
  const [button, message] = [await form.getByRole('button', { name: 'Save employee' }).boundingBox(), await saved.boundingBox()];
  assert.ok(button && message && Math.abs(message.y - button.y) < 200, `the message is next to the button (${button?.y}, ${message?.y})`);
  assert.equal((await api.get('/api/v1/employees/EMP-00650')).body.name, 'Person Six-Fifty');
  // Creating one works the same way.
  await form.getByLabel('Name', { exact: true }).fill('Newcomer Nadia');
  await form.getByRole('button', { name: 'Save employee' }).click();
  await form.getByRole('status').filter({ hasText: /EMP-\S+ added/ }).waitFor();
});

test('unmatched: 230 ids paged, pickers without 700 options, the new-employee name left empty', async () => {
  await open('unmatched', 'Unmatched punches');
  await page.locator('.pager .rows').first().filter({ hasText: `Rows 1–50 of ${UNMATCHED}` }).waitFor();
  const options = await page.locator('main select option').count();
  assert.ok(options <= 50 * 21, `${options} options on the page`);
  const names = await page.getByLabel('or a new employee named').evaluateAll((inputs) => inputs.map((i) => (i as unknown as { value: string }).value));
  assert.equal(names.length, 50);
  assert.ok(names.every((n) => n === ''), 'no name is filled in for the reader');
  await page.getByRole('navigation', { name: 'Unmatched id pages', exact: true }).getByRole('button', { name: 'Last page' }).click();
  await page.locator('.pager .rows').first().filter({ hasText: `Rows 201–230 of ${UNMATCHED}` }).waitFor();
  assert.match(page.url(), /#\/unmatched\?page=5$/);
  // The terminal's name for the user is a hint beside the empty name field, not a value.
  await page.getByLabel('Device user id').fill('U0001');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('1 unmatched id(s) matching “U0001”').waitFor();
  const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: 'Assign U0001', exact: true }) });
  await row.getByText('The terminal calls U0001 “Sim User 3”.').waitFor();
  assert.equal(await row.getByLabel('or a new employee named').inputValue(), '');
  assert.match(page.url(), /#\/unmatched\?q=U0001$/);
});

test('unmatched: giving an id to an employee who has one asks first, naming the old id', async () => {
  await open('unmatched', 'Unmatched punches');
  await page.getByLabel('Device user id').fill('U0230');
  await page.getByRole('button', { name: 'Search' }).click();
  // U0230 is on the first page too: wait for the search's own list.
  await page.getByText('1 unmatched id(s) matching “U0230”').waitFor();
  const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: 'Assign U0230', exact: true }) });
  await row.waitFor();
  assert.equal(await page.locator('main tbody tr').count(), 1);
  await row.getByLabel('Find by name or id').fill(`EMP-${pad(EMPLOYEES)}`);
  await row.getByLabel('Employee for U0230').locator(`option[value="EMP-${pad(EMPLOYEES)}"]`).waitFor({ state: 'attached' });
  assert.equal(await row.getByLabel('Employee for U0230').inputValue(), `EMP-${pad(EMPLOYEES)}`);
  const asked: string[] = [];
  page.once('dialog', (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await row.getByRole('button', { name: 'Assign U0230', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'U0230 was not assigned' }).waitFor();
  assert.match(asked[0]!, /already has attendance device id 10700/);
  assert.match(asked[0]!, /Punches on 10700 will then become unmatched/);
  assert.equal((await api.get(`/api/v1/employees/EMP-${pad(EMPLOYEES)}`)).body.attendance_device_id, '10700', 'nothing changed');
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Assign U0230', exact: true }).click();
  await page.getByRole('status').filter({ hasText: `U0230 is now Person ${EMPLOYEES} (EMP-${pad(EMPLOYEES)}) (it was 10700)` }).waitFor();
  assert.equal((await api.get(`/api/v1/employees/EMP-${pad(EMPLOYEES)}`)).body.attendance_device_id, 'U0230');
});

test('sync log: paged, and Back from an entry keeps the filters', async () => {
  await open('sync-log', 'Sync log');
  await page.getByLabel('Device').fill('GATE-B');
  await page.getByLabel('Status').selectOption('error');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.locator('p.summary').filter({ hasText: 'for GATE-B' }).waitFor();
  assert.match(page.url(), /device=GATE-B/);
  assert.match(page.url(), /status=error/);
  const errors = (await api.get('/api/v1/sync-log?device=GATE-B&status=error')).body.total;
  await page.locator('.pager .rows').first().filter({ hasText: ` of ${errors}` }).waitFor();
  await page.locator('main tbody tr').first().getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: /Sync log entry \d+/ }).waitFor();
  await page.goBack();
  await page.locator('p.summary').filter({ hasText: 'for GATE-B' }).waitFor();
  assert.equal(await page.getByLabel('Device').inputValue(), 'GATE-B');
  assert.equal(await page.getByLabel('Status').inputValue(), 'error');
  const devices = await page.locator('main tbody tr td:nth-child(5)').allInnerTexts();
  assert.ok(devices.length > 0 && devices.every((d) => d === 'GATE-B'));
  // The entry's own link back returns to the filtered list too.
  await page.locator('main tbody tr').first().getByRole('link').click();
  await page.getByRole('link', { name: '← Sync log' }).click();
  await page.locator('p.summary').filter({ hasText: 'for GATE-B' }).waitFor();
  assert.equal(await page.getByLabel('Status').inputValue(), 'error');
  // Every row is reachable: the last page of the unfiltered log (the 230, the bulk post, the terminals' first polls).
  const logged = SYNC_ROWS + 1 + TERMINALS;
  await page.getByLabel('Device').fill('');
  await page.getByLabel('Status').selectOption('');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.locator('.pager .rows').first().filter({ hasText: `Rows 1–50 of ${logged}` }).waitFor();
  await page.getByRole('navigation', { name: 'Sync log pages', exact: true }).getByRole('button', { name: 'Last page' }).click();
  await page.locator('.pager .rows').first().filter({ hasText: `Rows ${Math.floor((logged - 1) / 50) * 50 + 1}–${logged} of ${logged}` }).waitFor();
});

test('devices: 60 terminals paged, the last reachable; found by serial or display name; filters in the URL', async () => {
  await open('devices', 'Devices');
  const pages = page.getByRole('navigation', { name: 'Device pages', exact: true });
  await pages.locator('.rows').filter({ hasText: `Rows 1–50 of ${TERMINALS}` }).waitFor();
  await pages.getByRole('button', { name: 'Last page' }).click();
  await page.getByRole('link', { name: `TERM-${pad(TERMINALS, 3)}`, exact: true }).waitFor();
  await pages.locator('.rows').filter({ hasText: `Rows 51–60 of ${TERMINALS}` }).waitFor();
  assert.match(page.url(), /#\/devices\?page=2$/);
  await page.goBack();
  await pages.locator('.rows').filter({ hasText: `Rows 1–50 of ${TERMINALS}` }).waitFor();
  const search = page.getByRole('search', { name: 'Find devices' });
  await search.getByLabel('Serial or display name').fill('loading');
  await search.getByRole('button', { name: 'Show' }).click();
  // TERM-042 is on the first page too: wait for the search's own list.
  await page.getByText('1 terminal(s) matching “loading”').waitFor();
  await page.getByRole('link', { name: 'TERM-042', exact: true }).waitFor();
  assert.equal(await page.locator('main tbody tr').count(), 1);
  assert.match(page.url(), /#\/devices\?q=loading$/);
  await search.getByLabel('Serial or display name').fill('TERM-05');
  await search.getByLabel('State').selectOption('pending');
  await search.getByRole('button', { name: 'Show' }).click();
  await page.getByText('10 terminal(s) matching “TERM-05”, pending').waitFor();
  await page.reload();
  await page.getByText('10 terminal(s) matching “TERM-05”, pending').waitFor();
  assert.equal(await page.getByRole('search', { name: 'Find devices' }).getByLabel('State').inputValue(), 'pending');
});

test('shifts: 60 assignments paged; one employee\'s found by search; shift types offered as typed', async () => {
  await open('shifts', 'Shifts');
  const pages = page.getByRole('navigation', { name: 'Assignment pages', exact: true });
  await pages.locator('.rows').filter({ hasText: `Rows 1–50 of ${ASSIGNMENTS}` }).waitFor();
  await pages.getByRole('button', { name: 'Next page' }).click();
  await pages.locator('.rows').filter({ hasText: `Rows 51–60 of ${ASSIGNMENTS}` }).waitFor();
  assert.match(page.url(), /#\/shifts\?page=2$/);
  const filter = page.getByRole('search', { name: 'Find assignments' });
  await filter.getByLabel('Find whose assignments (name or id)').fill('EMP-00057');
  await filter.getByText('1 match.').waitFor();
  await filter.getByRole('button', { name: 'Show assignments' }).click();
  await page.getByText(`1 assignment(s) of EMP-00057`).waitFor();
  assert.match(page.url(), /#\/shifts\?employee=EMP-00057$/);
  await page.reload();
  await page.getByText(`1 assignment(s) of EMP-00057`).waitFor();
  assert.equal(await page.getByRole('search', { name: 'Find assignments' }).getByLabel('Assignments of').inputValue(), 'EMP-00057');
  const offered = await page.locator('#shift-type-names option').evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
  assert.deepEqual(offered, ['Early']);
  assert.equal(await page.getByLabel('Shift type', { exact: true }).getAttribute('list'), 'shift-type-names');
});

test('at 390×844 no page is wider than the screen; its tables scroll in their box', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [hash, heading] of [
    ['devices', 'Devices'],
    ['devices/TERM-001', 'Device TERM-001'],
    ['live', 'Live'],
    ['punches', 'Punches'],
    ['checkins', 'Check-ins'],
    ['attendance', 'Attendance'],
    ['employees', 'Employees'],
    ['unmatched', 'Unmatched punches'],
    ['shifts', 'Shifts'],
    ['sync-log', 'Sync log'],
    ['keys', 'API keys'],
  ] as const) {
    await open(hash, heading);
    await page.waitForLoadState('networkidle').catch(() => undefined);
    const width = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
    // What sticks out, to say in the message: the outermost elements reaching past the screen's edge.
    const past = width <= 390 ? [] : await page.locator('body *').evaluateAll((all) =>
      all
        .filter((e) => e.getBoundingClientRect().right > 390 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > 390))
        .slice(0, 5)
        .map((e) => `${e.tagName.toLowerCase()}${e.className ? `.${String(e.className).replace(/ /g, '.')}` : ''} (${Math.round(e.getBoundingClientRect().right)} px)`),
    );
    assert.ok(width <= 390, `${hash}: the page is ${width} px wide: ${past.join(', ')}`);
    // An optional part left out is never drawn as a word.
    assert.doesNotMatch(await page.locator('main').innerText(), /\bnull\b|\bundefined\b|\bNaN\b|\[object Object\]/, `${hash}: a missing value is shown as a word`);
    const boxes = await page.locator('main .table-scroll, main .scroll').evaluateAll((all) =>
      all.map((b) => ({ scroll: (b as unknown as { scrollWidth: number }).scrollWidth, client: (b as unknown as { clientWidth: number }).clientWidth, table: (b as unknown as { querySelector(s: string): unknown }).querySelector('table') !== null })),
    );
    for (const box of boxes) assert.ok(box.client <= 390, `${hash}: a table box is ${box.client} px wide`);
    if (['devices', 'punches', 'employees', 'unmatched', 'shifts', 'sync-log', 'keys', 'attendance'].includes(hash)) {
      assert.ok(boxes.some((b) => b.table && b.scroll > b.client), `${hash}: its table scrolls inside its box`);
    }
  }
  await page.setViewportSize({ width: 1366, height: 768 });
});

test('no script errors', () => {
  assert.deepEqual(browser.errors, []);
});
