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
