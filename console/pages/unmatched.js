// Unmatched: punches whose device user id matches no employee, grouped by id (paged and searched
// on the server; search and page in the URL hash), each with a form to assign the id to an
// existing employee (found with the employee picker) or to a new one (its punches become check-ins).
import { act, api, el, employeePicker, field, hashParams, heading, notice, pageParam, pager, query, scrollBox, setHashParams, show, table, when } from '../lib.js';

const PAGE_SIZE = 50;

/**
 * Whether to go on giving `id` to `employee`: when they already have another device id, the
 * reader is asked first, told the old id and that punches on it will no longer match anyone.
 */
function replaceConfirmed(employee, id) {
  const old = employee.attendance_device_id;
  if (!old || old === id) return true;
  return confirm(
    `${employee.name} (${employee.employee}) already has attendance device id ${old}.\n\n` +
      `Replace it with ${id}? Punches on ${old} will then become unmatched (they no longer match ${employee.name}); check-ins already made stay.`,
  );
}

export async function unmatchedPage(main) {
  const params = hashParams();
  const wanted = { q: params.get('q') || '', page: pageParam(params.get('page')) };
  const note = notice();
  const list = el('div');
  const search = el(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Find unmatched ids' },
    field('Device user id', 'q', { type: 'search', value: wanted.q }),
    el('button', { type: 'submit' }, 'Search'),
  );
  function go(page) {
    const next = { q: search.q.value.trim(), page: page > 1 ? page : '' };
    if (!setHashParams(next)) act(note, () => load(next));
  }
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    go(1);
  });

  async function assign(g, form, picker) {
    const chosen = form.employee.value;
    const name = form.name.value.trim();
    if (!chosen && !name) {
      note.show(`Choose an employee for ${g.attendance_device_id}, or type the name of a new one.`, true);
      return;
    }
    let employee = null;
    if (chosen) {
      try {
        employee = await api('GET', `/employees/${encodeURIComponent(chosen)}`);
      } catch (err) {
        note.show(err.message, true);
        return;
      }
      if (!replaceConfirmed(employee, g.attendance_device_id)) {
        note.show(`${g.attendance_device_id} was not assigned: ${employee.employee} keeps ${employee.attendance_device_id}.`);
        return;
      }
    }
    const body = { attendance_device_id: g.attendance_device_id, site: g.site, ...(employee ? { employee: employee.employee } : { name }) };
    if (
      await act(note, async () => {
        const r = await api('POST', '/unmatched/assign', body);
        const replaced = employee?.attendance_device_id && employee.attendance_device_id !== g.attendance_device_id ? ` (it was ${employee.attendance_device_id})` : '';
        return `${g.attendance_device_id} is now ${r.name} (${r.employee})${replaced}: ${r.linked_punches} punch(es) became check-ins.`;
      })
    ) {
      picker.clear();
      await act(note, () => load());
    }
  }

  async function load(at = wanted) {
    const reply = await api('GET', `/unmatched${query({ q: at.q, page: at.page, page_size: PAGE_SIZE })}`);
    // One request for the first suggestions, shared by every row's picker.
    const firstEmployees = api('GET', '/employees?page_size=20');
    const rows = reply.data.map((g) => {
      const picker = employeePicker(`Employee for ${g.attendance_device_id}`, 'employee', { initial: firstEmployees });
      const terminalName = g.device_names[0];
      const form = el(
        'form',
        { class: 'assign', 'aria-label': `Assign ${g.attendance_device_id}` },
        picker,
        el(
          'div',
          {},
          field('or a new employee named', 'name', { placeholder: 'Name' }),
          terminalName ? el('span', { class: 'hint' }, `The terminal calls ${g.attendance_device_id} “${terminalName}”.`) : null,
        ),
        el('button', { type: 'submit' }, `Assign ${g.attendance_device_id}`),
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        assign(g, form, picker);
      });
      return [el('strong', {}, g.attendance_device_id), g.site, String(g.punches), when(g.first_at), when(g.last_at), g.devices.join(', '), g.device_names.join(', ') || '—', form];
    });
    show(list, 
      pager(reply, go, 'Unmatched id pages'),
      rows.length === 0
        ? el('p', { class: 'muted' }, at.q ? 'No unmatched id matches.' : 'Every punch matches an employee.')
        : scrollBox(
            table(`${reply.total} unmatched id(s)${at.q ? ` matching “${at.q}”` : ''}`, ['Device user id', 'Site', 'Punches', 'First', 'Last', 'Devices', 'Name on the terminal', 'Assign'], rows),
            'Unmatched ids',
          ),
      rows.length > 10 ? pager(reply, go, 'Unmatched id pages (bottom)') : null,
    );
  }
  show(main, 
    ...heading('Unmatched punches', 'These punches are kept, not lost: give the id to an employee (it becomes their attendance device id) and they turn into check-ins.'),
    search,
    note,
    list,
  );
  await load();
}
