// The 4370 session against the emulated terminal over real TCP: every delivery a network gives
// (separate writes, one combined write, 1 KB fragments), every record layout, the comm key,
// silence and short reads.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { ZkError, ZkSession, type ZkSessionOptions } from '../../src/poller/zkClient.js';
import { ZK_DELIVERIES, ZkDevice, type ZkDeviceOptions, emulatedLog } from '../../src/simulator/zkDevice.js';

const FROM = { year: 2026, month: 11, day: 2, hour: 7, minute: 0, second: 0 };

async function device(options: Partial<ZkDeviceOptions>, records = 100, users = 10): Promise<{ device: ZkDevice; session: (o?: Partial<ZkSessionOptions>) => Promise<ZkSession>; port: number }> {
  const d = new ZkDevice({ serialNumber: 'ZK4370TEST', ...options });
  const log = emulatedLog(records, users, FROM);
  d.records = log.records;
  d.users = log.users;
  const port = await d.listen();
  after(() => d.close());
  return { device: d, port, session: (o = {}) => ZkSession.open({ host: '127.0.0.1', port, commKey: options.commKey ?? 0, connectTimeoutMs: 2000, replyTimeoutMs: 2000, ...o }) };
}

async function failure(p: Promise<unknown>): Promise<ZkError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ZkError, String(err));
    return err;
  }
  assert.fail('expected a ZkError');
}

describe('reads of 20,000 records', () => {
  for (const delivery of ZK_DELIVERIES) {
    test(`${delivery} delivery: every record and user read once, in order, the terminal enabled again`, async () => {
      const { device: d, session } = await device({ delivery }, 20_000, 1000);
      const s = await session();
      try {
        assert.equal(await s.serialNumber(), 'ZK4370TEST');
        await s.disable();
        assert.equal(d.state.enabled, false);
        const sizes = await s.freeSizes();
        assert.equal(sizes.records, 20_000);
        assert.equal(sizes.users, 1000);
        const records = await s.attendance(sizes.records);
        assert.equal(records.length, 20_000);
        assert.deepEqual(records, d.records.map((r) => ({ ...r, workCode: null })));
        const users = await s.users(sizes.users);
        assert.deepEqual(users, d.users);
        await s.enable();
      } finally {
        await s.close();
      }
      assert.equal(d.state.enabled, true);
      // 800,004 bytes in chunks of at most 65,472.
      assert.equal(d.state.chunksServed, Math.ceil((20_000 * 40 + 4) / 65472) + Math.ceil((1000 * 72 + 4) / 65472));
    });
  }
});

describe('record layouts', () => {
  for (const [attendanceRecordSize, userRecordSize] of [[8, 28], [16, 28], [40, 72]] as const) {
    test(`${attendanceRecordSize}-byte attendance and ${userRecordSize}-byte users`, async () => {
      const { device: d, session } = await device({ attendanceRecordSize, userRecordSize, delivery: 'fragments' }, 500, 30);
      const s = await session();
      try {
        const sizes = await s.freeSizes();
        const records = await s.attendance(sizes.records);
        const users = await s.users(sizes.users);
        assert.equal(records.length, 500);
        assert.deepEqual(records.map((r) => r.time), d.records.map((r) => r.time));
        assert.deepEqual(users.map((u) => u.pin), d.users.map((u) => u.pin));
        if (attendanceRecordSize === 8) assert.ok(records.every((r) => r.pin === null && r.uid !== null));
        else assert.deepEqual(records.map((r) => r.pin), d.records.map((r) => r.pin));
      } finally {
        await s.close();
      }
    });
  }
});

describe('the comm key', () => {
  test('the right key opens a session; a wrong one, or none, is a wrong_key error', async () => {
    const { device: d, session } = await device({ commKey: 123456 });
    const s = await session();
    assert.equal(await s.serialNumber(), 'ZK4370TEST');
    await s.close();
    const wrong = await failure(session({ commKey: 654321 }));
    assert.equal(wrong.kind, 'wrong_key');
    assert.match(wrong.message, /refused the configured comm key/);
    const none = await failure(session({ commKey: 0 }));
    assert.equal(none.kind, 'wrong_key');
    assert.match(none.message, /asks for a comm key and none is configured/);
    assert.equal(d.state.authFailures, 2);
  });
});

describe('failures', () => {
  test('a terminal that never answers: a timeout, within the reply timeout', async () => {
    const { device: d, session } = await device({});
    d.silent = true;
    const started = Date.now();
    const err = await failure(session({ replyTimeoutMs: 200 }));
    assert.equal(err.kind, 'timeout');
    assert.ok(Date.now() - started < 2000);
  });

  test('a terminal that stops answering mid-read: a timeout, never a partial list', async () => {
    const { device: d, session } = await device({ delivery: 'combined' }, 20_000, 100);
    d.silentAfterChunks = 3;
    const s = await session({ replyTimeoutMs: 300 });
    const sizes = await s.freeSizes();
    const err = await failure(s.attendance(sizes.records));
    assert.equal(err.kind, 'timeout');
    assert.equal(d.state.chunksServed, 3);
    // The session is over: nothing else is asked on it.
    assert.equal((await failure(s.serialNumber())).kind, 'timeout');
    await s.close();
  });

  test('nobody listening: unreachable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const err = await failure(ZkSession.open({ host: '127.0.0.1', port, commKey: 0, connectTimeoutMs: 1000, replyTimeoutMs: 1000 }));
    assert.equal(err.kind, 'unreachable');
  });

  test('something else on the port (an HTTP server): a protocol error', async () => {
    const server = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    after(() => server.close());
    const port = (server.address() as { port: number }).port;
    const err = await failure(ZkSession.open({ host: '127.0.0.1', port, commKey: 0, connectTimeoutMs: 1000, replyTimeoutMs: 1000 }));
    assert.equal(err.kind, 'protocol');
  });
});

describe('clock and log', () => {
  test('the clock read and set as wall-clock fields; the log cleared', async () => {
    const fixed = { year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 };
    const { device: d, session } = await device({ clock: () => fixed });
    const s = await session();
    try {
      assert.deepEqual(await s.time(), fixed);
      const set = { ...fixed, hour: 3, minute: 45 };
      await s.setTime(set);
      assert.deepEqual(d.state.timeSets, [set]);
      assert.deepEqual(await s.time(), set);
      await s.clearAttendance();
      assert.equal((await s.freeSizes()).records, 0);
      assert.deepEqual(await s.attendance(0), []);
    } finally {
      await s.close();
    }
  });
});
