// Sync log: the Biometric Sync Log, filtered by device, status, channel and dates (filters and
// page in the URL hash, so Back from an entry returns to them), paged on the server, with the
// success rate over the filter; one entry shows what was received and why it failed.
import { api, badge, day, el, facts, field, hashParams, heading, pageParam, pager, query, scrollBox, setHashParams, show, table, when } from '../lib.js';

const PAGE_SIZE = 50;
/** The list as last seen (filters and page): an entry's link back returns to it. */
let listHash = '#/sync-log';

export async function syncLogPage(main) {
  const params = hashParams();
  const page = pageParam(params.get('page'));
  listHash = location.hash || '#/sync-log';
  const form = el(
    'form',
    { class: 'filters', 'aria-label': 'Filter the sync log' },
    field('Device', 'device', { value: params.get('device') || '' }),
    field('Status', 'status', { value: params.get('status') || '' }, [['', 'any'], ['processed', 'processed'], ['error', 'error'], ['received', 'received']]),
    field('Channel', 'channel', { value: params.get('channel') || '' }, [['', 'any'], ['adms', 'adms (terminals)'], ['json', 'json (API)'], ['admin', 'admin (punches fixed by hand)']]),
    field('From', 'from', { type: 'date', value: params.get('from') || day(-6) }),
    field('To', 'to', { type: 'date', value: params.get('to') || day() }),
    el('button', { type: 'submit' }, 'Filter'),
  );
  const summary = el('p', { class: 'summary', role: 'status' });
  const list = el('div');
  const filters = () => ({ device: form.device.value.trim(), status: form.status.value, channel: form.channel.value, from: form.from.value, to: form.to.value });
  /** Goes to a page under the form's filters, through the URL: Back and reload keep them. */
  function go(to) {
    if (!setHashParams({ ...filters(), page: to > 1 ? to : '' })) load(to).catch((err) => (summary.textContent = err.message));
  }
  async function load(at = page) {
    const f = filters();
    const [reply, stats] = [
      await api('GET', `/sync-log${query({ ...f, page: at, page_size: PAGE_SIZE })}`),
      // The success rate over the same range, device and channel (status would make it 0 or 100).
      await api('GET', `/sync-log/summary${query({ device: f.device, channel: f.channel, from: f.from, to: f.to })}`),
    ];
    summary.textContent = `${reply.total} request(s) match. Success rate over the range${f.device ? ` for ${f.device}` : ''}${f.channel ? ` on ${f.channel}` : ''}: ${stats.success_rate}% (${stats.successful} of ${stats.total_requests}; ${stats.errors} error(s)).`;
    show(list, 
      pager(reply, go, 'Sync log pages'),
      reply.data.length === 0
        ? el('p', { class: 'muted' }, 'No request matches.')
        : scrollBox(
            table(
              'Sync log, newest first',
              ['Id', 'Received', 'Channel', 'Endpoint', 'Device', 'Status', 'Records', 'New', 'Duplicate', 'Failed', 'Error'],
              reply.data.map((s) => [
                el('a', { href: `#/sync-log/${s.id}` }, String(s.id)),
                when(s.received_at),
                s.channel,
                el('code', {}, s.endpoint),
                s.device || '—',
                badge(s.status, s.status === 'processed' ? 'ok' : s.status === 'error' ? 'bad' : 'neutral'),
                String(s.records_total),
                String(s.records_created),
                String(s.records_duplicate),
                String(s.records_failed),
                s.error || '',
              ]),
            ),
            'Sync log',
          ),
      reply.data.length > 10 ? pager(reply, go, 'Sync log pages (bottom)') : null,
    );
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go(1);
  });
  show(main, ...heading('Sync log', 'One row per upload from a terminal and per JSON API request (heartbeats are counted on the device page, not logged here).'), form, summary, list);
  await load();
}

export async function syncEntryPage(main, id) {
  const s = await api('GET', `/sync-log/${id}`);
  const r = s.received;
  show(main, 
    ...heading(`Sync log entry ${s.id}`),
    el('p', {}, el('a', { href: listHash }, '← Sync log')),
    facts([
      ['Status', badge(s.status, s.status === 'processed' ? 'ok' : s.status === 'error' ? 'bad' : 'neutral')],
      ['Why it failed', s.error || (s.status === 'error' ? 'no reason recorded' : 'it did not fail')],
      ['Received', `${when(s.received_at)} from ${s.remote_address || '—'}, answered in ${s.duration_ms ?? '—'} ms`],
      ['Channel and endpoint', `${s.channel} ${s.endpoint}`],
      ['Request id', s.request_id ? el('code', {}, s.request_id) : '—'],
      ['Device', s.device || '—'],
      ['Records', `${s.records_total} (new ${s.records_created}, duplicate ${s.records_duplicate}, failed ${s.records_failed})`],
    ]),
    el('h2', {}, 'What was received'),
    r
      ? el(
          'div',
          {},
          facts([
            ['Request', el('code', {}, `${r.method} ${r.path}?${r.query}`)],
            ['Archived as', `request ${r.archive_id}: ${r.outcome}, ${r.records} record(s), ${r.rejected_lines} line(s) not read`],
            ['Reading errors', r.error || 'none'],
          ]),
          r.body === null
            ? el('p', { class: 'muted' }, `The body (${r.body_bytes} bytes) holds user records or biometric data and is not shown.`)
            : el('pre', { class: 'body', 'aria-label': 'Request body' }, r.body + (r.body_truncated ? '\n… (cut at 64 KB)' : '')),
        )
      : el('p', { class: 'muted' }, s.channel === 'adms' ? 'The upload is no longer in the request archive (kept ICLOCKD_ARCHIVE_DAYS), or this was not an upload.' : s.channel === 'admin' ? 'What was done to the punch is in its history on the Punches page.' : 'JSON API requests are not stored, only their outcome.'),
  );
}
