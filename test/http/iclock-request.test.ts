// A terminal's request is read once at the edge and known by one request id: in the reply's
// X-Iclockd-Request header, the log line, its archive row and its sync-log row, which is how
// the sync log finds what the terminal sent (not by device, second and record count).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

const SN = 'REQID0001';
/** Every request of this server arrives in the same second. */
const NOW = new Date('2025-05-01T09:00:00.300Z');
const ID = /^[0-9a-f]{32}$/;

describe(`one request id per terminal request on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;
  const knex = () => s.running.services.db.knex;

  before(async () => {
    s = await startTestServer({ devicePolicy: 'approve', maxBodyBytes: 2048 }, { clock: () => NOW });
    admin = client(s, await s.authHeader('admin'));
  });
  after(async () => {
    await s.stop();
  });

  async function upload(body: string) {
    const res = await fetch(`${s.baseUrl}/iclock/cdata?SN=${SN}&table=ATTLOG&Stamp=9999`, { method: 'POST', body });
    return { status: res.status, text: await res.text(), id: res.headers.get('x-iclockd-request') };
  }

  /** The sync-log entry with this request id, as GET /api/v1/sync-log/:id returns it. */
  async function entryOf(requestId: string) {
    const listed = (await admin.get(`/api/v1/sync-log?device=${SN}&page_size=100`)).body.data as { id: number; request_id: string | null }[];
    const row = listed.find((e) => e.request_id === requestId);
    assert.ok(row, `a sync-log row for request ${requestId}`);
    return (await admin.get(`/api/v1/sync-log/${row.id}`)).body;
  }

  test('uploads alike in device, endpoint, second and record count: each entry shows its own request', async () => {
    // Two lines each: clean ones, and ones with a line that cannot be read.
    const bodies = Array.from({ length: 8 }, (_, i) =>
      i % 2 ? `${100 + i}\t2025-05-01 08:00:0${i}\t0\t1\nthis is not a punch line ${i}\n` : `${100 + i}\t2025-05-01 08:00:0${i}\t0\t1\n${200 + i}\t2025-05-01 08:00:0${i}\t0\t1\n`,
    );
    const sent = await Promise.all(bodies.map(upload));
    for (const r of sent) assert.equal(r.status, 200, r.text);
    for (const [i, r] of sent.entries()) {
      assert.match(r.id ?? '', ID);
      const entry = await entryOf(r.id!);
      assert.equal(entry.request_id, r.id);
      assert.equal(entry.records_total, 2);
      assert.equal(entry.received.body, bodies[i], `entry ${entry.id} shows request ${i}`);
      if (i % 2) assert.match(entry.error, new RegExp(`archived with request ${entry.request_id}\\)`));
      const archived = (await knex()('device_requests').where({ request_id: r.id }).select('id')) as { id: number }[];
      assert.deepEqual(archived.map((a) => Number(a.id)), [entry.received.archive_id], 'one archive row carries the id');
    }
    assert.equal(new Set(sent.map((r) => r.id)).size, sent.length, 'ids are unique');
  });

  test('a refused upload shows nothing received, not the next one alike', async () => {
    const tooLarge = await upload(`1\t2025-05-01 08:00:00\t0\t1\n${'x'.repeat(4096)}`);
    assert.equal(tooLarge.status, 413);
    const empty = await upload('');
    assert.equal(empty.status, 200);
    const refused = await entryOf(tooLarge.id!);
    assert.equal(refused.status, 'error');
    assert.equal(refused.received, null);
    assert.equal((await entryOf(empty.id!)).received.body, '');
  });

  test('every terminal reply names its request, and the log line names the same id', async () => {
    const handshake = await fetch(`${s.baseUrl}/iclock/cdata?SN=${SN}&options=all&pushver=2.4.1`);
    const id = handshake.headers.get('x-iclockd-request');
    assert.match(id ?? '', ID);
    assert.ok(s.logs.some((l) => l.msg === 'request' && l.path === '/iclock/cdata' && l.request === id), 'the request log line');
    const handshakeEntry = await entryOf(id!);
    assert.equal(handshakeEntry.endpoint, '/iclock/cdata');
    assert.equal(handshakeEntry.received, null, 'a handshake is not archived');
    // The poll, answered in front of Koa, and a refusal, answered in text.
    const poll = await fetch(`${s.baseUrl}/iclock/getrequest?SN=${SN}`);
    assert.equal(await poll.text(), 'OK');
    assert.match(poll.headers.get('x-iclockd-request') ?? '', ID);
    const refused = await fetch(`${s.baseUrl}/iclock/cdata?SN=bad%20serial&table=ATTLOG`, { method: 'POST', body: '' });
    assert.equal(refused.status, 400);
    const refusedId = refused.headers.get('x-iclockd-request');
    assert.match(refusedId ?? '', ID);
    assert.ok(s.logs.some((l) => l.msg === 'request' && l.status === 400 && l.request === refusedId), 'the refusal’s log line');
  });

  test('a JSON request’s reply, sync-log row and log line carry one id too; so does a refusal before any route', async () => {
    const res = await fetch(`${s.baseUrl}/api/v1/punches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: await s.authHeader('ingest') },
      body: JSON.stringify({ employee_id: '9102', timestamp: 'not a time', device_id: 'X' }),
    });
    assert.equal(res.status, 400);
    const id = res.headers.get('x-iclockd-request');
    assert.match(id ?? '', ID);
    // Found by the id its reply carried, alone.
    const found = (await admin.get(`/api/v1/sync-log?request_id=${id}`)).body.data;
    assert.deepEqual(found.map((r: { request_id: string; endpoint: string }) => [r.request_id, r.endpoint]), [[id, '/api/v1/punches']]);
    assert.deepEqual((await admin.get(`/api/v1/sync-log?request_id=${'0'.repeat(32)}`)).body.data, []);
    assert.ok(s.logs.some((l) => l.msg === 'request' && l.path === '/api/v1/punches' && l.request === id));
    const unknown = await fetch(`${s.baseUrl}/api/v1/no-such-thing`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('x-iclockd-request') ?? '', ID);
  });
});

describe('the query string of a terminal request is read once', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const httpFiles = readdirSync(join(root, 'src/http')).filter((f) => f.endsWith('.ts'));
  /** Where in src/http a name is used: `file:enclosing function` per use. */
  function usesOf(match: (node: ts.Node) => boolean): string[] {
    const found: string[] = [];
    for (const f of httpFiles) {
      const source = ts.createSourceFile(f, readFileSync(join(root, 'src/http', f), 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node, within: string): void => {
        const named = (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node)) && node.name ? node.name.text : within;
        if (match(node)) found.push(`${f}:${named}`);
        ts.forEachChild(node, (child) => visit(child, named));
      };
      visit(source, '');
    }
    return found.sort();
  }

  test('parseDeviceQuery is called only by readIclockRequest, and ctx.querystring is read only where it is called', () => {
    const calls = usesOf((n) => ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'parseDeviceQuery');
    assert.deepEqual(calls, ['iclock.ts:readIclockRequest']);
    const querystrings = usesOf((n) => ts.isPropertyAccessExpression(n) && n.name.text === 'querystring' && n.expression.getText() === 'ctx');
    assert.deepEqual(querystrings, ['iclock.ts:terminalRequest']);
  });

  test('terminal routes keep nothing in ctx.state and read no ctx.query', () => {
    const uses = usesOf((n) => ts.isPropertyAccessExpression(n) && n.expression.getText() === 'ctx' && (n.name.text === 'state' || n.name.text === 'query'));
    assert.deepEqual(uses.filter((u) => u.startsWith('iclock.ts') || u.startsWith('fastPath.ts')), []);
  });
});
