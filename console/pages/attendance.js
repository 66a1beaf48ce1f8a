// Attendance: employees × days, each day coloured and named by its status with the hours
// worked, and H on a holiday without a record (from the holiday lists: HRMS, and iclockd,
// keep no record for a holiday); the range exports as the attendance summary CSV.
import { api, day, el, field, heading, query } from '../lib.js';

const SHORT = { Present: 'P', 'Half Day': 'HD', Absent: 'A', 'On Leave': 'L', 'Work From Home': 'WFH' };

function daysBetween(from, to) {
  const out = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`) && out.length < 62; d = new Date(d.getTime() + 86_400_000)) out.push(d.toISOString().slice(0, 10));
  return out;
}

export async function attendancePage(main) {
  const form = el(
    'form',
    { class: 'filters', 'aria-label': 'Attendance range' },
    field('From', 'from', { type: 'date', value: day(-6), required: true }),
    field('To', 'to', { type: 'date', value: day(), required: true }),
    el('button', { type: 'submit' }, 'Show'),
  );
  const exportLink = el('a', { class: 'button', id: 'export-csv', download: '' }, 'Export CSV');
  const grid = el('div', { class: 'scroll' });
  async function load() {
    const from = form.from.value;
    const to = form.to.value;
    exportLink.href = `/api/v1/attendance/summary${query({ from, to, format: 'csv' })}`;
    const records = [];
    for (let page = 1; ; page++) {
      const r = await api('GET', `/attendance${query({ from, to, page, page_size: 500 })}`);
      records.push(...r.data);
      if (records.length >= r.total || r.data.length === 0) break;
    }
    const employees = (await api('GET', '/employees?status=Active&page_size=500')).data;
    const names = new Map(employees.map((e) => [e.employee, e.name]));
    for (const a of records) if (!names.has(a.employee)) names.set(a.employee, a.employee_name);
    const days = daysBetween(from, to);
    const holidays = new Map();
    if (days.length) {
      for (const e of (await api('GET', `/attendance/holidays${query({ from, to: days.at(-1) })}`)).data) {
        for (const h of e.holidays) holidays.set(`${e.employee}|${h.date}`, h);
      }
    }
    // One record per shift: a day with two shifts has two.
    const byCell = new Map();
    for (const a of records) {
      const key = `${a.employee}|${a.attendance_date}`;
      byCell.set(key, [...(byCell.get(key) || []), a]);
    }
    const describe = (a) => `${a.status}${a.shift ? `, ${a.shift}` : ''}${a.late_entry ? ', late entry' : ''}${a.early_exit ? ', early exit' : ''}`;
    grid.replaceChildren(
      el(
        'table',
        { class: 'grid' },
        el('caption', {}, `Attendance ${from} to ${to}: P present, HD half day, A absent, H holiday (of the employee's holiday list), L leave; hours worked below.`),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Employee'), days.map((d) => el('th', { scope: 'col' }, d.slice(5))))),
        el(
          'tbody',
          {},
          [...names].sort((a, b) => a[1].localeCompare(b[1])).map(([id, name]) =>
            el(
              'tr',
              {},
              el('th', { scope: 'row' }, `${name} (${id})`),
              days.map((d) => {
                const cell = byCell.get(`${id}|${d}`);
                const holiday = holidays.get(`${id}|${d}`);
                const holidayTitle = holiday ? `Holiday${holiday.description ? `: ${holiday.description}` : ''} (${holiday.holiday_list})` : '';
                if (!cell && holiday) return el('td', { class: 'st on-holiday', title: holidayTitle }, el('abbr', { title: holidayTitle }, 'H'));
                if (!cell) return el('td', { class: 'none' }, el('span', { class: 'sr-only' }, 'no record'), '·');
                return el(
                  'td',
                  { class: `st ${cell[0].status.toLowerCase().replace(/\s+/g, '-')}`, title: [...cell.map(describe), ...(holiday ? [holidayTitle] : [])].join('; ') },
                  cell.flatMap((a, n) => [n ? el('br') : null, el('abbr', { title: describe(a) }, SHORT[a.status] || a.status), ` ${Number(a.working_hours).toFixed(1)} h`]),
                );
              }),
            ),
          ),
        ),
      ),
    );
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  main.replaceChildren(...heading('Attendance', 'Computed from check-ins as they arrive; finalized once each shift has closed.'), form, el('p', {}, exportLink), grid);
  await load();
}
