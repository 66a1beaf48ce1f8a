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
import { punchesPage } from './pages/punches.js';
import { checkinsPage } from './pages/checkins.js';
import { api, ApiError, el, onSessionEnd, session, show } from './lib.js';
import { stopAll } from './refresh.js';

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
  [/^punches$/, punchesPage, 'Punches'],
  [/^checkins$/, checkinsPage, 'Check-ins'],
  [/^keys$/, keysPage, 'API keys'],
];

/** What the current page asked to run when it is left (close a live feed, stop a timer). */
let leave = null;
/** Whether a session is on: a 401 then means it has ended (expired, signed out elsewhere, key revoked). */
let signedIn = false;
/** Counts routes and session ends: a page still loading when either happens is left at once. */
let generation = 0;

const ENDED = 'Your session has ended (it expired, was signed out elsewhere, or its API key was revoked). Sign in again.';

/** Leaves the current page: closes its live feed and stops every refresh timer. */
function leavePage() {
  generation++;
  const stop = leave;
  leave = null;
  try {
    stop?.();
  } finally {
    stopAll();
  }
}

/** The session is over: nothing keeps running, and the reader is asked to sign in with `reason`. */
function endSession(reason) {
  signedIn = false;
  leavePage();
  Object.assign(session, { api_key: '', label: '', role: '' });
  loginPage(reason);
}

onSessionEnd(() => {
  if (signedIn) endSession(ENDED);
});
// A 401 in a button's handler has already ended the session; it is no uncaught error.
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof ApiError && e.reason.status === 401) e.preventDefault();
});

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
  show(main, form);
  form.api_key.focus();
}

/** The path of the page drawn last (without its '?' parameters). */
let shownPath = '';

async function route() {
  leavePage();
  const mine = generation;
  try {
    Object.assign(session, await api('GET', '/session'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      if (mine === generation) loginPage(signedIn ? ENDED : '');
      signedIn = false;
      return;
    }
    show(main, el('p', { role: 'alert', class: 'error' }, `The server did not answer: ${err.message}`));
    return;
  }
  if (mine !== generation) return;
  signedIn = true;
  nav.hidden = false;
  logout.hidden = false;
  who.textContent = `${session.label} (${session.api_key})`;
  // A list keeps its filters and page after a '?' (#/employees?q=amal&page=2): the page reads them.
  const path = location.hash.replace(/^#\/?/, '').split('?')[0] || 'devices';
  const found = ROUTES.map(([re, page, title]) => [path.match(re), page, title]).find(([m]) => m);
  for (const a of nav.querySelectorAll('a')) {
    const current = found && path.split('/')[0] === a.getAttribute('href').slice(2);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!found) {
    show(main, el('h1', {}, 'Not found'), el('p', {}, 'No such page. ', el('a', { href: '#/devices' }, 'Devices')));
    return;
  }
  const [match, page, title] = found;
  document.title = `${title} · iclockd`;
  // Another page starts at its top; the same list with other filters or page keeps its place.
  if (path !== shownPath) window.scrollTo(0, 0);
  shownPath = path;
  // Each page draws into its own box: one still loading when the session ends draws nowhere.
  const view = el('div', { class: 'view' }, el('p', { class: 'muted' }, 'Loading…'));
  show(main, view);
  try {
    const stop = (await page(view, ...match.slice(1).map(decodeURIComponent))) || null;
    if (mine === generation) leave = stop;
    else stop?.();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      if (signedIn) endSession(ENDED);
      return;
    }
    if (mine === generation) show(view, el('h1', {}, title), el('p', { role: 'alert', class: 'error' }, err.message));
  }
}

logout.addEventListener('click', async () => {
  // Nothing may keep running while (or after) the server ends the session.
  signedIn = false;
  leavePage();
  let message = 'Signed out.';
  try {
    await api('DELETE', '/session');
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) message = `Signed out here, but the server did not confirm it (${err.message}); the session ends by itself when it expires.`;
  }
  endSession(message);
});

window.addEventListener('hashchange', route);
route();
