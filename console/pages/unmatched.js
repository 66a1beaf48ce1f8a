// Unmatched: punches whose device user id matches no employee, grouped by id, each with a form
// to assign the id to an existing employee or to a new one (its punches become check-ins).
import { act, api, el, field, heading, notice, table, when } from '../lib.js';

export async function unmatchedPage(main) {
  const note = notice();
  const list = el('div');
  async function load() {
    const [{ data, total }, employees] = [await api('GET', '/unmatched?page_size=500'), await api('GET', '/employees?page_size=500')];
    const options = [['', 'choose an employee…'], ...employees.data.map((e) => [e.employee, `${e.name} (${e.employee}${e.attendance_device_id ? `, now ${e.attendance_device_id}` : ''})`])];
    const rows = data.map((g) => {
      const form = el(
        'form',
        { class: 'assign', 'aria-label': `Assign ${g.attendance_device_id}` },
        field(`Employee for ${g.attendance_device_id}`, 'employee', {}, options),
        field(`or a new employee named`, 'name', { value: g.device_names[0] || '', placeholder: 'Name' }),
        el('button', { type: 'submit' }, `Assign ${g.attendance_device_id}`),
      );
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const employee = form.employee.value;
        const body = { attendance_device_id: g.attendance_device_id, site: g.site, ...(employee ? { employee } : { name: form.name.value.trim() }) };
        if (await act(note, async () => {
          const r = await api('POST', '/unmatched/assign', body);
          return `${g.attendance_device_id} is now ${r.name} (${r.employee}): ${r.linked_punches} punch(es) became check-ins.`;
        })) await load();
      });
      return [el('strong', {}, g.attendance_device_id), g.site, String(g.punches), when(g.first_at), when(g.last_at), g.devices.join(', '), g.device_names.join(', ') || '—', form];
    });
    list.replaceChildren(
      table(`${total} unmatched id(s)`, ['Device user id', 'Site', 'Punches', 'First', 'Last', 'Devices', 'Name on the terminal', 'Assign'], rows, 'Every punch matches an employee.'),
    );
  }
  main.replaceChildren(
    ...heading('Unmatched punches', 'These punches are kept, not lost: give the id to an employee (it becomes their attendance device id) and they turn into check-ins.'),
    note,
    list,
  );
  await load();
}
