// Many devices changed in one statement (what a batch of uploads told about its terminals):
// each device gets its own values, the columns a device does not change keep theirs, and a
// device changed twice in the batch keeps its last change.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findDevice, insertDevice, updateDevices } from '../../src/store/devices.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';

const AT = new Date('2026-12-04T06:00:00Z');

describe(`updateDevices on ${testDialect()}`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase();
    for (const serial of ['UD-1', 'UD-2', 'UD-3']) await insertDevice(t.db.knex, serial, { state: 'approved', attlogStamp: '100', operlogStamp: '7' }, AT);
  });
  after(async () => {
    await t.cleanup();
  });

  test('per-device values, untouched columns and devices kept, the last change of a device wins', async () => {
    const later = new Date(AT.getTime() + 60_000);
    await updateDevices(
      t.db.knex,
      [
        { serial: 'UD-1', change: { attlogStamp: '101' } },
        { serial: 'UD-2', change: { clockDriftSeconds: -42, clockDriftAt: later } },
        { serial: 'UD-1', change: { attlogStamp: '102', operlogStamp: '8' } },
        { serial: 'UD-2', change: {} },
      ],
      later,
    );
    const [d1, d2, d3] = await Promise.all(['UD-1', 'UD-2', 'UD-3'].map((s) => findDevice(t.db.knex, s)));
    assert.deepEqual([d1!.attlogStamp, d1!.operlogStamp, d1!.clockDriftSeconds], ['102', '8', null]);
    assert.deepEqual([d2!.attlogStamp, d2!.operlogStamp, d2!.clockDriftSeconds, d2!.clockDriftAt?.toISOString()], ['100', '7', -42, later.toISOString()]);
    assert.deepEqual([d3!.attlogStamp, d3!.operlogStamp, d3!.updatedAt.toISOString()], ['100', '7', AT.toISOString()]);
    assert.equal(d1!.updatedAt.toISOString(), later.toISOString());
  });

  test('more devices than one statement takes, and nothing to change, are both fine', async () => {
    const serials = Array.from({ length: 450 }, (_, i) => `UDM-${i}`);
    for (const serial of serials) await insertDevice(t.db.knex, serial, { state: 'approved' }, AT);
    await updateDevices(t.db.knex, serials.map((serial, i) => ({ serial, change: { attlogStamp: `s${i}` } })), AT);
    await updateDevices(t.db.knex, [], AT);
    const rows = (await t.db.knex('devices').whereIn('serial', serials).select('serial', 'attlog_stamp')) as { serial: string; attlog_stamp: string }[];
    assert.equal(rows.length, 450);
    assert.ok(rows.every((r) => r.attlog_stamp === `s${r.serial.slice(4)}`));
  });
});
