// `iclockd devices …` and `iclockd reprocess`, in process, on this run's database.
import assert from 'node:assert/strict';
import { parseDeviceQuery } from '../../protocol/index.js';
import { after, before, describe, test } from 'node:test';
import type { Services } from '../../src/app.js';
import { newRequestId } from '../../src/pipeline/syncLog.js';
import { type CliHarness, cliHarness } from '../helpers/cli.js';
import { testDialect } from '../helpers/db.js';

describe(`iclockd devices and reprocess on ${testDialect()}`, () => {
  let h: CliHarness;
  let s: Services;
  before(async () => {
    h = await cliHarness({ ICLOCKD_DEVICE_POLICY: 'pending' });
    s = h.services;
  });
  after(async () => {
    await h.cleanup();
  });
  const cli = (...argv: string[]) => h.cli(...argv);

  const upload = async (serial: string, body: string) => {
    const d = await s.registry.contact(serial, { pushver: '2.4.1', language: 69, deviceType: null, address: '10.0.0.9' });
    const query = `SN=${serial}&table=ATTLOG&Stamp=9999`;
    return s.uploads.receive(d, { requestId: newRequestId(), method: 'POST', path: '/iclock/cdata', query, body: Buffer.from(body), remoteAddress: '10.0.0.9', receivedAt: new Date() }, parseDeviceQuery(query));
  };

  test('a pending terminal is listed, approved (its held upload ingested), given a zone', async () => {
    const held = await upload('TERM-1', '11\t2025-05-01 08:00:00\t0\t1\n12\t2025-05-01 08:01:00\t0\t1\n');
    assert.equal(held.outcome, 'quarantined');
    assert.equal(held.reply, 'OK:2');
    const list = await cli('devices', 'list');
    assert.match(list.out[0]!, /^SERIAL\s+STATE\s+SITE\s+TIME ZONE\s+FIRMWARE\s+LAST SEEN\s+ALIAS$/);
    assert.match(list.out[1]!, /^TERM-1\s+pending\s+main\s+-/);
    const approved = await cli('devices', 'approve', 'TERM-1');
    assert.deepEqual(approved.out, ['approved TERM-1; released 1 held upload(s): 2 record(s), 2 new punch(es), 0 line(s) not read']);
    assert.deepEqual((await cli('devices', 'set-tz', 'TERM-1', 'Asia/Dubai')).out, ['TERM-1 time zone: Asia/Dubai']);
    const shown = JSON.parse((await cli('devices', 'show', 'TERM-1', '--json')).out.join('\n')) as { state: string; time_zone: string; diagnosis: { findings: string[] } };
    assert.deepEqual([shown.state, shown.time_zone], ['approved', 'Asia/Dubai']);
    assert.match(shown.diagnosis.findings.join('\n'), /2 punch\(es\) match no employee \(user ids 11, 12\)/);
    const text = await cli('devices', 'show', 'NEVER-SEEN');
    assert.match(text.out[0]!, /^- Never seen: no request from NEVER-SEEN has reached iclockd/);
    const bad = await cli('devices', 'set-tz', 'TERM-1', 'Mars/Base');
    assert.equal(bad.code, 1);
    assert.deepEqual(bad.err, ['iclockd: Invalid fields: time_zone']);
    assert.equal((await cli('devices', 'approve', 'NOPE')).err[0], 'iclockd: No device NOPE');
  });

  test('commands are queued from the CLI', async () => {
    const r = await cli('devices', 'command', 'TERM-1', 'query-attlog', '--from', '2025-05-01', '--to', '2025-05-02');
    assert.match(r.out[0]!, /^queued command \d+ for TERM-1: DATA QUERY ATTLOG StartTime=2025-05-01 00:00:00\tEndTime=2025-05-02 23:59:59$/);
    const missing = await cli('devices', 'command', 'TERM-1', 'delete-user');
    assert.equal(missing.code, 1);
    assert.deepEqual(missing.err, ['iclockd: Missing fields for delete-user: pin']);
  });

  test('reprocess runs archived uploads again, idempotently', async () => {
    await s.db.knex('punches').where({ device_serial: 'TERM-1' }).del();
    const first = await cli('reprocess', '--device', 'TERM-1');
    assert.deepEqual(first.out, ['reprocessed 1 upload(s) from TERM-1: 2 record(s), 2 new punch(es), 0 already stored, 0 line(s) still not read']);
    const second = await cli('reprocess', '--device', 'TERM-1', '--from', '2000-01-01');
    assert.deepEqual(second.out, ['reprocessed 1 upload(s) from TERM-1: 2 record(s), 0 new punch(es), 2 already stored, 0 line(s) still not read']);
    await cli('devices', 'block', 'TERM-1');
    const blocked = await cli('reprocess', '--device', 'TERM-1');
    assert.equal(blocked.code, 1);
    assert.match(blocked.err[0]!, /TERM-1 is blocked/);
  });

  test('--help on the device commands', async () => {
    for (const argv of [['devices'], ['devices', 'list'], ['devices', 'command'], ['reprocess']]) {
      const run = await cli(...argv, '--help');
      assert.equal(run.code, 0);
      assert.match(run.out.join('\n'), /^Usage: iclockd/m);
    }
  });
});
