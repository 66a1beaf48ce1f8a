// Shifts: shift types with every HRMS rule (edited in place), and who works which shift from
// when: an assignment is ended (end_date) or deleted, each after a confirmation; the API
// refuses overlapping assignments (409) and its message is shown as it comes.
import { act, api, day, el, employeePicker, field, hashParams, heading, notice, pageParam, pager, query, scrollBox, setHashParams, show, table } from '../lib.js';

const TYPES_PAGE_SIZE = 100;
const ASSIGNMENTS_PAGE_SIZE = 50;

const onOff = [['true', 'on'], ['false', 'off']];

/** The shift type's fields: [label, name, attrs, options, kind]; kind: bool, number, time, text. */
const TYPE_FIELDS = [
  ['Start', 'start_time', { type: 'time', step: 1, required: true }, null, 'time'],
  ['End (before the start: ends the next day)', 'end_time', { type: 'time', step: 1, required: true }, null, 'time'],
  ['Auto attendance', 'enable_auto_attendance', { value: 'true' }, onOff, 'bool'],
  ['In/out', 'determine_check_in_and_check_out', {}, [['alternating', 'alternating entries'], ['strict', 'strictly by log type']], 'text'],
  ['Working hours', 'working_hours_calculation_based_on', {}, [['first_last', 'first check-in to last check-out'], ['every_valid', 'every valid pair']], 'text'],
  ['Check-in counts from (minutes before the start)', 'begin_check_in_before_shift_start_time', { type: 'number', min: 0, max: 1440, step: 1, value: 60 }, null, 'number'],
  ['Check-out counts until (minutes after the end)', 'allow_check_out_after_shift_end_time', { type: 'number', min: 0, max: 1440, step: 1, value: 60 }, null, 'number'],
  ['Half day below (hours, 0: off)', 'working_hours_threshold_for_half_day', { type: 'number', min: 0, max: 24, step: 0.25, value: 0 }, null, 'number'],
  ['Absent below (hours, 0: off)', 'working_hours_threshold_for_absent', { type: 'number', min: 0, max: 24, step: 0.25, value: 0 }, null, 'number'],
  ['Mark late entry', 'enable_late_entry_marking', { value: 'false' }, onOff, 'bool'],
  ['Late entry grace (minutes)', 'late_entry_grace_period', { type: 'number', min: 0, max: 1440, step: 1, value: 0 }, null, 'number'],
  ['Mark early exit', 'enable_early_exit_marking', { value: 'false' }, onOff, 'bool'],
  ['Early exit grace (minutes)', 'early_exit_grace_period', { type: 'number', min: 0, max: 1440, step: 1, value: 0 }, null, 'number'],
  ['Attendance on holidays', 'mark_auto_attendance_on_holidays', { value: 'false' }, onOff, 'bool'],
  ['Holiday list (empty: the employee\u2019s)', 'holiday_list', {}, null, 'text'],
];

export async function shiftsPage(main) {
  const params = hashParams();
  const wanted = {
    types_page: pageParam(params.get('types_page')),
    employee: params.get('employee') || '',
    shift_type: params.get('shift_type') || '',
    page: pageParam(params.get('page')),
  };
  const note = notice();
  const types = el('div');
  const assignments = el('div');
  // The shift types, offered wherever a shift type is typed (a site has a few dozen at most).
  const typeNames = el('datalist', { id: 'shift-type-names' });
  // Which assignments to list: one employee (found by search) and/or one shift type.
  const shownEmployee = employeePicker('Assignments of', 'assignments_of', { none: 'every employee', searchLabel: 'Find whose assignments (name or id)' });
  const assignmentFilter = el(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Find assignments' },
    shownEmployee,
    field('Of shift type', 'of_shift_type', { value: wanted.shift_type, list: 'shift-type-names' }),
    el('button', { type: 'submit' }, 'Show assignments'),
  );
  shownEmployee.choose(wanted.employee);
  /** Goes to the lists' pages with the filter's choices, through the URL (Back returns here). */
  function go(change) {
    const next = { ...wanted, ...change };
    const params = { employee: next.employee, shift_type: next.shift_type, page: next.page > 1 ? next.page : '', types_page: next.types_page > 1 ? next.types_page : '' };
    if (!setHashParams(params)) act(note, load);
  }
  assignmentFilter.addEventListener('submit', (e) => {
    e.preventDefault();
    go({ employee: shownEmployee.select.value, shift_type: assignmentFilter.of_shift_type.value.trim(), page: 1 });
  });
  const typeTitle = el('h2', { id: 'type-title' }, 'Add or change a shift type');
  const typeForm = el(
    'form',
    { class: 'card', 'aria-labelledby': 'type-title' },
    typeTitle,
    field('Name', 'name', { required: true }),
    TYPE_FIELDS.map(([label, name, attrs, options]) => field(label, name, attrs, options || undefined)),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Save shift type'), el('button', { type: 'reset', class: 'danger' }, 'Clear')),
  );
  typeForm.addEventListener('reset', () => {
    typeTitle.textContent = 'Add or change a shift type';
  });
  const picker = employeePicker('Employee', 'employee', { initial: api('GET', '/employees?page_size=20').catch(() => null) });
  const assignForm = el(
    'form',
    { class: 'card', 'aria-labelledby': 'assign-title' },
    el('h2', { id: 'assign-title' }, 'Assign a shift'),
    picker,
    field('Shift type', 'shift_type', { required: true, list: 'shift-type-names' }),
    field('From', 'start_date', { type: 'date', required: true }),
    field('To (empty: open-ended)', 'end_date', { type: 'date' }),
    el('button', { type: 'submit' }, 'Assign shift'),
  );

  /** Fills the form with a shift type to change it. */
  function edit(s) {
    typeForm.name.value = s.name;
    for (const [, name, , , kind] of TYPE_FIELDS) {
      const v = s[name];
      typeForm[name].value = kind === 'bool' ? String(Boolean(v)) : v === null || v === undefined ? '' : String(v);
    }
    typeTitle.textContent = `Change shift type ${s.name}`;
    typeForm.name.focus();
  }

  async function load() {
    const t = await api('GET', `/shift-types${query({ page: wanted.types_page, page_size: TYPES_PAGE_SIZE })}`);
    const a = await api('GET', `/shift-assignments${query({ employee: wanted.employee, shift_type: wanted.shift_type, page: wanted.page, page_size: ASSIGNMENTS_PAGE_SIZE })}`);
    if (wanted.types_page === 1) show(typeNames, ...t.data.map((s) => el('option', { value: s.name })));
    const yes = (v) => (v ? 'on' : 'off');
    show(types, 
      t.total > t.page_size ? pager(t, (page) => go({ types_page: page }), 'Shift type pages') : null,
      scrollBox(table(`${t.total} shift type(s)`, ['Name', 'Start', 'End', 'Auto attendance', 'In/out', 'Hours from', 'Check-in from / out until (min)', 'Half day <', 'Absent <', 'Late entry (grace)', 'Early exit (grace)', 'On holidays', 'Holiday list', ''],
        t.data.map((s) => [s.name, s.start_time, s.end_time, yes(s.enable_auto_attendance), s.determine_check_in_and_check_out, s.working_hours_calculation_based_on,
          `${s.begin_check_in_before_shift_start_time} / ${s.allow_check_out_after_shift_end_time}`, String(s.working_hours_threshold_for_half_day), String(s.working_hours_threshold_for_absent),
          `${yes(s.enable_late_entry_marking)} (${s.late_entry_grace_period} min)`, `${yes(s.enable_early_exit_marking)} (${s.early_exit_grace_period} min)`, yes(s.mark_auto_attendance_on_holidays), s.holiday_list || '—',
          el('span', { class: 'actions' },
            el('button', { type: 'button', onclick: () => edit(s) }, `Edit ${s.name}`),
            el('button', { type: 'button', class: 'danger', onclick: () => remove(`Delete shift type ${s.name}? Its assignments and attendance records stay as they are.`, `/shift-types/${encodeURIComponent(s.name)}`, `Shift type ${s.name} deleted.`) }, `Delete ${s.name}`))]),
        'No shift types yet.'), 'Shift types'),
    );
    const filtered = [wanted.employee && `of ${wanted.employee}`, wanted.shift_type && `of shift type ${wanted.shift_type}`].filter(Boolean).join(', ');
    show(assignments, 
      el('h2', {}, 'Shift assignments'),
      assignmentFilter,
      pager(a, (page) => go({ page }), 'Assignment pages'),
      scrollBox(table(`${a.total} assignment(s)${filtered ? ` ${filtered}` : ''}`, ['Id', 'Employee', 'Shift type', 'From', 'To', 'Status', 'End it on', ''],
        a.data.map((x) => {
          const end = el('input', { type: 'date', value: x.end_date || day(), 'aria-label': `End date of assignment ${x.id}` });
          return [String(x.id), x.employee, x.shift_type, x.start_date, x.end_date || 'open', x.status, end,
            el('span', { class: 'actions' },
              el('button', { type: 'button', onclick: () => finish(x, end.value) }, `End assignment ${x.id}`),
              el('button', { type: 'button', class: 'danger', onclick: () => remove(`Delete assignment ${x.id} (${x.employee}, ${x.shift_type} from ${x.start_date})? To keep its history, end it instead.`, `/shift-assignments/${x.id}`, `Assignment ${x.id} deleted.`) }, `Delete assignment ${x.id}`))];
        }),
        filtered ? 'No assignment matches.' : 'No shift assignments yet.'), 'Shift assignments'),
      a.data.length > 10 ? pager(a, (page) => go({ page }), 'Assignment pages (bottom)') : null,
    );
  }
  async function finish(x, endDate) {
    if (!endDate) return note.show('Choose the last day of the assignment.', true);
    if (await act(note, async () => {
      const r = await api('PATCH', `/shift-assignments/${x.id}`, { end_date: endDate });
      return `Assignment ${r.id} (${r.employee}, ${r.shift_type}) ends on ${r.end_date}.`;
    })) await load();
  }
  async function remove(question, path, done) {
    if (!confirm(question)) return;
    if (await act(note, async () => {
      await api('DELETE', path);
      return done;
    })) await load();
  }
  typeForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = typeForm;
    const seconds = (v) => (v.length === 5 ? `${v}:00` : v);
    const body = {};
    for (const [, name, , , kind] of TYPE_FIELDS) {
      const v = f[name].value;
      body[name] = kind === 'bool' ? v === 'true' : kind === 'number' ? Number(v) : kind === 'time' ? seconds(v) : v.trim() || (name === 'holiday_list' ? null : v);
    }
    const name = f.name.value.trim();
    if (await act(note, async () => {
      const exists = await api('GET', `/shift-types/${encodeURIComponent(name)}`).then(() => true, () => false);
      if (exists) await api('PATCH', `/shift-types/${encodeURIComponent(name)}`, body);
      else await api('POST', '/shift-types', { name, ...body });
      return `Shift type ${name} ${exists ? 'changed' : 'added'}.`;
    })) await load();
  });
  assignForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = assignForm;
    if (!picker.select.value) return note.show('Choose an employee to assign.', true);
    // A 409 (an overlapping assignment) comes back with the API's message, shown as is.
    if (await act(note, async () => {
      const r = await api('POST', '/shift-assignments', { employee: picker.select.value, shift_type: f.shift_type.value.trim(), start_date: f.start_date.value, ...(f.end_date.value ? { end_date: f.end_date.value } : {}) });
      return `${r.employee} works ${r.shift_type} from ${r.start_date}.`;
    })) await load();
  });
  show(main, ...heading('Shifts', 'Shift types use the HRMS field names; attendance is computed from check-ins within each shift.'), typeNames, note, types, assignments, el('div', { class: 'columns' }, typeForm, assignForm));
  await load();
}
