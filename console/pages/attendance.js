// Attendance: employees × days, each day named by its status with the hours worked; a record
// that is not final yet (the shift is running, or not closed) is drawn dashed and marked ~, a
// day without a record that is not over yet is open (absences are written only once the day
// after the shift has begun), and H is a holiday without a record (from the holiday lists).
// Clicking a day shows its records (shift, in/out, hours, late/early, status, final or not).
// Employees are paged on the server; a range longer than the grid shows is paged by days.
// Every time is in the server's zone (ICLOCKD_TZ), named on the page.
import { api, day, el, field, heading, query, session, show, when } from '../lib.js';

const SHORT = { Present: 'P', 'Half Day': 'HD', Absent: 'A', 'On Leave': 'L', 'Work From Home': 'WFH' };
/** The most days the grid shows at once; a longer range is paged by this many. */
export const MAX_DAYS = 31;
const PAGE_SIZE = Number(new URLSearchParams(location.search).get('employees')) || 25;

function daysBetween(from, to) {
  const out = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d = new Date(d.getTime() + 86_400_000)) out.push(d.toISOString().slice(0, 10));
  return out;
}

/** HH:MM of an instant in the server's zone. */
const hm = (iso) => (iso ? when(iso).slice(11, 16) : '—');

function describe(a) {
  return [
    `${a.status}${a.shift ? `, ${a.shift}` : ''}`,
    `in ${hm(a.in_time)}, out ${hm(a.out_time)}`,
    `${Number(a.working_hours).toFixed(1)} h`,
    a.late_entry ? 'late entry' : null,
    a.early_exit ? 'early exit' : null,
    a.finalized ? 'final' : 'provisional (may still change)',
  ]
    .filter(Boolean)
    .join(', ');
}

export async function attendancePage(main) {
  const form = el(
    'form',
    { class: 'filters', 'aria-label': 'Attendance range', novalidate: true },
    field('From', 'from', { type: 'date', value: day(-6), required: true }),
    field('To', 'to', { type: 'date', value: day(), required: true }),
    field('Employees', 'status', {}, [['Active', 'active'], ['', 'all']]),
    el('button', { type: 'submit' }, 'Show'),
  );
  const message = el('p', { role: 'alert', class: 'error' });
  const exportLink = el('a', { class: 'button', id: 'export-csv', download: '' }, 'Export CSV');
  const zoneNote = el('p', { class: 'zone-note' });
  const grid = el('div', { class: 'scroll' });
  const pager = el('nav', { class: 'actions', 'aria-label': 'Attendance pages' });
  const detail = el('section', { id: 'day-detail', 'aria-live': 'polite', 'aria-label': 'Day detail' });
  const state = { page: 1, offset: 0 };

  function showDetail(name, id, d, records, holiday) {
    show(detail, 
      el('h2', { tabindex: '-1' }, `${name} (${id}) on ${d}`),
      holiday ? el('p', {}, `Holiday: ${holiday.description || ''} (${holiday.holiday_list})`) : null,
      records.length
        ? el(
            'table',
            { class: 'detail' },
            el('caption', {}, `Records of the day, one per shift; times in ${session.time_zone}.`),
            el('thead', {}, el('tr', {}, ['Shift', 'In', 'Out', 'Hours', 'Late entry', 'Early exit', 'Status', 'Final'].map((h) => el('th', { scope: 'col' }, h)))),
            el(
              'tbody',
              {},
              records.map((a) =>
                el(
                  'tr',
                  {},
                  [a.shift || '—', a.in_time ? when(a.in_time) : '—', a.out_time ? when(a.out_time) : '—', Number(a.working_hours).toFixed(2), a.late_entry ? 'yes' : 'no', a.early_exit ? 'yes' : 'no', a.status, a.finalized ? 'final' : 'provisional'].map((c) => el('td', {}, c)),
                ),
              ),
            ),
          )
        : el('p', {}, 'No attendance record for this day.'),
    );
    detail.querySelector('h2').focus();
  }

  async function load() {
    const from = form.from.value;
    const to = form.to.value;
    message.textContent = '';
    if (!from || !to) {
      message.textContent = 'Give both From and To.';
      show(grid);
      show(pager);
      return;
    }
    if (from > to) {
      message.textContent = `From (${from}) is after To (${to}): nothing to show. Choose a From on or before To.`;
      show(grid);
      show(pager);
      exportLink.removeAttribute('href');
      return;
    }
    exportLink.href = `/api/v1/attendance/summary${query({ from, to, format: 'csv' })}`;
    const all = daysBetween(from, to);
    state.offset = Math.min(state.offset, Math.floor((all.length - 1) / MAX_DAYS) * MAX_DAYS);
    const days = all.slice(state.offset, state.offset + MAX_DAYS);
    const first = days[0];
    const last = days.at(-1);
    const people = await api('GET', `/employees${query({ status: form.status.value, page: state.page, page_size: PAGE_SIZE })}`);
    const pages = Math.max(1, Math.ceil(people.total / PAGE_SIZE));
    // Each employee's records over the days shown (one per shift: a day with two shifts has two).
    const byCell = new Map();
    // A few at a time (a per-key rate limit, ICLOCKD_API_RATE_PER_KEY, counts each request).
    const queue = [...people.data];
    const worker = async () => {
      for (let e = queue.shift(); e; e = queue.shift()) await recordsOf(e);
    };
    const recordsOf = async (e) => {
      for (let page = 1; ; page++) {
        const r = await api('GET', `/attendance${query({ employee: e.employee, from: first, to: last, page, page_size: 500 })}`);
        for (const a of r.data) {
          const key = `${e.employee}|${a.attendance_date}`;
          byCell.set(key, [...(byCell.get(key) || []), a]);
        }
        if (page * 500 >= r.total || r.data.length === 0) break;
      }
    };
    await Promise.all([1, 2, 3, 4].map(worker));
    const holidays = new Map();
    for (const e of (await api('GET', `/attendance/holidays${query({ from: first, to: last })}`)).data) {
      for (const h of e.holidays) holidays.set(`${e.employee}|${h.date}`, h);
    }
    const today = day();
    const yesterday = day(-1);
    const cellFor = (e, d) => {
      const name = e.name;
      const id = e.employee;
      const records = byCell.get(`${id}|${d}`) || [];
      const holiday = holidays.get(`${id}|${d}`);
      const holidayTitle = holiday ? `Holiday${holiday.description ? `: ${holiday.description}` : ''} (${holiday.holiday_list})` : '';
      const open = () => showDetail(name, id, d, records, holiday);
      const button = (label, ...content) => el('button', { type: 'button', class: 'cell', 'aria-label': `${name} ${d}: ${label}`, onclick: open }, ...content);
      if (!records.length && holiday) return el('td', { class: 'st on-holiday', title: holidayTitle }, button(holidayTitle, el('abbr', {}, 'H')));
      if (!records.length && d >= yesterday) {
        const t = d > today ? 'Not yet' : 'Open: no record yet (absence is marked only once the day after the shift has begun)';
        return el('td', { class: 'open', title: t }, button(t, d > today ? '' : 'open'));
      }
      if (!records.length) return el('td', { class: 'none' }, el('span', { class: 'sr-only' }, 'no record'), '·');
      const provisional = records.some((a) => !a.finalized);
      const shown = records[0];
      // A running shift's provisional record: not an absence (yet).
      const running = !shown.finalized && shown.status === 'Absent' && !shown.in_time;
      const cls = running ? 'open' : `st ${shown.status.toLowerCase().replace(/\s+/g, '-')}${provisional ? ' provisional' : ''}`;
      const title = [...records.map(describe), ...(holiday ? [holidayTitle] : [])].join('; ');
      return el(
        'td',
        { class: cls, title },
        button(
          title,
          records.flatMap((a, n) => {
            const openRecord = !a.finalized && a.status === 'Absent' && !a.in_time;
            return [
              n ? el('br') : null,
              openRecord ? 'open' : el('abbr', {}, SHORT[a.status] || a.status),
              openRecord ? '' : ` ${Number(a.working_hours).toFixed(1)} h`,
              a.finalized ? '' : el('span', { class: 'prov-mark', 'aria-hidden': 'true' }, ' ~'),
            ];
          }),
        ),
      );
    };
    const shownRange = days.length < all.length ? `days ${state.offset + 1}–${state.offset + days.length} of ${all.length} (${first} to ${last})` : `${first} to ${last}`;
    zoneNote.textContent = `Times are in ${session.time_zone} (the server's zone, ICLOCKD_TZ).`;
    show(grid, 
      el(
        'table',
        { class: 'grid' },
        el(
          'caption',
          {},
          `Attendance ${shownRange}; employees ${people.total ? (state.page - 1) * PAGE_SIZE + 1 : 0}–${(state.page - 1) * PAGE_SIZE + people.data.length} of ${people.total}. P present, HD half day, A absent, L leave, H holiday (of the employee's holiday list), open: the day is not over, ~ and dashed: provisional (not final, may change); hours worked after the letter. Click a day for its records.`,
        ),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Employee'), days.map((d) => el('th', { scope: 'col' }, d.slice(5))))),
        el(
          'tbody',
          {},
          people.data.map((e) => el('tr', {}, el('th', { scope: 'row' }, `${e.name} (${e.employee})`), days.map((d) => cellFor(e, d)))),
        ),
      ),
    );
    const go = (change) => () => {
      change();
      load().catch((err) => (message.textContent = err.message));
    };
    show(pager, 
      el('button', { type: 'button', disabled: state.page <= 1, onclick: go(() => state.page--) }, 'Previous employees'),
      el('span', {}, `Employees page ${state.page} of ${pages}`),
      el('button', { type: 'button', disabled: state.page >= pages, onclick: go(() => state.page++) }, 'Next employees'),
      ...(all.length > MAX_DAYS
        ? [
            el('button', { type: 'button', disabled: state.offset === 0, onclick: go(() => (state.offset -= MAX_DAYS)) }, `Previous ${MAX_DAYS} days`),
            el('span', {}, `Days ${state.offset + 1}–${state.offset + days.length} of ${all.length}`),
            el('button', { type: 'button', disabled: state.offset + MAX_DAYS >= all.length, onclick: go(() => (state.offset += MAX_DAYS)) }, `Next ${MAX_DAYS} days`),
          ]
        : []),
    );
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    state.page = 1;
    state.offset = 0;
    load().catch((err) => (message.textContent = err.message));
  });
  show(main, 
    ...heading('Attendance', 'Computed from check-ins as they arrive; final once each shift has closed (until then provisional, drawn dashed with ~). The CSV export is the summary of the whole range.'),
    form,
    message,
    el('p', {}, exportLink),
    zoneNote,
    pager,
    grid,
    detail,
  );
  await load();
}
