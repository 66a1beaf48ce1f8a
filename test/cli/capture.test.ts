// `iclockd capture export`, in process, on this run's database.
import assert from 'node:assert/strict';
import { parseDeviceQuery } from '../../protocol/index.js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newRequestId } from '../../src/pipeline/syncLog.js';
import { type CliHarness, cliHarness } from '../helpers/cli.js';
import { testDialect } from '../helpers/db.js';

describe(`iclockd capture export on ${testDialect()}`, () => {
  let h: CliHarness;
  let dir: string;
  before(async () => {
    h = await cliHarness();
    dir = mkdtempSync(join(tmpdir(), 'iclockd-capture-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await h.cleanup();
  });

  test('--out is created with any missing parents, and holds the handshake and each archived request', async () => {
    const device = await h.services.registry.contact('TERM-1', { pushver: '2.4.1', language: 69, deviceType: null, address: '10.0.0.9' });
    const query = 'SN=TERM-1&table=ATTLOG&Stamp=9999';
    await h.services.uploads.receive(device, { requestId: newRequestId(), method: 'POST', path: '/iclock/cdata', query, body: Buffer.from('11\t2025-05-01 08:00:00\t0\t1\n'), remoteAddress: '10.0.0.9', receivedAt: new Date() }, parseDeviceQuery(query));
    const out = join(dir, 'not', 'yet', 'there');
    const run = await h.cli('capture', 'export', '--device', 'TERM-1', '--out', out);
    assert.equal(run.code, 0, run.err.join('\n'));
    assert.deepEqual(run.out, [`wrote 2 capture file(s) to ${out}`]);
    assert.deepEqual(readdirSync(out).sort(), ['TERM-1-0000-get-cdata.txt', 'TERM-1-0001-post-cdata.txt']);
  });
});
