// A MySQL link that goes silent (a partition: nothing refused, nothing answered) fails each
// statement by the client-side timeout, and the connection that timed out is dropped, not
// handed to the next caller: mysql2 would queue that caller's statements behind the one that
// never got its answer, where no timeout ever starts, and they would wait for ever.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, closeDatabase, openDatabase } from '../../src/store/db.js';
import { freshDatabaseUrl, testDialect } from '../helpers/db.js';
import { type TcpProxy, startProxyTo } from '../helpers/tcpProxy.js';

const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error & { code?: string }) => e.code ?? e.name);

describe('a silent MySQL link', { skip: testDialect() !== 'mysql' && 'an embedded SQLite database has no link' }, () => {
  let proxy: TcpProxy;
  let db: Database;
  let drop: () => Promise<void>;

  before(async () => {
    const fresh = freshDatabaseUrl();
    drop = fresh.drop;
    const through = await startProxyTo(fresh.url);
    proxy = through.proxy;
    db = await openDatabase(through.url, { acquireSeconds: 1, statementSeconds: 1 });
  });
  after(async () => {
    proxy.restore();
    await closeDatabase(db);
    await proxy.close();
    await drop();
  });

  test('fails the statement and everything after it by the timeouts, and recovers when it answers again', { timeout: 60_000 }, async () => {
    await db.knex.raw('SELECT 1');
    proxy.blackhole();
    // The transaction's statement times out on the pooled connection; its ROLLBACK must not wait behind it.
    assert.equal(await outcome(db.knex.transaction((trx) => trx.raw('SELECT 2'))), 'PROTOCOL_SEQUENCE_TIMEOUT');
    // The next caller must not get that connection back: a new one cannot be made, so it fails by the acquire timeout.
    assert.notEqual(await outcome(db.knex.raw('SELECT 3')), 'ok');
    proxy.restore();
    const end = Date.now() + 20_000;
    let last = '';
    while (Date.now() < end && (last = await outcome(db.knex.raw('SELECT 4'))) !== 'ok') await new Promise((r) => setTimeout(r, 100));
    assert.equal(last, 'ok');
  });
});
