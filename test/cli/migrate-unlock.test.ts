// `iclockd migrate --unlock`: frees the migration lock an instance left held when it died
// mid-migration (serve then waits for it, and at last fails naming this command).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CliHarness, cliHarness } from '../helpers/cli.js';
import { testDialect } from '../helpers/db.js';

let h: CliHarness;
before(async () => {
  h = await cliHarness();
});
after(async () => {
  await h.cleanup();
});

test(`migrate --unlock on ${testDialect()}: a held lock freed, a free one said to be free`, async () => {
  const knex = h.services.db.knex;
  await knex('knex_migrations_lock').update({ is_locked: 1 });
  const freed = await h.cli('migrate', '--unlock');
  assert.equal(freed.code, 0, freed.err.join('\n'));
  assert.deepEqual(freed.out, ['migration lock freed: start iclockd again']);
  assert.deepEqual(((await knex('knex_migrations_lock').select('is_locked')) as { is_locked: number }[]).map((r) => Number(r.is_locked)), [0]);
  assert.deepEqual((await h.cli('migrate', '--unlock')).out, ['the migration lock was not held']);
  assert.deepEqual((await h.cli('migrate')).out, ['database schema is up to date']);
});
