// `iclockd pollers …` in process against an emulated 4370 terminal: add by address, list, read
// now, change, and the clear errors of bad input and of a terminal that cannot be read.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ZkDevice, emulatedLog } from '../../src/simulator/zkDevice.js';
import { type CliHarness, cliHarness } from '../helpers/cli.js';
import { testDialect } from '../helpers/db.js';

describe(`iclockd pollers on ${testDialect()}`, () => {
  let h: CliHarness;
  let device: ZkDevice;
  let port: number;
  before(async () => {
    h = await cliHarness();
    device = new ZkDevice({ serialNumber: 'CGXH201960042', commKey: 123456 });
    const log = emulatedLog(250, 25, { year: 2026, month: 11, day: 2, hour: 7, minute: 0, second: 0 });
    device.records = log.records;
    device.users = log.users;
    port = await device.listen();
  });
  after(async () => {
    await device.close();
    await h.cleanup();
  });

  test('add by address, list, read now, read again: every record once, and the table says so', async () => {
    const added = await h.cli('pollers', 'add', 'CGXH201960042', '--host', '127.0.0.1', '--port', String(port), '--comm-key', '123456', '--interval', '300', '--tz', 'Asia/Riyadh', '--site', 'riyadh');
    assert.equal(added.code, 0, added.err.join('\n'));
    assert.deepEqual(added.out, [`polling CGXH201960042 at 127.0.0.1:${port} every 300 s, from the next start of iclockd serve; read it now: iclockd pollers run-once CGXH201960042`]);
    const device = await h.services.deviceService.get('CGXH201960042');
    assert.deepEqual([device.state, device.site, device.timeZone], ['approved', 'riyadh', 'Asia/Riyadh']);
    const listed = await h.cli('pollers', 'list');
    assert.match(listed.out[0]!, /^SERIAL\s+ADDRESS\s+EVERY\s+ENABLED\s+LAST POLL\s+RESULT\s+RECORDS\s+NEXT POLL$/);
    assert.match(listed.out[1]!, new RegExp(`^CGXH201960042\\s+127\\.0\\.0\\.1:${port}\\s+300 s\\s+yes\\s+-\\s+-\\s+-`));
    const run = await h.cli('pollers', 'run-once', 'CGXH201960042');
    assert.equal(run.code, 0, run.err.join('\n'));
    assert.match(run.out[0]!, /^CGXH201960042: 250 record\(s\) on the terminal; 250 submitted; 250 new, 0 already stored, 0 refused; 25 user\(s\); clock \d+ s (ahead|behind)|^CGXH201960042: 250 record\(s\) on the terminal; 250 submitted; 250 new, 0 already stored, 0 refused; 25 user\(s\); clock right/);
    const again = JSON.parse((await h.cli('pollers', 'run-once', 'CGXH201960042', '--json')).out[0]!) as Record<string, unknown>;
    assert.deepEqual([again.ok, again.records, again.submitted, again.created], [true, 250, 0, 0]);
    const json = JSON.parse((await h.cli('pollers', 'list', '--json')).out[0]!) as Record<string, unknown>;
    assert.deepEqual([json.serial, json.comm_key_set, json.records, json.last_error_kind, (json.cursor as { count: number }).count], ['CGXH201960042', true, 250, null, 250]);
    assert.equal('comm_key' in json, false);
    // Its punches are in the terminal's zone and site, as its ADMS uploads would be.
    const punch = await h.services.db.knex('punches').where({ device_serial: 'CGXH201960042' }).first();
    assert.deepEqual([punch.site, punch.time_zone, punch.source], ['riyadh', 'Asia/Riyadh', 'zk4370']);
  });

  test('a wrong key set: run-once fails with what to check, and devices show says it', async () => {
    assert.equal((await h.cli('pollers', 'set', 'CGXH201960042', 'comm_key=654321')).code, 0);
    const run = await h.cli('pollers', 'run-once', 'CGXH201960042');
    assert.notEqual(run.code, 0);
    assert.match(run.out[0]!, /^CGXH201960042: not read \(wrong_key\): the terminal refused the configured comm key$/);
    assert.match(run.err.join('\n'), /devices show CGXH201960042/);
    const shown = await h.cli('devices', 'show', 'CGXH201960042');
    assert.match(shown.out[0]!, /^- Wrong comm key: the terminal refused the configured comm key\. Set the key the terminal has/);
    assert.ok(shown.out.includes(`read over TCP 4370 at 127.0.0.1:${port} every 300 s`), shown.out.join('\n'));
    assert.ok(shown.out.includes('records on it: 250 of 100000; users 25 of 3000'), shown.out.join('\n'));
    await h.cli('pollers', 'set', 'CGXH201960042', 'comm_key=123456');
  });

  test('bad input names every bad field; unknown terminals are not found; a second add is a conflict', async () => {
    const bad = await h.cli('pollers', 'add', 'NEW1', '--host', 'not a host', '--port', '70000', '--interval', '1', '--tz', 'Mars/Base');
    assert.notEqual(bad.code, 0);
    assert.match(bad.err.join('\n'), /Invalid fields: host, port, interval_seconds, time_zone/);
    const unknownField = await h.cli('pollers', 'set', 'CGXH201960042', 'colour=blue');
    assert.match(unknownField.err.join('\n'), /colour: not accepted here/);
    assert.match((await h.cli('pollers', 'run-once', 'NOPE')).err.join('\n'), /No poller for terminal NOPE/);
    assert.match((await h.cli('pollers', 'remove', 'NOPE')).err.join('\n'), /No poller for terminal NOPE/);
    const twice = await h.cli('pollers', 'add', 'CGXH201960042', '--host', '127.0.0.1');
    assert.match(twice.err.join('\n'), /is polled already/);
  });

  test('remove: no longer polled; its punches stay', async () => {
    assert.deepEqual((await h.cli('pollers', 'remove', 'CGXH201960042')).out, ['no longer polling CGXH201960042']);
    assert.equal((await h.cli('pollers', 'list')).out[0], 'no terminals are polled: iclockd pollers add SN --host ADDRESS');
    assert.equal(Number((await h.services.db.knex('punches').count({ n: '*' }))[0]!.n), 250);
  });
});
