// Devices: every terminal with its online dot, and one terminal's page (approve / block, zone,
// commands, the 24-hour timeline, the diagnosis and its clock drift).
import { act, api, badge, el, facts, field, hashParams, heading, notice, pageParam, pager, query, scrollBox, session, setHashParams, show, table, when } from '../lib.js';
import { every, staleNotice } from '../refresh.js';
import { pollerSection, pollersSection } from './pollers.js';

function onlineDot(d) {
  return el('span', { class: `dot ${d.online ? 'on' : 'off'}` }, d.online ? 'online' : 'offline');
}

/** How often the list and a terminal's page refresh (ms); a test may shorten them (?refresh=ms). */
const REFRESH = (() => {
  const ms = Number(new URLSearchParams(location.search).get('refresh'));
  return ms > 0 ? { list: ms, device: ms } : { list: 10_000, device: 5_000 };
})();

const info = (d, key) => (d.info && d.info[key] !== undefined && d.info[key] !== null ? String(d.info[key]) : '—');

const PAGE_SIZE = 50;
const STATES = ['pending', 'approved', 'blocked'];

export async function devicesPage(main) {
  const params = hashParams();
  const wanted = { q: params.get('q') || '', state: params.get('state') || '', page: pageParam(params.get('page')) };
  const note = notice();
  const list = el('div');
  const filter = el(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Find devices' },
    field('Serial or display name', 'q', { type: 'search', value: wanted.q }),
    field('State', 'state', { value: wanted.state }, [['', 'all'], ...STATES.map((s) => [s, s])]),
    el('button', { type: 'submit' }, 'Show'),
  );
  /** Goes to a page of the list with the form's filters, through the URL (Back returns here). */
  function go(page) {
    const next = { q: filter.q.value.trim(), state: filter.state.value, page: page > 1 ? page : '' };
    if (!setHashParams(next)) act(note, load);
  }
  let shown = '';
  async function load() {
    const reply = await api('GET', `/devices${query({ q: wanted.q, state: wanted.state, page: wanted.page, page_size: PAGE_SIZE })}`);
    const { data, total } = reply;
    // Unchanged since the last refresh: keep the table (and keyboard focus in it).
    const fingerprint = JSON.stringify([total, data]);
    if (fingerprint === shown) return;
    shown = fingerprint;
    const rows = data.map((d) => [
      onlineDot(d),
      el('a', { href: `#/devices/${encodeURIComponent(d.serial)}` }, d.serial),
      d.alias || '—',
      badge(d.state),
      when(d.last_seen_at),
      d.firmware || '—',
      d.last_address || '—',
      d.time_zone || `default (${session.time_zone})`,
      info(d, 'users'),
      info(d, 'fingerprints'),
      info(d, 'attlogs'),
      String(d.punches_today),
      d.state === 'approved'
        ? ''
        : el('span', { class: 'actions' }, [
            el('button', { type: 'button', onclick: () => decide(d.serial, 'approve') }, `Approve ${d.serial}`),
            d.state === 'pending' ? el('button', { type: 'button', class: 'danger', onclick: () => decide(d.serial, 'block') }, `Block ${d.serial}`) : null,
          ]),
    ]);
    // A refresh keeps keyboard focus on the same button.
    const focused = list.contains(document.activeElement) ? document.activeElement.textContent : null;
    const filtered = wanted.q || wanted.state;
    show(list, 
      pager(reply, go, 'Device pages'),
      total === 0
        ? el('p', { class: 'muted' }, filtered ? 'No terminal matches.' : 'No terminal has contacted iclockd yet.')
        : scrollBox(
            table(
              `${total} terminal(s)${wanted.q ? ` matching “${wanted.q}”` : ''}${wanted.state ? `, ${wanted.state}` : ''}`,
              ['Status', 'Serial', 'Alias', 'State', `Last seen (${session.time_zone})`, 'Firmware', 'Address', 'Time zone', 'Users', 'FP', 'Logs', 'Punches today', 'Actions'],
              rows,
            ),
            'Devices',
          ),
      data.length > 10 ? pager(reply, go, 'Device pages (bottom)') : null,
    );
    if (focused) [...list.querySelectorAll('button')].find((b) => b.textContent === focused)?.focus();
  }
  async function decide(serial, action) {
    if (action === 'block' && !confirm(`Block ${serial}? iclockd refuses it until it is approved again; the terminal keeps its punches meanwhile.`)) return;
    if (await act(note, async () => {
      const r = await api('POST', `/devices/${encodeURIComponent(serial)}/${action}`);
      return action === 'approve' ? `${serial} approved; ${r.released.requests} held upload(s) with ${r.released.created} new punch(es) ingested.` : `${serial} blocked.`;
    })) await load();
  }
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    go(1);
  });
  const stale = staleNotice();
  const polled = pollersSection();
  show(main, 
    ...heading('Devices', 'Online means heard from within three poll intervals (Delay). Open a terminal for its timeline, commands and diagnosis.'),
    el('p', { class: 'zone-note' }, `Times are in ${session.time_zone} (the server's zone, ICLOCKD_TZ). A terminal's own zone is the one its punches' times are read in.`),
    filter,
    note,
    stale,
    list,
    polled.section,
  );
  const both = async () => {
    await load();
    await polled.load();
  };
  await both();
  return every(REFRESH.list, both, stale);
}

/** Requests and uploads per five minutes, as an SVG bar strip with a text summary. */
function timelineChart(t) {
  const w = 864;
  const h = 80;
  const n = t.buckets.length;
  const max = Math.max(1, ...t.buckets.map((b) => b.requests));
  const bw = w / n;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${h + 14}`);
  svg.setAttribute('class', 'timeline');
  svg.setAttribute('role', 'img');
  const heard = t.buckets.filter((b) => b.requests > 0).length;
  const uploads = t.buckets.reduce((s, b) => s + b.uploads, 0);
  const errors = t.buckets.reduce((s, b) => s + b.errors, 0);
  svg.setAttribute('aria-label', `Heard from in ${heard} of ${n} five-minute slots; ${uploads} upload(s), ${errors} with errors.`);
  const rect = (x, y, width, height, cls, title) => {
    const r = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    Object.entries({ x, y, width, height, class: cls }).forEach(([k, v]) => r.setAttribute(k, String(v)));
    const tt = document.createElementNS('http://www.w3.org/2000/svg', 'title');
    tt.textContent = title;
    r.append(tt);
    svg.append(r);
  };
  t.buckets.forEach((b, i) => {
    if (b.requests > 0) {
      const bh = Math.max(2, (b.requests / max) * (h - 10));
      rect(i * bw, h - bh, Math.max(1, bw - 0.5), bh, 'beat', `${when(b.at)}: ${b.requests} request(s)`);
    }
    if (b.uploads > 0) rect(i * bw, h + 4, Math.max(2, bw - 0.5), 8, b.errors ? 'upload-error' : 'upload', `${when(b.at)}: ${b.uploads} upload(s), ${b.records} record(s)${b.errors ? `, ${b.errors} failed` : ''}`);
  });
  return el(
    'figure',
    { class: 'chart' },
    svg,
    el('figcaption', {}, `Last ${Math.round(n / 12)} h, from ${when(t.from)} to ${when(t.to)}: bars are requests (polls and uploads) per five minutes; the strip below marks uploads (red: with errors). ${heard} of ${n} slots heard from, ${uploads} upload(s), ${errors} with errors.`),
  );
}

export async function devicePage(main, serial) {
  const sn = encodeURIComponent(serial);
  const note = notice();
  const stale = staleNotice();
  // The forms are built once; only what they act on is refreshed (so a refresh never loses typing).
  const factsBox = el('div');
  const diagnosisBox = el('section', { 'aria-labelledby': 'diag' });
  const actionsBox = el('div', { class: 'actions' });
  const timelineBox = el('div');
  const commandsBox = el('div');
  // The section stays; its body is rebuilt, so the outcome of Read now (in its note) stays up.
  const pollingNote = notice();
  const pollingBody = el('div');
  const pollingBox = el('section', { 'aria-labelledby': 'polling', hidden: true }, el('h2', { id: 'polling' }, 'Polling (TCP 4370)'), pollingNote, pollingBody);
  const zone = el('form', { class: 'inline', 'aria-label': 'Time zone' }, field('Time zone (IANA, empty for the default)', 'time_zone', { placeholder: 'e.g. Asia/Riyadh' }), el('button', { type: 'submit' }, 'Set time zone'));
  const aliasForm = el('form', { class: 'inline', 'aria-label': 'Display name' }, field('Display name (alias; empty clears it)', 'alias', { maxlength: 100 }), el('button', { type: 'submit' }, 'Save name'));
  const kinds = ['info', 'check', 'log', 'reboot', 'reload-options', 'sync-users', 'raw'];
  const command = el(
    'form',
    { class: 'inline', 'aria-label': 'Send a command' },
    field('Command', 'command', {}, kinds.map((k) => [k, k])),
    field('Text (for raw)', 'text', {}),
    el('button', { type: 'submit' }, 'Send command'),
  );
  // Commands go out when a terminal asks for them over ADMS: not shown for one that is only read.
  const commandsSection = el('section', { 'aria-labelledby': 'cmds' }, el('h2', { id: 'cmds' }, 'Commands'), command, commandsBox);
  let shown = '';
  async function load() {
    const d = await api('GET', `/devices/${sn}`);
    const timeline = await api('GET', `/devices/${sn}/timeline?hours=24`);
    const commands = await api('GET', `/devices/${sn}/commands?page_size=20`);
    const poller = d.poller;
    // Unchanged since the last refresh: leave the page (and the reader's place in it) alone.
    const fingerprint = JSON.stringify([d, timeline.buckets, commands.data]);
    if (fingerprint === shown) return;
    shown = fingerprint;
    // Rebuilt when what it shows changed, unless the reader is typing in its form.
    commandsSection.hidden = poller !== null && !d.last_seen_at;
    const typing = pollingBox.contains(document.activeElement) && ['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement.tagName);
    if (!typing) {
      const body = pollerSection(serial, poller, load, pollingNote);
      show(pollingBody, body);
      // Stopped from here: the section stays up with the outcome until the page is left.
      pollingBox.hidden = body === null && !pollingNote.textContent;
    }
    const drift = d.clock_drift_seconds === null ? 'not measured yet (needs a real-time upload, or a poll)' : `${Math.abs(d.clock_drift_seconds)} s ${d.clock_drift_seconds < 0 ? 'ahead' : d.clock_drift_seconds > 0 ? 'behind' : ''} (measured ${when(d.clock_drift_at)})`;
    show(factsBox, 
      facts([
        // Online, state and delivering all come from the one read the diagnosis below is made of.
        ['Status', el('span', {}, onlineDot(d), ' ', badge(d.state), ' ', badge(d.diagnosis.delivering ? 'delivering' : 'not delivering', d.diagnosis.delivering ? 'ok' : 'bad'))],
        ['Display name', d.alias || '—'],
        poller && !d.last_seen_at
          ? ['Last read', `${when(poller.last_success_at)} ${session.time_zone} over TCP 4370 (read every ${poller.interval_seconds} s; it does not push)`]
          : ['Last seen', `${when(d.last_seen_at)} ${session.time_zone} from ${d.last_address || '—'} (polls every ${d.delay_seconds} s)`],
        ['Firmware', d.firmware || '—'],
        ['Push version', d.push_version || '—'],
        ['Time zone', d.time_zone ? `${d.time_zone} (its punches' times are read in this zone)` : `the default, ${session.time_zone} (ICLOCKD_TZ)`],
        ['Users / FP / logs (INFO)', `${info(d, 'users')} / ${info(d, 'fingerprints')} / ${info(d, 'attlogs')}${d.info_at ? ` (reported ${when(d.info_at)})` : ''}`],
        ['Punches today', `${d.punches_today} (${d.today})`],
        ['Clock drift', drift],
      ]),
    );
    show(diagnosisBox, el('h2', { id: 'diag' }, d.diagnosis.delivering ? 'Diagnosis: delivering' : 'Diagnosis: not delivering'), el('ul', { class: 'findings' }, d.diagnosis.findings.map((f) => el('li', {}, f))));
    show(actionsBox, 
      ...[
        d.state !== 'approved' ? el('button', { type: 'button', onclick: () => decide('approve') }, 'Approve') : null,
        d.state !== 'blocked' ? el('button', { type: 'button', class: 'danger', onclick: () => decide('block') }, 'Block') : null,
      ].filter(Boolean),
    );
    if (document.activeElement !== zone.time_zone) zone.time_zone.value = d.time_zone || '';
    if (document.activeElement !== aliasForm.alias) aliasForm.alias.value = d.alias || '';
    show(timelineBox, timelineChart(timeline));
    show(commandsBox, 
      scrollBox(table('Latest commands', ['Id', 'Command', 'State', 'Tries', 'Return code', 'Result', 'Queued', 'Completed'],
        commands.data.map((c) => [String(c.id), el('code', {}, c.command), badge(c.state), String(c.tries), c.return_code === null ? '—' : String(c.return_code), c.result ? el('pre', {}, c.result) : '—', when(c.created_at), when(c.completed_at)]),
        'No commands sent to this terminal yet.'), 'Latest commands'),
    );
  }
  async function decide(action) {
    if (action === 'block' && !confirm(`Block ${serial}? iclockd refuses it until it is approved again; the terminal keeps its punches meanwhile.`)) return;
    if (await act(note, async () => {
      await api('POST', `/devices/${sn}/${action}`);
      return `${serial}: ${action === 'approve' ? 'approved' : 'blocked'}.`;
    })) await load();
  }
  zone.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = zone.time_zone.value.trim();
    if (await act(note, async () => {
      await api('PATCH', `/devices/${sn}`, { time_zone: value || null });
      return `Time zone of ${serial} set to ${value || 'the default'}.`;
    })) await load();
  });
  aliasForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = aliasForm.alias.value.trim();
    if (await act(note, async () => {
      await api('PATCH', `/devices/${sn}`, { alias: value || null });
      return value ? `${serial} is now called ${value}.` : `The display name of ${serial} was cleared.`;
    })) await load();
  });
  command.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await act(note, async () => {
      const spec = { command: command.command.value, ...(command.command.value === 'raw' ? { text: command.text.value } : {}) };
      const r = await api('POST', `/devices/${sn}/commands`, spec);
      return r.queued !== undefined ? `${r.queued} command(s) queued.` : `Command ${r.id} queued; it goes out on the next poll.`;
    })) await load();
  });
  show(main, 
    ...heading(`Device ${serial}`),
    el('p', {}, el('a', { href: '#/devices' }, '← All devices')),
    note,
    stale,
    factsBox,
    diagnosisBox,
    el('p', { class: 'zone-note' }, `Times are in ${session.time_zone} (the server's zone, ICLOCKD_TZ), the diagnosis's too.`),
    pollingBox,
    actionsBox,
    aliasForm,
    zone,
    el('section', { 'aria-labelledby': 'tl' }, el('h2', { id: 'tl' }, 'Heartbeats and uploads, last 24 h'), timelineBox),
    commandsSection,
  );
  await load();
  // Often enough to see a command go out on the next poll and its result come back.
  return every(REFRESH.device, load, stale);
}
