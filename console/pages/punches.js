// Punches: every punch received, with what became of it (checked_in, unmatched, inactive,
// suspect_time, discarded), filtered on the server, paged, exportable as CSV; a held or
// waiting punch can be accepted, discarded or linked to an employee, each after a confirmation,
// each recorded in the punch's history.
import { act, api, badge, el, employeePicker, field, hashParams, heading, notice, pager, query, scrollBox, session, setHashParams, show, table, when } from '../lib.js';

export const PUNCH_STATUSES = ['checked_in', 'unmatched', 'inactive', 'suspect_time', 'discarded'];
/** The colour of each status (the word is shown beside it). */
const STATUS_KIND = { checked_in: 'ok', unmatched: 'warn', inactive: 'warn', suspect_time: 'warn', discarded: 'bad' };

/**
 * A filter form from [label, name, attrs, options?] fields, filled from the hash (the field named
 * employee is an employee picker); submitting puts them in the hash (page 1).
 */
export function filterForm(label, fields, params, reload) {
  const form = el(
    'form',
    { class: 'filters', role: 'search', 'aria-label': label },
    fields.map(([text, name, attrs = {}, options]) => (name === 'employee' ? employeeFilter(text, params.get(name)) : field(text, name, { ...attrs, value: params.get(name) ?? '' }, options))),
    el('button', { type: 'submit' }, 'Apply'),
    el('button', { type: 'button', onclick: () => setHashParams({}) || reload() }, 'Clear'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const values = Object.fromEntries(fields.map(([, name]) => [name, form.elements[name].value.trim()]));
    if (!setHashParams(values)) reload();
  });
  return form;
}

/** The employee filter: found by name or id as typed (never a list of everyone), the one in the URL shown chosen. */
function employeeFilter(label, chosen) {
  const picker = employeePicker(label, 'employee', { none: 'any employee' });
  picker.choose(chosen);
  return picker;
}

/** lib.js's pager over the hash: a page button keeps the filters and changes the page. */
export function pages(reply, params, label) {
  return pager(reply, (page) => setHashParams({ ...Object.fromEntries(params), page }), label);
}

/** The filters of the hash as API parameters (the page, and no empty ones). */
export function listParams(params, names) {
  const out = {};
  for (const name of [...names, 'page']) if (params.get(name)) out[name] = params.get(name);
  return out;
}

/**
 * A modal confirmation: `content` (nodes, inputs named as the API wants them) and a confirm
 * button. Resolves to the form's values when confirmed, to null when cancelled.
 */
export function confirmDialog(title, content, confirmText) {
  return new Promise((resolve) => {
    const form = el(
      'form',
      { method: 'dialog' },
      el('h2', {}, title),
      content,
      el('div', { class: 'actions' }, el('button', { type: 'submit', value: 'confirm' }, confirmText), el('button', { type: 'submit', value: 'cancel', formnovalidate: true }, 'Cancel')),
    );
    const dialog = el('dialog', { class: 'confirm', 'aria-label': title }, form);
    dialog.addEventListener('close', () => {
      const values = dialog.returnValue === 'confirm' ? Object.fromEntries(new FormData(form)) : null;
      dialog.remove();
      resolve(values);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A wall time with its zone under it (the column stays narrow enough for the row's actions to show). */
/** The reason an admin may give for what they do to a punch (kept in its history). */
const reasonField = () => field('Reason, optional (kept in its history)', 'note', { maxlength: 400 });
const noteOf = (values) => (values.note && values.note.trim() ? { note: values.note.trim() } : {});

export const zoned = (time, zone) => (time ? el('span', {}, time, ' ', el('small', { class: 'zone' }, `(${zone})`)) : '—');

export async function punchesPage(main) {
  const params = hashParams();
  const names = ['employee', 'device', 'site', 'status', 'from', 'to'];
  const note = notice();
  const list = el('div');
  const filters = filterForm(
    'Filter punches',
    [
      ['Employee', 'employee'],
      ['Device', 'device', { placeholder: 'serial or device id' }],
      ['Site', 'site'],
      ['Status', 'status', {}, [['', 'any'], ...PUNCH_STATUSES.map((s) => [s, s])]],
      ['From', 'from', { type: 'date' }],
      ['To', 'to', { type: 'date' }],
    ],
    params,
    () => load(),
  );
  const csv = el('a', { class: 'button', download: 'punches.csv' }, 'Download CSV');

  async function act1(punch, title, content, confirmText, call) {
    const values = await confirmDialog(title, content, confirmText);
    if (!values) return;
    if (await act(note, () => call(values))) await load();
  }

  function actions(p) {
    const what = `punch ${p.id} (user ${p.employee_id} on ${p.device_serial} at ${p.local_time})`;
    const buttons = [];
    if (p.status === 'suspect_time') {
      buttons.push(
        el('button', {
          type: 'button',
          onclick: () =>
            act1(
              p,
              `Accept ${what}?`,
              [
                el('p', {}, `It becomes a check-in if its user id matches an Active employee. Leave the time empty to accept ${p.local_time} (${p.time_zone}) as it is.`),
                field(`Corrected device time (${p.time_zone}), optional`, 'timestamp', { placeholder: 'YYYY-MM-DD HH:MM:SS', pattern: '\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}(:\\d{2})?' }),
                reasonField(),
              ],
              'Accept',
              async (v) => {
                const r = await api('POST', `/punches/${p.id}/accept`, { ...(v.timestamp ? { timestamp: v.timestamp } : {}), ...noteOf(v) });
                return `Punch ${p.id} accepted: ${r.status}${r.checkin_id ? `, check-in ${r.checkin_id}` : ''}.`;
              },
            ),
        }, 'Accept…'),
      );
    }
    if (p.status === 'unmatched' || p.status === 'inactive') {
      buttons.push(
        el('button', {
          type: 'button',
          onclick: () =>
            act1(
              p,
              `Link ${what} to an employee?`,
              [el('p', {}, 'It becomes one check-in of that (Active) employee, whatever its user id.'), linkPicker(), reasonField()],
              'Link',
              async (v) => {
                const r = await api('POST', `/punches/${p.id}/relink`, { employee: v.employee, ...noteOf(v) });
                return `Punch ${p.id} linked to ${r.employee}: ${r.status}${r.checkin_id ? `, check-in ${r.checkin_id}` : ''}.`;
              },
            ),
        }, 'Link…'),
      );
    }
    if (['suspect_time', 'unmatched', 'inactive'].includes(p.status)) {
      buttons.push(
        el('button', {
          type: 'button',
          onclick: () =>
            act1(p, `Discard ${what}?`, [el('p', {}, 'It stays stored, marked discarded, and never becomes a check-in.'), reasonField()], 'Discard', async (v) => {
              await api('POST', `/punches/${p.id}/discard`, noteOf(v));
              return `Punch ${p.id} discarded.`;
            }),
        }, 'Discard…'),
      );
    }
    buttons.push(
      el('button', {
        type: 'button',
        onclick: async () => {
          const one = await api('GET', `/punches/${p.id}`);
          const rows = one.reviews.map((r) => [when(r.at), r.action, `${r.from_status} → ${r.to_status}`, r.detail || '—', r.actor || '—']);
          await confirmDialog(`History of punch ${p.id}`, [table('What admins did', ['When', 'Action', 'Status', 'Detail', 'By'], rows, 'Nothing done to it by hand.')], 'Close');
        },
      }, 'History'),
    );
    return el('span', { class: 'row-actions' }, buttons);
  }

  function linkPicker() {
    const picker = employeePicker('Employee', 'employee', { initial: api('GET', '/employees?status=Active&page_size=20') });
    picker.select.required = true;
    return picker;
  }

  async function load() {
    const wanted = listParams(params, names);
    csv.setAttribute('href', `/api/v1/punches${query({ ...wanted, page: undefined, format: 'csv' })}`);
    const reply = await api('GET', `/punches${query(wanted)}`);
    const rows = reply.data.map((p) => [
      String(p.id),
      badge(p.status, STATUS_KIND[p.status]),
      p.employee ? `${p.employee_name ?? ''} (${p.employee})` : '—',
      p.employee_id,
      p.device_id && p.device_id !== p.device_serial ? `${p.device_serial} / ${p.device_id}` : p.device_serial,
      p.site,
      zoned(p.local_time, p.time_zone),
      zoned(p.site_time, p.site_time_zone),
      p.log_type,
      p.checkin_id ? el('a', { href: `#/checkins${query({ employee: p.employee, from: p.site_time.slice(0, 10), to: p.site_time.slice(0, 10) })}` }, p.checkin_id) : '—',
      actions(p),
    ]);
    show(list, 
      pages(reply, params, 'Punch pages'),
      scrollBox(table(`${reply.total} punch(es)`, ['ID', 'Status', 'Employee', 'User id', 'Device', 'Site', 'Device time', 'Site time', 'Log type', 'Check-in', 'Actions'], rows, 'No punch matches these filters.'), 'Punches'),
      rows.length > 10 ? pages(reply, params, 'Punch pages (bottom)') : null,
    );
  }

  show(main, 
    ...heading('Punches', `Every punch received and what became of it. Device time is the terminal's wall clock in its zone; site time is the same instant in the server's zone (${session.time_zone}).`),
    filters,
    el('p', {}, csv),
    note,
    list,
  );
  await load();
}
