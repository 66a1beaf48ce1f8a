// Employees: the list (search, status, paged on the server; filters and page in the URL hash),
// a form to add or change one (its id field finds employees as you type), and a CSV import.
import { act, api, badge, el, employeePicker, field, hashParams, heading, notice, pageParam, pager, query, scrollBox, setHashParams, show, table } from '../lib.js';

const PAGE_SIZE = 50;

const STATUSES = ['Active', 'Inactive', 'Left'];
/** Fields an empty input clears on a change. */
const OPTIONAL = ['attendance_device_id', 'default_shift', 'date_of_joining', 'relieving_date', 'holiday_list'];

export async function employeesPage(main) {
  const params = hashParams();
  const wanted = { q: params.get('q') || '', status: params.get('status') || '', page: pageParam(params.get('page')) };
  const note = notice();
  // The outcome of a save is told beside the form, not at the top of a long list.
  const saveNote = notice();
  const importNote = notice();
  const list = el('div');
  const search = el(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Find employees' },
    field('Id, name or device id', 'q', { type: 'search', value: wanted.q }),
    field('Status', 'status', { value: wanted.status }, [['', 'any'], ...STATUSES.map((s) => [s, s])]),
    el('button', { type: 'submit' }, 'Search'),
  );
  // Finding someone to change searches the server; it never lists everyone.
  const finder = employeePicker('Employee to change', 'pick', { onPick: (e) => fill(e, false), none: 'a new employee' });
  const edit = el(
    'form',
    { class: 'card', 'aria-labelledby': 'edit-title' },
    el('h2', { id: 'edit-title' }, 'Add or change an employee'),
    finder,
    field('Employee id (empty: next EMP- number; an existing id: change it)', 'employee', {}),
    field('Name', 'name', {}),
    field('Attendance device id (the user id on the terminals)', 'attendance_device_id', {}),
    field('Site', 'site', { placeholder: 'main' }),
    field('Status', 'status', {}, STATUSES.map((s) => [s, s])),
    field('Default shift', 'default_shift', {}),
    field('Date of joining (no Absent before it)', 'date_of_joining', { type: 'date' }),
    field('Relieving date (the last day; no Absent after it)', 'relieving_date', { type: 'date' }),
    field('Holiday list (where the shift names none)', 'holiday_list', {}),
    el('button', { type: 'submit' }, 'Save employee'),
    saveNote,
  );
  const file = el('input', { type: 'file', id: 'csv-file', name: 'file', accept: '.csv,text/csv', required: true });
  const importForm = el(
    'form',
    { class: 'card', 'aria-labelledby': 'import-title' },
    el('h2', { id: 'import-title' }, 'Import a CSV file'),
    el('p', {}, 'Columns: employee, name, attendance_device_id, status, site, default_shift, date_of_joining, relieving_date (YYYY-MM-DD), holiday_list (a header row names them). Rows with an existing id update it.'),
    el('label', { for: 'csv-file' }, 'CSV file'),
    file,
    el('button', { type: 'submit' }, 'Import'),
    importNote,
  );
  /** Goes to a page of the list with the search's filters: through the URL, so Back returns here. */
  function go(page) {
    const next = { q: search.q.value.trim(), status: search.status.value, page: page > 1 ? page : '' };
    if (!setHashParams(next)) act(note, () => load(next));
  }
  async function load(at = wanted) {
    const reply = await api('GET', `/employees${query({ q: at.q, status: at.status, page: at.page, page_size: PAGE_SIZE })}`);
    const { data, total } = reply;
    show(list, 
      pager(reply, go, 'Employee pages'),
      total === 0
        ? el('p', { class: 'muted' }, at.q || at.status ? 'No employee matches.' : 'No employees yet.')
        : scrollBox(
            table(
              `${total} employee(s)${at.q ? ` matching “${at.q}”` : ''}${at.status ? `, ${at.status}` : ''}`,
              ['Id', 'Name', 'Attendance device id', 'Site', 'Status', 'Default shift', 'Joined', 'Relieved', 'Holiday list', ''],
              data.map((e) => [
                e.employee,
                e.name,
                e.attendance_device_id || '—',
                e.site,
                badge(e.status, e.status === 'Active' ? 'ok' : 'neutral'),
                e.default_shift || '—',
                e.date_of_joining || '—',
                e.relieving_date || '—',
                e.holiday_list || '—',
                el('button', { type: 'button', onclick: () => fill(e) }, `Edit ${e.employee}`),
              ]),
            ),
            'Employees',
          ),
      data.length > 10 ? pager(reply, go, 'Employee pages (bottom)') : null,
    );
  }
  /** Puts an employee in the form; from the list, the form is brought into view. */
  function fill(e, scroll = true) {
    for (const k of ['employee', 'name', 'attendance_device_id', 'site', 'status', ...OPTIONAL]) edit[k].value = e[k] ?? '';
    saveNote.textContent = '';
    if (scroll) {
      edit.scrollIntoView({ block: 'start' });
      edit.name.focus();
    }
  }
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    go(1);
  });
  edit.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = edit.employee.value.trim();
    const body = {};
    for (const k of ['name', 'site', 'status', ...OPTIONAL]) {
      const v = edit[k].value.trim();
      if (v) body[k] = v;
      else if (id && OPTIONAL.includes(k)) body[k] = null;
    }
    const saved = await act(saveNote, async () => {
      let exists = false;
      if (id) exists = await api('GET', `/employees/${encodeURIComponent(id)}`).then(() => true, () => false);
      const r = exists ? await api('PATCH', `/employees/${encodeURIComponent(id)}`, body) : await api('POST', '/employees', { ...(id ? { employee: id } : {}), ...body });
      return `${r.employee} ${exists ? 'changed' : 'added'}${r.linked_punches ? `; ${r.linked_punches} waiting punch(es) became check-ins` : ''}.`;
    });
    if (saved) {
      edit.reset();
      finder.clear();
      await act(note, () => load());
    }
  });
  importForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    if (await act(importNote, async () => {
      const r = await api('POST', '/employees/import', await chosen.arrayBuffer(), 'text/csv');
      const rejected = r.rejected.map((x) => `line ${x.line}: ${x.reason}`).join('; ');
      return `Imported ${chosen.name}: created ${r.created}, updated ${r.updated}, rejected ${r.rejected.length} of ${r.rows} row(s)${r.linked_punches ? `; ${r.linked_punches} waiting punch(es) linked` : ''}${rejected ? ` (${rejected})` : ''}.`;
    })) await act(note, () => load());
  });
  show(main, ...heading('Employees'), search, note, list, el('div', { class: 'columns' }, edit, importForm));
  await load();
}
