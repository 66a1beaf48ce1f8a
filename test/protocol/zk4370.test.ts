// The ZK 4370 codec on byte-exact fixtures. The expected bytes were produced once with Python's
// struct module from the layouts pyzk reads (its format strings are named beside each), and
// with pyzk's own checksum and comm-key functions as the oracle; they are data here, not code.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FCT_USER,
  PacketReader,
  ZK,
  ZkFramingError,
  ZkRecordError,
  type ZkAttendance,
  type ZkUser,
  bufferedReadReply,
  bufferedReadRequest,
  bufferedReadSize,
  chunkRequest,
  commKeyBytes,
  decodeAttendance,
  decodeDeviceTime,
  decodeFreeSizes,
  decodeUsers,
  encodeAttendance,
  encodeDeviceTime,
  encodeFreeSizes,
  encodePacket,
  encodeUsers,
  nextReplyId,
  optionName,
  optionReply,
  optionRequest,
  optionValue,
  parseBufferedReadRequest,
  parseChunkRequest,
  pinOf,
  prepareData,
  prepareDataSize,
  zkChecksum,
} from '../../protocol/zk4370/index.js';

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('packets', () => {
  // pyzk: pack('<HHI', 0x5050, 0x7d82, len) + pack('<4H', command, checksum, session, reply) + data.
  const fixtures = [
    { name: 'CONNECT, session 0, reply 0', command: ZK.CONNECT, sessionId: 0, replyId: 0, data: '', hex: '5050827d08000000e80316fc00000000' },
    { name: 'OPTIONS_RRQ ~SerialNumber', command: ZK.OPTIONS_RRQ, sessionId: 0x1234, replyId: 5, data: '7e53657269616c4e756d62657200', hex: '5050827d160000000b00b7a4341205007e53657269616c4e756d62657200' },
    { name: 'odd data length, 16-bit ids at their top', command: ZK.SET_TIME, sessionId: 0xffff, replyId: 0xfffe, data: '0403020107', hex: '5050827d0d000000ca0028fbfffffeff0403020107' },
    { name: 'DATA_WRRQ for ATTLOG_RRQ', command: ZK.DATA_WRRQ, sessionId: 0x42, replyId: 10, data: '010d000000000000000000', hex: '5050827d13000000df05d2ec42000a00010d000000000000000000' },
    { name: 'DATA_RDY of a second chunk', command: ZK.DATA_RDY, sessionId: 0x42, replyId: 11, data: 'c0ff0000e8030000', hex: '5050827d10000000e00528f642000b00c0ff0000e8030000' },
  ];

  for (const f of fixtures) {
    test(`${f.name}: encoded byte for byte, and read back`, () => {
      const encoded = encodePacket({ command: f.command, sessionId: f.sessionId, replyId: f.replyId, data: bytes(f.data) });
      assert.equal(hexOf(encoded), f.hex);
      const [p, ...rest] = new PacketReader().push(encoded);
      assert.equal(rest.length, 0);
      assert.deepEqual({ ...p, data: hexOf(p!.data) }, { command: f.command, checksum: new DataView(encoded.buffer).getUint16(10, true), sessionId: f.sessionId, replyId: f.replyId, data: f.data });
    });
  }

  test('the checksum as pyzk computes it, at the edges of its folding', () => {
    // 0xffff is not folded (only a sum past it is); a trailing odd byte is added as is.
    assert.equal(zkChecksum(bytes('ffff')), 65534);
    assert.equal(zkChecksum(bytes('0000')), 65534);
    assert.equal(zkChecksum(bytes('feff0100')), 65534);
    assert.equal(zkChecksum(bytes('ffff0100')), 65533);
    assert.equal(zkChecksum(bytes('01')), 65533);
    assert.equal(zkChecksum(new Uint8Array(0)), 65534);
  });

  test('reply ids count up and wrap below 65535, as a fresh session starts at 65534 + 1 = 0', () => {
    assert.equal(nextReplyId(65534), 0);
    assert.equal(nextReplyId(0), 1);
    assert.equal(nextReplyId(1000), 1001);
  });

  test('ids and commands outside 16 bits are refused, not wrapped', () => {
    for (const bad of [-1, 65536, 1.5, Number.NaN]) {
      assert.throws(() => encodePacket({ command: ZK.CONNECT, sessionId: bad, replyId: 0 }), RangeError);
      assert.throws(() => encodePacket({ command: bad, sessionId: 0, replyId: 0 }), RangeError);
    }
  });

  test('the reader takes a stream cut anywhere, one byte at a time, or several packets at once', () => {
    const packets = fixtures.map((f) => encodePacket({ command: f.command, sessionId: f.sessionId, replyId: f.replyId, data: bytes(f.data) }));
    const stream = Buffer.concat(packets);
    const expected = fixtures.map((f) => [f.command, f.data]);
    const read = (cuts: number[]) => {
      const reader = new PacketReader();
      const got: [number, string][] = [];
      let at = 0;
      for (const cut of [...cuts, stream.length]) {
        for (const p of reader.push(stream.subarray(at, cut))) got.push([p.command, hexOf(p.data)]);
        at = cut;
      }
      assert.equal(reader.pending, 0);
      return got;
    };
    assert.deepEqual(read([]), expected);
    assert.deepEqual(read(Array.from({ length: stream.length - 1 }, (_, i) => i + 1)), expected);
    // Every single cut point, including inside the prefix and the header.
    for (let cut = 1; cut < stream.length; cut++) assert.deepEqual(read([cut]), expected, `cut at ${cut}`);
  });

  test('a large packet in 1 KB fragments is whole once its last byte arrives', () => {
    const data = Uint8Array.from({ length: 70_000 }, (_, i) => i % 251);
    const packet = encodePacket({ command: ZK.DATA, sessionId: 7, replyId: 8, data });
    const reader = new PacketReader();
    const got = [];
    for (let at = 0; at < packet.length; at += 1024) got.push(...reader.push(packet.subarray(at, at + 1024)));
    assert.equal(got.length, 1);
    assert.deepEqual(got[0]!.data, data);
  });

  test('a stream that is not this protocol is refused, not read as packets', () => {
    assert.throws(() => new PacketReader().push(bytes('474554202f20485454502f312e310d0a')), ZkFramingError); // "GET / HTTP/1.1"
    assert.throws(() => new PacketReader().push(bytes('5050827d04000000')), /cannot be 4 bytes/);
    assert.throws(() => new PacketReader().push(bytes('5050827dffffffff')), /cannot be 4294967295 bytes/);
    // A prefix alone, announcing more, waits.
    assert.deepEqual(new PacketReader().push(bytes('5050827d10000000')), []);
  });
});

describe('comm key', () => {
  // pyzk's make_commkey(key, session_id) on these inputs.
  const cases: [number, number, string][] = [
    [0, 0, '617d3279'],
    [123456, 0x1a2b, '267f32e3'],
    [999999, 65535, '22813296'],
    [1, 1, '61fd3279'],
    [4294967295, 0, '9e823286'],
    [0x80000001, 12345, '61fd3249'],
  ];
  for (const [key, session, hex] of cases) {
    test(`key ${key}, session ${session}: ${hex}`, () => assert.equal(hexOf(commKeyBytes(key, session)), hex));
  }
  test('a key that is not a whole 32-bit number is refused', () => {
    for (const bad of [-1, 2 ** 32, 1.5]) assert.throws(() => commKeyBytes(bad, 0), RangeError);
  });
});

describe('requests and replies', () => {
  test('options: ~SerialNumber asked, its value read up to the NUL, null for an unknown option', () => {
    assert.equal(hexOf(optionRequest('~SerialNumber')), '7e53657269616c4e756d62657200');
    assert.equal(optionName(optionRequest('~SerialNumber')), '~SerialNumber');
    assert.equal(optionValue(bytes('7e53657269616c4e756d6265723d41424331323300ffff')), 'ABC123');
    assert.equal(optionValue(optionReply('~SerialNumber', 'CGXH201960042')), 'CGXH201960042');
    // A value may itself hold "=": only the first one separates.
    assert.equal(optionValue(optionReply('~Name', 'a=b')), 'a=b');
    assert.equal(optionValue(bytes('00')), null);
    assert.throws(() => optionRequest('x\0y'), RangeError);
  });

  test('device time: ZK encoded wall-clock fields, never a Date in the server zone', () => {
    // 2026-03-29 02:30:00 does not exist in Europe/Berlin (the clocks jump 02:00 -> 03:00): the
    // terminal's wall time is kept as it reads.
    const t = { year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 };
    assert.equal(hexOf(encodeDeviceTime(t)), '28f64532'); // pack('<I', 843445800)
    assert.deepEqual(decodeDeviceTime(bytes('28f64532')), t);
    assert.equal(decodeDeviceTime(bytes('28f645')), null);
    assert.throws(() => encodeDeviceTime({ ...t, year: 1999 }), RangeError);
    assert.throws(() => encodeDeviceTime({ ...t, year: 2100 }), RangeError);
  });

  test('the buffered read: its request, the size prepared, the chunk requests and PREPARE_DATA', () => {
    // pack('<bhii', 1, 13, 0, 0) and, for users, FCT_USER.
    assert.equal(hexOf(bufferedReadRequest(ZK.ATTLOG_RRQ)), '010d000000000000000000');
    assert.equal(hexOf(bufferedReadRequest(ZK.USERTEMP_RRQ, FCT_USER)), '01090005000000' + '00000000');
    assert.deepEqual(parseBufferedReadRequest(bufferedReadRequest(ZK.USERTEMP_RRQ, FCT_USER)), { command: ZK.USERTEMP_RRQ, fct: FCT_USER, ext: 0 });
    assert.equal(bufferedReadSize(bytes('00 40e20100 00000000')), 123456);
    assert.equal(bufferedReadSize(bufferedReadReply(800_004)), 800_004);
    assert.equal(bufferedReadSize(bytes('00')), null);
    assert.equal(hexOf(chunkRequest(65472, 1000)), 'c0ff0000e8030000'); // pack('<ii', 65472, 1000)
    assert.deepEqual(parseChunkRequest(chunkRequest(65472, 1000)), { start: 65472, size: 1000 });
    assert.equal(prepareDataSize(prepareData(65472)), 65472);
    assert.equal(prepareDataSize(bytes('c0ff')), null);
  });

  test('free sizes: the counts and capacities at their indexes, faces when the terminal has them', () => {
    // pack('20i', *range(100, 120)) + pack('3i', 5, 0, 300)
    const data = bytes(
      '6400000065000000660000006700000068000000690000006a0000006b0000006c0000006d0000006e0000006f0000007000000071000000720000007300000074000000750000007600000077000000' +
        '05000000000000002c010000',
    );
    const sizes = decodeFreeSizes(data)!;
    assert.deepEqual(sizes, { users: 104, fingers: 106, records: 108, cards: 112, fingersCapacity: 114, usersCapacity: 115, recordsCapacity: 116, fingersAvailable: 117, usersAvailable: 118, recordsAvailable: 119, faces: 5, facesCapacity: 300 });
    assert.equal(decodeFreeSizes(data.subarray(0, 80))!.faces, null);
    assert.equal(decodeFreeSizes(data.subarray(0, 79)), null);
    assert.deepEqual(decodeFreeSizes(encodeFreeSizes(sizes)), sizes);
  });
});

describe('records', () => {
  const prefixed = (hex: string, size: number) => {
    const body = bytes(hex);
    const out = new Uint8Array(4 + body.length);
    new DataView(out.buffer).setUint32(0, size, true);
    out.set(body, 4);
    return out;
  };

  test('8-byte attendance (uid, verify, time, state: "HB4sB"): the PIN comes from the user with that uid', () => {
    const data = prefixed('07000128f645320f', 8);
    const { recordSize, records } = decodeAttendance(data, 1);
    assert.equal(recordSize, 8);
    assert.deepEqual(records, [{ uid: 7, pin: null, verifyMode: 1, time: { year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, punchState: 15, workCode: null }]);
    const users = new Map([[7, { uid: 7, pin: '1007' } as ZkUser]]);
    assert.equal(pinOf(records[0]!, users), '1007');
    assert.equal(pinOf(records[0]!, new Map()), '7');
    assert.equal(hexOf(encodeAttendance(records, 8)), hexOf(data));
  });

  test('16-byte attendance (PIN as a number, time, verify, state, work code: "<I4sBB2sI")', () => {
    const data = prefixed('40e20100ff99b9330104000009000000', 16);
    const { records } = decodeAttendance(data, 1);
    assert.deepEqual(records, [{ uid: null, pin: '123456', time: { year: 2026, month: 12, day: 31, hour: 23, minute: 59, second: 59 }, verifyMode: 1, punchState: 4, workCode: 9 }]);
    assert.equal(hexOf(encodeAttendance(records, 16)), hexOf(data));
  });

  test('40-byte attendance ("<H24sB4sB8s"): a 24-character PIN that fills its field, no NUL', () => {
    const data = prefixed('03004131323334353637383930313233343536373839303132330000bee42f010000000000000000', 40);
    const { records } = decodeAttendance(data, 1);
    assert.deepEqual(records, [{ uid: 3, pin: 'A12345678901234567890123', verifyMode: 0, time: { year: 2025, month: 1, day: 1, hour: 0, minute: 0, second: 0 }, punchState: 1, workCode: null }]);
    assert.equal(hexOf(encodeAttendance(records, 40)), hexOf(data));
    assert.throws(() => encodeAttendance([{ ...records[0]!, pin: 'A123456789012345678901234' }], 40), ZkRecordError);
  });

  test('28-byte users ("<HB5s8sIxBhI")', () => {
    const data = prefixed('07000e3132333435416e6e0000000000efbeadde00020100e1100000', 28);
    const { recordSize, users } = decodeUsers(data, 1);
    assert.equal(recordSize, 28);
    assert.deepEqual(users, [{ uid: 7, privilege: 14, password: '12345', name: 'Ann', card: 0xdeadbeef, group: '2', pin: '4321' }]);
  });

  test('72-byte users ("<HB8s24sIx7sx24s"): a UTF-8 name, a 24-character PIN', () => {
    const data = prefixed(
      '08000070770000000000004a6f73c3a9000000000000000000000000000000000000002b020000003100000000000000303030303030303030303030303030303030303030303234',
      72,
    );
    const { users } = decodeUsers(data, 1);
    assert.deepEqual(users, [{ uid: 8, privilege: 0, password: 'pw', name: 'José', card: 555, group: '1', pin: '000000000000000000000024' }]);
    assert.equal(hexOf(encodeUsers(users, 72)), hexOf(data));
  });

  test('a name in the terminal\'s legacy code page is read with it', () => {
    const user: ZkUser = { uid: 1, privilege: 0, password: '', name: 'x', card: 0, group: '', pin: '1' };
    const data = encodeUsers([user], 72);
    data.set(bytes('d5c5c8fd00'), 4 + 11); // 张三 in GB18030
    assert.equal(decodeUsers(data, 1, 'gb18030').users[0]!.name, '张三');
  });

  test('a read cut short, or longer than its prefix, is an error: never a partial list', () => {
    const full = encodeAttendance(Array.from({ length: 3 }, (_, i): ZkAttendance => ({ uid: i + 1, pin: String(i + 1), time: { year: 2026, month: 1, day: 1, hour: 8, minute: 0, second: i }, verifyMode: 1, punchState: 0, workCode: null })), 40);
    assert.equal(decodeAttendance(full, 3).records.length, 3);
    assert.throws(() => decodeAttendance(full.subarray(0, full.length - 1), 3), /prefix says 120 bytes and 119 came/);
    assert.throws(() => decodeAttendance(Buffer.concat([full, bytes('00')]), 3), ZkRecordError);
    // The count says a size no layout has (the log grew between the count and the read).
    assert.throws(() => decodeAttendance(full, 4), /30 a record/);
    assert.throws(() => decodeAttendance(bytes('0000'), 1), /too short/);
    // Nothing to read: no records, whatever the data.
    assert.deepEqual(decodeAttendance(new Uint8Array(0), 0), { recordSize: null, records: [] });
  });
});
