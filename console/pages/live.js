// Live: punches as this instance ingests them (server-sent events), and punches per hour today
// against the same weekday last week.
import { api, badge, el, heading, scrollBox, session, show, when } from '../lib.js';
import { every, staleNotice, track } from '../refresh.js';

const KEEP = 200;

function hourlyChart(c) {
  const w = 720;
  const h = 160;
  const max = Math.max(1, ...c.hours.flatMap((x) => [x.punches, x.compare]));
  const slot = w / 24;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${h + 18}`);
  svg.setAttribute('class', 'hourly');
  svg.setAttribute('role', 'img');
  const total = (k) => c.hours.reduce((s, x) => s + x[k], 0);
  svg.setAttribute('aria-label', `${total('punches')} punches on ${c.date}, ${total('compare')} on ${c.compare_date}, by hour (${c.time_zone}).`);
  const add = (tag, attrs, text) => {
    const n = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = text;
    svg.append(n);
    return n;
  };
  c.hours.forEach((x, i) => {
    const bar = (value, dx, cls, label) => {
      const bh = (value / max) * h;
      const r = add('rect', { x: i * slot + dx, y: h - bh, width: slot / 2 - 2, height: bh, class: cls });
      const t = document.createElementNS(ns, 'title');
      t.textContent = `${String(x.hour).padStart(2, '0')}:00 ${label}: ${value}`;
      r.append(t);
    };
    bar(x.compare, 1, 'before', c.compare_date);
    bar(x.punches, slot / 2, 'today', c.date);
    if (i % 3 === 0) add('text', { x: i * slot + 2, y: h + 14, class: 'axis' }, String(x.hour).padStart(2, '0'));
  });
  return el(
    'figure',
    { class: 'chart' },
    svg,
    el('figcaption', {}, el('span', { class: 'key today' }, `${c.date}: ${total('punches')}`), ' ', el('span', { class: 'key before' }, `${c.compare_date} (same weekday last week): ${total('compare')}`), ` — punches per hour, ${c.time_zone}.`),
  );
}

function outcomeBadge(outcome) {
  return badge(outcome, outcome === 'created' ? 'ok' : outcome === 'duplicate' ? 'neutral' : 'warn');
}

export async function livePage(main) {
  const state = el('p', { class: 'muted', role: 'status' }, 'Connecting…');
  const rows = el('tbody');
  const feed = el(
    'table',
    { id: 'live-punches' },
    el('caption', {}, 'Latest punches first (the last 200)'),
    el('thead', {}, el('tr', {}, [`Time (${session.time_zone})`, "On the terminal's clock", 'Employee', 'Device user id', 'Device', 'Type', 'Outcome', 'Check-in'].map((t) => el('th', { scope: 'col' }, t)))),
    rows,
  );
  const chart = el('div');
  async function loadChart() {
    show(chart, hourlyChart(await api('GET', '/stats/punches-per-hour')));
  }
  const stale = staleNotice();
  let chartTimer = null;
  const source = new EventSource('/api/v1/events/punches');
  const closeFeed = track(() => {
    source.close();
    clearTimeout(chartTimer);
  });
  source.addEventListener('open', () => {
    state.textContent = 'Connected: new punches appear below as this server stores them.';
  });
  source.addEventListener('error', () => {
    if (source.readyState !== EventSource.CLOSED) {
      state.textContent = 'Disconnected; reconnecting…';
      return;
    }
    // The browser gave up (the server refused the feed): a 401 here ends the session (app.js).
    state.textContent = 'The live feed was refused by the server; reload the page to try again.';
    api('GET', '/session').catch(() => {});
  });
  source.addEventListener('punch', (e) => {
    const p = JSON.parse(e.data);
    rows.prepend(
      el(
        'tr',
        { 'data-outcome': p.outcome },
        el('td', {}, when(p.time)),
        // The terminal's own wall time only where it differs from the server's zone, labelled.
        el('td', {}, p.time_zone === session.time_zone ? 'same' : `${p.local_time.slice(11)} (${p.time_zone})`),
        el('td', {}, p.employee ? `${p.employee_name} (${p.employee})` : '—'),
        el('td', {}, p.device_user_id),
        el('td', {}, p.device),
        el('td', {}, p.log_type),
        el('td', {}, outcomeBadge(p.outcome)),
        el('td', {}, p.checkin_id || '—'),
      ),
    );
    while (rows.children.length > KEEP) rows.lastChild.remove();
    // Redraw the chart soon after a burst, not on every punch.
    chartTimer ??= setTimeout(() => {
      chartTimer = null;
      loadChart().then(stale.ok, (err) => stale.failed(err));
    }, 2000);
  });
  show(main, 
    ...heading('Live', 'Punches as this instance of iclockd ingests them (with several instances, each shows its own). Outcome: created (a check-in), duplicate (a resend), unmatched (no employee has the id), inactive, suspect_time.'),
    el('p', { class: 'zone-note' }, `Times are in ${session.time_zone} (the server's zone, ICLOCKD_TZ); a terminal set to another zone also shows its own clock's time, named.`),
    stale,
    el('section', { 'aria-labelledby': 'chart-title' }, el('h2', { id: 'chart-title' }, 'Punches per hour'), chart),
    el('section', { 'aria-labelledby': 'feed-title' }, el('h2', { id: 'feed-title' }, 'Punches as they arrive'), state, scrollBox(feed, 'Punches as they arrive')),
  );
  try {
    await loadChart();
  } catch (err) {
    closeFeed();
    throw err;
  }
  const stopChart = every(60_000, loadChart, stale);
  return () => {
    closeFeed();
    stopChart();
  };
}

