// `iclockd simulate --zk`: an emulated 4370 terminal a poller (here the session alone) can read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../../src/cli/main.js';
import { ZkSession } from '../../src/poller/zkClient.js';

test('simulate --zk serves a terminal with its log, comm key and serial, and says what clients did', async () => {
  const out: string[] = [];
  const run = runCli(['simulate', '--zk', '--port', '0', '--records', '50', '--users', '5', '--comm-key', '4242', '--serial', 'ZKCLI0001', '--record-size', '16', '--delivery', 'fragments', '--punch-rate', '0', '--duration', '1500ms', '--tz', 'Asia/Riyadh'], { out: (l) => out.push(l), err: (l) => out.push(l) }, { ...process.env });
  let port = 0;
  for (let i = 0; i < 100 && !port; i++) {
    const m = out.map((l) => /on 127\.0\.0\.1:(\d+) \(TCP\)/.exec(l)).find(Boolean);
    if (m) port = Number(m[1]);
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(port > 0, out.join('\n'));
  assert.match(out[0]!, /ZKCLI0001 .*50 records of 16 bytes, 5 users, comm key 4242, fragments delivery, clock in Asia\/Riyadh/);
  const s = await ZkSession.open({ host: '127.0.0.1', port, commKey: 4242, connectTimeoutMs: 1000, replyTimeoutMs: 1000 });
  try {
    assert.equal(await s.serialNumber(), 'ZKCLI0001');
    const sizes = await s.freeSizes();
    assert.equal(sizes.records, 50);
    const records = await s.attendance(sizes.records);
    assert.equal(records.length, 50);
    // A minute apart, the last one about now on the terminal's clock (Riyadh, UTC+3).
    const last = records.at(-1)!.time;
    const riyadhNow = new Date(Date.now() + 3 * 3600_000);
    assert.ok(Math.abs(Date.UTC(last.year, last.month - 1, last.day, last.hour, last.minute, last.second) - riyadhNow.getTime()) < 3 * 60_000, JSON.stringify(last));
  } finally {
    await s.close();
  }
  assert.equal(await run, 0, out.join('\n'));
  assert.match(out.at(-1)!, /^records 50, connections 1, chunks served 1, wrong keys 0, clears 0, clock sets 0, enabled$/);
});

test('simulate --zk --rotate-at: a log that keeps only its newest records', async () => {
  const out: string[] = [];
  const run = runCli(['simulate', '--zk', '--port', '0', '--records', '50', '--users', '5', '--rotate-at', '30', '--punch-rate', '0', '--duration', '800ms'], { out: (l) => out.push(l), err: (l) => out.push(l) }, { ...process.env });
  let port = 0;
  for (let i = 0; i < 100 && !port; i++) {
    const m = out.map((l) => /on 127\.0\.0\.1:(\d+) \(TCP\)/.exec(l)).find(Boolean);
    if (m) port = Number(m[1]);
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.match(out[0]!, /: 30 records of 40 bytes, .*, rotating past 30 records$/);
  const s = await ZkSession.open({ host: '127.0.0.1', port, commKey: 0, connectTimeoutMs: 1000, replyTimeoutMs: 1000 });
  try {
    const records = await s.attendance((await s.freeSizes()).records);
    // The newest 30 of 50, a minute apart: the first kept is the 21st made.
    assert.equal(records.length, 30);
    assert.equal(records[0]!.pin, String((20 % 5) + 1));
  } finally {
    await s.close();
  }
  assert.equal(await run, 0, out.join('\n'));
});

test('simulate: --zk takes no --url, and without --zk a --url is needed', async () => {
  for (const [args, message] of [
    [['simulate', '--zk', '--url', 'http://127.0.0.1:1'], /takes no --url/],
    [['simulate'], /--url is required/],
    [['simulate', '--zk', '--record-size', '12'], /--record-size must be 8, 16 or 40/],
    [['simulate', '--zk', '--comm-key', '-1'], /--comm-key must be/],
  ] as const) {
    const out: string[] = [];
    const code = await runCli([...args], { out: (l) => out.push(l), err: (l) => out.push(l) }, { ...process.env });
    assert.notEqual(code, 0);
    assert.match(out.join('\n'), message);
  }
});
