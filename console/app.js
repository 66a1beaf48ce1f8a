// The iclockd web console: a small single-page front end without a build step. Each page is a
// module under pages/ that renders into <main> from the admin API (/api/v1), called with the
// session cookie and the X-Requested-With header the server requires of cookie requests.
import { devicePage, devicesPage } from './pages/devices.js';
import { livePage } from './pages/live.js';
import { unmatchedPage } from './pages/unmatched.js';
import { syncEntryPage, syncLogPage } from './pages/synclog.js';
import { employeesPage } from './pages/employees.js';
import { shiftsPage } from './pages/shifts.js';
import { attendancePage } from './pages/attendance.js';
import { keysPage } from './pages/keys.js';
import { api, ApiError, el, session } from './lib.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const logout = document.getElementById('logout');

/** Hash routes: #/devices, #/devices/SN, #/sync-log/ID, … */
const ROUTES = [
  [/^devices$/, devicesPage, 'Devices'],
  [/^devices\/(.+)$/, devicePage, 'Device'],
  [/^live$/, livePage, 'Live'],
  [/^unmatched$/, unmatchedPage, 'Unmatched punches'],
  [/^sync-log$/, syncLogPage, 'Sync log'],
  [/^sync-log\/(\d+)$/, syncEntryPage, 'Sync log entry'],
  [/^employees$/, employeesPage, 'Employees'],
  [/^shifts$/, shiftsPage, 'Shifts'],
  [/^attendance$/, attendancePage, 'Attendance'],
  [/^keys$/, keysPage, 'API keys'],
];

/** What the current page asked to run when it is left (close a live feed, stop a timer). */
let leave = null;

function loginPage(reason) {
  nav.hidden = true;
  logout.hidden = true;
  who.textContent = '';
  const status = el('p', { role: 'alert', class: 'error' }, reason || '');
  const form = el(
    'form',
    { class: 'login', 'aria-labelledby': 'login-title' },
    el('h1', { id: 'login-title' }, 'Sign in to iclockd'),
    el('p', {}, 'Use an admin API key and its secret (', el('code', {}, 'iclockd keys create --role admin'), ').'),
    el('label', { for: 'api-key' }, 'API key'),
    el('input', { id: 'api-key', name: 'api_key', autocomplete: 'username', required: true, spellcheck: 'false' }),
    el('label', { for: 'api-secret' }, 'Secret'),
    el('input', { id: 'api-secret', name: 'api_secret', type: 'password', autocomplete: 'current-password', required: true }),
    el('button', { type: 'submit' }, 'Sign in'),
    status,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    status.textContent = '';
    try {
      await api('POST', '/session', { api_key: form.api_key.value, api_secret: form.api_secret.value });
      if (!location.hash || location.hash === '#/login') location.hash = '#/devices';
      await route();
    } catch (err) {
      status.textContent = err.message;
    }
  });
  main.replaceChildren(form);
  form.api_key.focus();
}

async function route() {
  if (leave) {
    leave();
    leave = null;
  }
  try {
    Object.assign(session, await api('GET', '/session'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return loginPage();
    main.replaceChildren(el('p', { role: 'alert', class: 'error' }, `The server did not answer: ${err.message}`));
    return;
  }
  nav.hidden = false;
  logout.hidden = false;
  who.textContent = `${session.label} (${session.api_key})`;
  const path = location.hash.replace(/^#\/?/, '') || 'devices';
  const found = ROUTES.map(([re, page, title]) => [path.match(re), page, title]).find(([m]) => m);
  for (const a of nav.querySelectorAll('a')) {
    const current = found && path.split('/')[0] === a.getAttribute('href').slice(2);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!found) {
    main.replaceChildren(el('h1', {}, 'Not found'), el('p', {}, 'No such page. ', el('a', { href: '#/devices' }, 'Devices')));
    return;
  }
  const [match, page, title] = found;
  document.title = `${title} · iclockd`;
  main.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
  try {
    leave = (await page(main, ...match.slice(1).map(decodeURIComponent))) || null;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return loginPage('Your session has ended; sign in again.');
    main.replaceChildren(el('h1', {}, title), el('p', { role: 'alert', class: 'error' }, err.message));
  }
}

logout.addEventListener('click', async () => {
  try {
    await api('DELETE', '/session');
  } finally {
    loginPage('Signed out.');
  }
});

window.addEventListener('hashchange', route);
route();
