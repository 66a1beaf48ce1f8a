// What every page uses: the API client, a tiny DOM builder, tables, forms and formatting.

/** Who is signed in and the server's zone (filled from GET /api/v1/session). */
export const session = { api_key: '', label: '', role: '', time_zone: 'UTC' };

export class ApiError extends Error {
  constructor(status, body) {
    super(body && typeof body.error === 'string' ? body.error : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** Told when a call is refused with 401 (the session ended): app.js sends the reader to sign in. */
let sessionEnded = () => {};
export function onSessionEnd(fn) {
  sessionEnded = fn;
}

/** Calls the admin API; JSON in and out. The cookie signs it; the header proves it is us (CSRF). */
export async function api(method, path, body, type) {
  const headers = { 'X-Requested-With': 'iclockd-console', Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = type || 'application/json';
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : type ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { error: text };
  }
  if (!res.ok) {
    const err = new ApiError(res.status, parsed);
    // A refused sign-in is not the end of a session.
    if (res.status === 401 && !(method === 'POST' && path === '/session')) sessionEnded(err);
    throw err;
  }
  return parsed;
}

/** A query string from the non-empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** el('a', {href: '#'}, 'text', child…): attributes, event handlers (on…) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

/**
 * Puts `children` in `node` in place of what it held. Unlike node.replaceChildren, a child that
 * is null, undefined or false (an optional part left out) is skipped, never shown as "null".
 */
export function show(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

/** A table with a caption, column headers and one row per item. */
export function table(caption, headers, rows, empty = 'Nothing to show.') {
  if (rows.length === 0) return el('p', { class: 'muted' }, empty);
  return el(
    'table',
    {},
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c) => el('td', {}, c))))),
  );
}

/** A labelled input; `options` makes it a select. */
export function field(label, name, attrs = {}, options) {
  const id = `f-${name}-${Math.random().toString(36).slice(2, 7)}`;
  const input = options
    ? el('select', { id, name, ...attrs }, options.map(([value, text]) => el('option', { value, selected: String(attrs.value ?? '') === String(value) }, text)))
    : el('input', { id, name, ...attrs });
  return el('div', { class: 'field' }, el('label', { for: id }, label), input);
}

/** A status word with its colour (the colour is never the only signal). */
export function badge(text, kind) {
  return el('span', { class: `badge ${kind || text.toLowerCase().replace(/[^a-z]+/g, '-')}` }, text);
}

/** A live region for the outcome of an action. */
export function notice() {
  const p = el('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  p.show = (text, error = false) => {
    p.textContent = text;
    p.className = error ? 'notice error' : 'notice ok';
  };
  return p;
}

/** Runs an action from a button or form, reporting success or the API's error in `note`. */
export async function act(note, work) {
  try {
    const message = await work();
    if (message) note.show(message);
    return true;
  } catch (err) {
    note.show(err.message, true);
    return false;
  }
}

/** An instant (ISO) as wall time in the server's zone: 2026-12-01 14:05:09. */
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: session.time_zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** Today (or `days` from today) as YYYY-MM-DD in the server's zone. */
export function day(days = 0) {
  return when(new Date(Date.now() + days * 86_400_000).toISOString()).slice(0, 10);
}

/** A page heading and an optional intro line. */
export function heading(title, intro) {
  return intro ? [el('h1', {}, title), el('p', { class: 'intro' }, intro)] : [el('h1', {}, title)];
}

/** A definition list from [term, value] pairs. */
export function facts(pairs) {
  return el('dl', { class: 'facts' }, pairs.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
}

// --- Lists: state in the URL hash, page controls, tables that scroll inside their box ---

/** The current route's parameters: #/employees?q=amal&page=2 → {q: 'amal', page: '2'}. */
export function hashParams() {
  const hash = location.hash;
  const at = hash.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
}

/**
 * Puts a list's filters and page in the URL hash (so Back/Forward and reload keep them): the
 * router then draws the page again from the hash. Returns false when the hash is already that
 * one (no hashchange comes): the caller loads again itself.
 */
export function setHashParams(params) {
  const path = location.hash.replace(/^#\/?/, '').split('?')[0];
  const next = `#/${path}${query(params)}`;
  if (next === location.hash) return false;
  location.hash = next;
  return true;
}

/** A whole page number from a hash parameter (1 when absent or wrong). */
export function pageParam(value) {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** A wide table in a box that scrolls sideways by itself: the page stays as wide as the screen. */
export function scrollBox(content, label) {
  // Focusable so a keyboard can scroll it; named for screen readers.
  return el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': label }, content);
}

/**
 * Page controls for a list reply {total, page, page_size, data}: "Rows 51–100 of 700" and
 * First / Previous / Next / Last, which call `go(page)`.
 */
/** The pager whose button was pressed: the page drawn next puts the focus back on it. */
let pagerUsed = '';

export function pager(reply, go, label = 'Pages') {
  const pages = Math.max(1, Math.ceil(reply.total / reply.page_size));
  const first = reply.data.length ? (reply.page - 1) * reply.page_size + 1 : 0;
  const last = reply.data.length ? first + reply.data.length - 1 : 0;
  const button = (text, page, name) =>
    el('button', {
      type: 'button',
      class: 'page',
      disabled: page === reply.page || page < 1 || page > pages,
      'aria-label': name,
      onclick: () => {
        // From the pager under a list, the next page is read from its top: the top pager takes the focus.
        pagerUsed = label.replace(/ \(bottom\)$/, '');
        go(page);
      },
    }, text);
  const rows = reply.total === 0 ? 'No rows' : first ? `Rows ${first}–${last} of ${reply.total}` : `No rows on page ${reply.page}; ${reply.total} in all`;
  const counted = el('span', { class: 'rows', role: 'status', tabindex: '-1' }, rows);
  if (pagerUsed === label) {
    // Drawn after a page change (the router draws the page again): the keyboard stays here.
    pagerUsed = '';
    setTimeout(() => counted.isConnected && counted.focus());
  }
  return el(
    'nav',
    { class: 'pager', 'aria-label': label },
    counted,
    button('« First', 1, 'First page'),
    button('‹ Previous', reply.page - 1, 'Previous page'),
    el('span', { class: 'page-of' }, `Page ${reply.page} of ${pages}`),
    button('Next ›', reply.page + 1, 'Next page'),
    button('Last »', pages, 'Last page'),
  );
}

let pickers = 0;

/** How an employee reads in a picker: "Amal Haddad (EMP-00012, device id 1001)". */
function employeeText(e) {
  return `${e.name} (${e.employee}${e.attendance_device_id ? `, device id ${e.attendance_device_id}` : ''}${e.status === 'Active' ? '' : `, ${e.status}`})`;
}

/**
 * An employee picker: a search box and a small list of the employees matching what is typed
 * (id, name or biometric id; at most `limit`, from GET /employees?q=…), never a list of everyone.
 * The select (named `name`, labelled `label`) holds the chosen employee id. `initial`: a list
 * reply to offer before anything is typed (one request shared by many pickers). `onPick(e)`
 * is called when an employee is chosen; `searchLabel` names the search box (two pickers on a page
 * need two names). Returns the element; `.select` is the select, `.clear()`
 * empties it.
 */
export function employeePicker(label, name = 'employee', { onPick, limit = 20, initial = null, none = 'choose an employee…', searchLabel = 'Find by name or id' } = {}) {
  const id = `pick-${++pickers}`;
  const search = el('input', { id: `${id}-q`, type: 'search', autocomplete: 'off', spellcheck: 'false', placeholder: 'name, id or device id', 'aria-controls': id });
  const select = el('select', { id, name });
  const count = el('span', { class: 'picked', 'aria-live': 'polite' });
  let shown = new Map();
  let timer = null;
  let asked = 0;
  function offer(reply, typed) {
    const keep = select.value;
    shown = new Map(reply.data.map((e) => [e.employee, e]));
    show(select, el('option', { value: '' }, none), ...reply.data.map((e) => el('option', { value: e.employee }, employeeText(e))));
    if (shown.has(keep)) select.value = keep;
    else if (typed && reply.data.length === 1) {
      select.value = reply.data[0].employee;
      picked();
    }
    count.textContent = typed
      ? reply.total === 0
        ? 'No employee matches.'
        : reply.total > reply.data.length
          ? `${reply.total} match; the first ${reply.data.length} are listed, type more to narrow.`
          : `${reply.total} match.`
      : reply.total > reply.data.length
        ? `${reply.total} employees: type to find one.`
        : '';
  }
  async function find() {
    const text = search.value.trim();
    const mine = ++asked;
    const reply = await api('GET', `/employees${query({ q: text, page_size: limit })}`).catch((err) => {
      count.textContent = `Could not search: ${err.message}`;
      return null;
    });
    if (reply && mine === asked) offer(reply, text !== '');
  }
  function picked() {
    const e = shown.get(select.value);
    if (e && onPick) onPick(e);
  }
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(find, 200);
  });
  // Enter in the search box searches now; it does not submit the form around it.
  search.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    clearTimeout(timer);
    find();
  });
  select.addEventListener('change', picked);
  select.append(el('option', { value: '' }, none));
  // The shared first suggestions, unless a search has already answered.
  if (initial) Promise.resolve(initial).then((reply) => reply && asked === 0 && offer(reply, false), () => undefined);
  const box = el(
    'div',
    { class: 'picker' },
    el('div', { class: 'field' }, el('label', { for: search.id }, searchLabel), search),
    el('div', { class: 'field' }, el('label', { for: id }, label), select),
    count,
  );
  box.select = select;
  /** Shows `employee` (an id, e.g. from the URL) as chosen, named once the server says who it is. */
  box.choose = (employee) => {
    if (!employee) return;
    const option = el('option', { value: employee }, employee);
    select.append(option);
    select.value = employee;
    api('GET', `/employees/${encodeURIComponent(employee)}`).then((e) => {
      shown.set(e.employee, e);
      option.textContent = employeeText(e);
    }, () => {
      option.textContent = `${employee} (no such employee)`;
    });
  };
  box.clear = () => {
    search.value = '';
    select.value = '';
  };
  return box;
}
