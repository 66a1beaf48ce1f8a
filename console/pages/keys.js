// Keys: create (the secret is shown once) and revoke API keys.
import { act, api, badge, el, field, hashParams, heading, notice, pageParam, pager, query, scrollBox, setHashParams, show, table, when } from '../lib.js';

const PAGE_SIZE = 50;

export async function keysPage(main) {
  const at = pageParam(hashParams().get('page'));
  const note = notice();
  const list = el('div');
  const secret = el('div', { 'aria-live': 'polite' });
  const form = el(
    'form',
    { class: 'inline', 'aria-labelledby': 'new-key' },
    el('h2', { id: 'new-key' }, 'Create a key'),
    field('Label', 'label', { required: true }),
    field('Role', 'role', {}, [['ingest', 'ingest (post punches)'], ['admin', 'admin (everything)']]),
    el('button', { type: 'submit' }, 'Create key'),
  );
  async function load() {
    const reply = await api('GET', `/keys${query({ page: at, page_size: PAGE_SIZE })}`);
    const { data, total } = reply;
    show(list, 
      total > PAGE_SIZE ? pager(reply, (page) => setHashParams({ page: page > 1 ? page : '' }) || act(note, load), 'Key pages') : null,
      scrollBox(table(`${total} key(s)`, ['Key', 'Label', 'Role', 'Status', 'Created', 'Last used', ''],
        data.map((k) => [el('code', {}, k.api_key), k.label, k.role, badge(k.status, k.status === 'active' ? 'ok' : 'neutral'), when(k.created_at), when(k.last_used_at),
          k.status === 'active' ? el('button', { type: 'button', class: 'danger', onclick: () => revoke(k.api_key) }, `Revoke ${k.api_key}`) : '']),
        'No keys.'), 'API keys'),
    );
  }
  async function revoke(key) {
    if (!confirm(`Revoke ${key}? Whatever uses it stops working at once.`)) return;
    if (await act(note, async () => {
      await api('DELETE', `/keys/${encodeURIComponent(key)}`);
      return `${key} revoked.`;
    })) await load();
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await act(note, async () => {
      const k = await api('POST', '/keys', { label: form.label.value.trim(), role: form.role.value });
      show(secret, 
        el('p', { class: 'notice ok' }, 'Copy the secret now: it is not shown again.'),
        el('p', {}, 'Authorization header: ', el('code', { id: 'new-secret' }, `token ${k.api_key}:${k.api_secret}`)),
      );
      form.reset();
      return `Key ${k.api_key} (${k.role}) created.`;
    })) await load();
  });
  show(main, ...heading('API keys', 'Devices need no key; JSON clients use an ingest key, integrators and this console an admin key.'), form, note, secret, list);
  await load();
}
