// Terminals without ADMS, read over TCP 4370: the list and the "add by IP address" form on the
// Devices page, and the polling section of a terminal's page (read now, pause, change, stop).
import { act, api, badge, el, facts, field, notice, scrollBox, show, table, when } from '../lib.js';

const result = (p) => (p.last_poll_at === null ? badge('not polled yet', 'pending') : p.last_error_kind === null ? badge('read', 'ok') : badge(p.last_error_kind.replace(/_/g, ' '), 'bad'));
const records = (p) => (p.records === null ? '—' : `${p.records} of ${p.records_capacity ?? '?'}`);

/** What one poll did, in a sentence. */
function pollSentence(r) {
  if (!r.polled) return `${r.serial}: another instance is reading it now.`;
  if (!r.ok) throw new Error(`${r.serial} could not be read (${r.failure}): ${r.error}`);
  return `${r.serial} read: ${r.records} record(s) on it, ${r.created} new, ${r.duplicate} already stored${r.reread ? ' (its log changed: read whole again)' : ''}${r.cleared ? '; its log was cleared' : ''}.`;
}

const checkbox = (label, name, checked) => {
  const id = `f-${name}-${Math.random().toString(36).slice(2, 7)}`;
  return el('div', { class: 'field check' }, el('input', { id, name, type: 'checkbox', checked }), el('label', { for: id }, label));
};

/** The Devices page's section: polled terminals, and the form that adds one by its address. */
export function pollersSection() {
  const note = notice();
  const list = el('div');
  const form = el(
    'form',
    { class: 'inline', 'aria-label': 'Add a terminal by IP address' },
    field('Serial number', 'serial', { required: true, maxlength: 64, placeholder: 'as on its System Info screen' }),
    field('IP address or host', 'host', { required: true, maxlength: 253, placeholder: 'e.g. 192.168.1.201' }),
    field('Port', 'port', { type: 'number', min: 1, max: 65535, value: 4370 }),
    field('Comm key (0: none)', 'comm_key', { type: 'number', min: 0, max: 999999, value: 0 }),
    field('Every (seconds)', 'interval_seconds', { type: 'number', min: 10, max: 86400, value: 60 }),
    field('Time zone (IANA, empty for the default)', 'time_zone', { placeholder: 'e.g. Asia/Riyadh' }),
    checkbox('Clear its log after each read', 'clear_after_read', false),
    checkbox('Set its clock when it is off', 'set_clock', false),
    el('button', { type: 'submit' }, 'Add terminal'),
  );
  let shown = '';
  async function load() {
    const { pollers } = await api('GET', '/pollers');
    const fingerprint = JSON.stringify(pollers);
    if (fingerprint === shown) return;
    shown = fingerprint;
    show(
      list,
      scrollBox(
        table(
          `${pollers.length} terminal(s) read over TCP 4370`,
          ['Serial', 'Address', 'Every', 'Polling', 'Last read', 'Result', 'Records', 'Next poll'],
          pollers.map((p) => [el('a', { href: `#/devices/${encodeURIComponent(p.serial)}` }, p.serial), `${p.host}:${p.port}`, `${p.interval_seconds} s`, p.enabled ? 'on' : 'paused', when(p.last_success_at), result(p), records(p), when(p.next_poll_at)]),
          'No terminal is read over TCP 4370. Terminals that cannot push (no Cloud Server Setting) are added here by their address.',
        ),
        'Terminals read over TCP 4370',
      ),
    );
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {
      serial: form.serial.value.trim(),
      host: form.host.value.trim(),
      port: Number(form.port.value),
      comm_key: Number(form.comm_key.value),
      interval_seconds: Number(form.interval_seconds.value),
      clear_after_read: form.clear_after_read.checked,
      set_clock: form.set_clock.checked,
      ...(form.time_zone.value.trim() ? { time_zone: form.time_zone.value.trim() } : {}),
    };
    if (await act(note, async () => {
      const p = await api('POST', '/pollers', body);
      form.reset();
      return `${p.serial} added: read at ${p.host}:${p.port} every ${p.interval_seconds} s, first within seconds.`;
    })) await load();
  });
  const section = el('section', { 'aria-labelledby': 'pollers' }, el('h2', { id: 'pollers' }, 'Terminals without ADMS (read over TCP 4370)'), note, list, form);
  return { section, load };
}

/**
 * A terminal's polling, on its page, from `p` (the `poller` of GET /devices/SN): what the page
 * shows inside its *Polling* section (the page keeps the section, its heading and `note`, so an
 * outcome stays up when this is rebuilt); null when the terminal is not polled.
 */
export function pollerSection(serial, p, reload, note) {
  if (!p) return null;
  const sn = encodeURIComponent(serial);
  const change = el(
    'form',
    { class: 'inline', 'aria-label': 'Change how it is read' },
    field('IP address or host', 'host', { value: p.host, maxlength: 253 }),
    field('Port', 'port', { type: 'number', min: 1, max: 65535, value: p.port }),
    field(`Comm key (${p.comm_key_set ? 'set; empty keeps it' : 'none; empty keeps none'})`, 'comm_key', { type: 'number', min: 0, max: 999999 }),
    field('Every (seconds)', 'interval_seconds', { type: 'number', min: 10, max: 86400, value: p.interval_seconds }),
    checkbox('Clear its log after each read', 'clear_after_read', p.clear_after_read),
    checkbox('Set its clock when it is off', 'set_clock', p.set_clock),
    el('button', { type: 'submit' }, 'Save polling'),
  );
  change.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {
      host: change.host.value.trim(),
      port: Number(change.port.value),
      interval_seconds: Number(change.interval_seconds.value),
      clear_after_read: change.clear_after_read.checked,
      set_clock: change.set_clock.checked,
      ...(change.comm_key.value.trim() !== '' ? { comm_key: Number(change.comm_key.value) } : {}),
    };
    if (await act(note, async () => {
      await api('PATCH', `/pollers/${sn}`, body);
      return `Polling of ${serial} saved.`;
    })) await reload();
  });
  const button = (text, onclick, cls) => el('button', { type: 'button', class: cls, onclick }, text);
  const actions = el(
    'div',
    { class: 'actions' },
    button('Read now', async () => {
      if (await act(note, async () => pollSentence(await api('POST', `/pollers/${sn}/poll`)))) await reload();
    }),
    button(p.enabled ? 'Pause polling' : 'Resume polling', async () => {
      if (await act(note, async () => {
        await api('PATCH', `/pollers/${sn}`, { enabled: !p.enabled });
        return p.enabled ? `Polling of ${serial} paused.` : `Polling of ${serial} resumed.`;
      })) await reload();
    }),
    button(
      'Stop polling',
      async () => {
        if (!confirm(`Stop reading ${serial}? Its punches and users stay; its log stays on the terminal.`)) return;
        if (await act(note, async () => {
          await api('DELETE', `/pollers/${sn}`);
          return `${serial} is no longer read.`;
        })) await reload();
      },
      'danger',
    ),
  );
  return el(
    'div',
    {},
    facts([
      ['Address', `${p.host}:${p.port}, every ${p.interval_seconds} s${p.enabled ? '' : ' (paused)'}`],
      ['Last poll', p.last_poll_at === null ? 'not yet' : el('span', {}, result(p), ` ${when(p.last_poll_at)}${p.last_error ? `: ${p.last_error}` : ''}`)],
      ['Last read', when(p.last_success_at)],
      ['Records on it', `${records(p)} (users ${p.users ?? '—'} of ${p.users_capacity ?? '?'})`],
      ['Read so far', `${p.cursor.count} record(s)${p.cursor.time ? `, the last at ${p.cursor.time} on its clock` : ''}`],
      ['Next poll', `${when(p.next_poll_at)}${p.failures ? ` (after ${p.failures} failed poll(s) in a row)` : ''}`],
      ['Its log', p.clear_after_read ? 'cleared after each read' : 'kept on the terminal'],
      ['Its clock', p.set_clock ? 'set when it is off' : 'measured, not set'],
    ]),
    actions,
    change,
  );
}
