// Check-ins: HRMS's Employee Checkin list — employee, time (zone labelled), log type, device,
// the shift and window it was counted in, its attendance record; filtered, paged, CSV.
import { api, el, hashParams, heading, query, scrollBox, session, show, table, when } from '../lib.js';
import { filterForm, listParams, pages, zoned } from './punches.js';

export async function checkinsPage(main) {
  const params = hashParams();
  const names = ['employee', 'device', 'site', 'log_type', 'from', 'to'];
  const list = el('div');
  const csv = el('a', { class: 'button', download: 'checkins.csv' }, 'Download CSV');
  const filters = filterForm(
    'Filter check-ins',
    [
      ['Employee', 'employee'],
      ['Device', 'device'],
      ['Site (the employee\u2019s)', 'site'],
      ['Log type', 'log_type', {}, [['', 'any'], ['IN', 'IN'], ['OUT', 'OUT'], ['AUTO', 'AUTO (none)']]],
      ['From', 'from', { type: 'date' }],
      ['To', 'to', { type: 'date' }],
    ],
    params,
    () => load(),
  );

  async function load() {
    const wanted = listParams(params, names);
    csv.setAttribute('href', `/api/v1/checkins${query({ ...wanted, page: undefined, format: 'csv' })}`);
    const reply = await api('GET', `/checkins${query(wanted)}`);
    const rows = reply.data.map((c) => [
      c.checkin_id,
      c.employee ? `${c.employee_name ?? ''} (${c.employee})` : '—',
      zoned(c.local_time, c.time_zone),
      c.log_type,
      c.device_id ?? '—',
      c.shift ?? '—',
      c.shift_start ? `${when(c.shift_start)} – ${when(c.shift_end)}` : '—',
      c.attendance ?? '—',
    ]);
    show(list, 
      pages(reply, params, 'Check-in pages'),
      scrollBox(table(`${reply.total} check-in(s)`, ['Check-in', 'Employee', 'Time', 'Log type', 'Device', 'Shift', `Shift window (${session.time_zone})`, 'Attendance'], rows, 'No check-in matches these filters.'), 'Check-ins'),
      rows.length > 10 ? pages(reply, params, 'Check-in pages (bottom)') : null,
    );
  }

  show(main, ...heading('Check-ins', `Employee check-ins, as HRMS's Employee Checkin list; times in the server's zone (${session.time_zone}).`), filters, el('p', {}, csv), list);
  await load();
}
