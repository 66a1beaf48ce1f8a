// Shifts: shift types (HRMS fields) and who works which shift from when.
import { act, api, el, field, heading, notice, table } from '../lib.js';

export async function shiftsPage(main) {
  const note = notice();
  const types = el('div');
  const assignments = el('div');
  const typeForm = el(
    'form',
    { class: 'card', 'aria-labelledby': 'type-title' },
    el('h2', { id: 'type-title' }, 'Add or change a shift type'),
    field('Name', 'name', { required: true }),
    field('Start', 'start_time', { type: 'time', step: 1, required: true }),
    field('End (before the start: ends the next day)', 'end_time', { type: 'time', step: 1, required: true }),
    field('Auto attendance', 'enable_auto_attendance', {}, [['true', 'on'], ['false', 'off']]),
    field('In/out', 'determine_check_in_and_check_out', {}, [['alternating', 'alternating entries'], ['strict', 'strictly by log type']]),
    field('Working hours', 'working_hours_calculation_based_on', {}, [['first_last', 'first check-in to last check-out'], ['every_valid', 'every valid pair']]),
    field('Half day below (hours, 0: off)', 'working_hours_threshold_for_half_day', { type: 'number', min: 0, step: 0.25, value: 0 }),
    field('Absent below (hours, 0: off)', 'working_hours_threshold_for_absent', { type: 'number', min: 0, step: 0.25, value: 0 }),
    el('button', { type: 'submit' }, 'Save shift type'),
  );
  const assignForm = el(
    'form',
    { class: 'card', 'aria-labelledby': 'assign-title' },
    el('h2', { id: 'assign-title' }, 'Assign a shift'),
    field('Employee id', 'employee', { required: true }),
    field('Shift type', 'shift_type', { required: true }),
    field('From', 'start_date', { type: 'date', required: true }),
    field('To (empty: open-ended)', 'end_date', { type: 'date' }),
    el('button', { type: 'submit' }, 'Assign shift'),
  );
  async function load() {
    const t = await api('GET', '/shift-types?page_size=500');
    const a = await api('GET', '/shift-assignments?page_size=500');
    types.replaceChildren(
      table(`${t.total} shift type(s)`, ['Name', 'Start', 'End', 'Auto attendance', 'In/out', 'Hours from', 'Half day <', 'Absent <', ''],
        t.data.map((s) => [s.name, s.start_time, s.end_time, s.enable_auto_attendance ? 'on' : 'off', s.determine_check_in_and_check_out, s.working_hours_calculation_based_on, String(s.working_hours_threshold_for_half_day), String(s.working_hours_threshold_for_absent),
          el('button', { type: 'button', class: 'danger', onclick: () => remove(`/shift-types/${encodeURIComponent(s.name)}`, `Shift type ${s.name} deleted.`) }, `Delete ${s.name}`)]),
        'No shift types yet.'),
    );
    assignments.replaceChildren(
      table(`${a.total} assignment(s)`, ['Id', 'Employee', 'Shift type', 'From', 'To', 'Status', ''],
        a.data.map((x) => [String(x.id), x.employee, x.shift_type, x.start_date, x.end_date || 'open', x.status,
          el('button', { type: 'button', class: 'danger', onclick: () => remove(`/shift-assignments/${x.id}`, `Assignment ${x.id} deleted.`) }, `Delete assignment ${x.id}`)]),
        'No shift assignments yet.'),
    );
  }
  async function remove(path, done) {
    if (await act(note, async () => {
      await api('DELETE', path);
      return done;
    })) await load();
  }
  typeForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = typeForm;
    const seconds = (v) => (v.length === 5 ? `${v}:00` : v);
    const body = {
      start_time: seconds(f.start_time.value),
      end_time: seconds(f.end_time.value),
      enable_auto_attendance: f.enable_auto_attendance.value === 'true',
      determine_check_in_and_check_out: f.determine_check_in_and_check_out.value,
      working_hours_calculation_based_on: f.working_hours_calculation_based_on.value,
      working_hours_threshold_for_half_day: Number(f.working_hours_threshold_for_half_day.value),
      working_hours_threshold_for_absent: Number(f.working_hours_threshold_for_absent.value),
    };
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
    if (await act(note, async () => {
      const r = await api('POST', '/shift-assignments', { employee: f.employee.value.trim(), shift_type: f.shift_type.value.trim(), start_date: f.start_date.value, ...(f.end_date.value ? { end_date: f.end_date.value } : {}) });
      return `${r.employee} works ${r.shift_type} from ${r.start_date}.`;
    })) await load();
  });
  main.replaceChildren(...heading('Shifts', 'Shift types use the HRMS field names; attendance is computed from check-ins within each shift.'), note, types, assignments, el('div', { class: 'columns' }, typeForm, assignForm));
  await load();
}
