// One parse per upload (parseUpload), and the reply to each kind byte for byte, on the captures
// in fixtures/adms/captures (with the reply they document). The other replies: codec.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  OK_REPLY,
  type Upload,
  formatCommandList,
  formatReplyToUpload,
  formatTableDataReply,
  formatUploadReply,
  isPunchEvent,
  parseDeviceQuery,
  parseUpload,
} from '../../protocol/index.js';
import { captureNames, loadCapture } from '../helpers/captures.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

function uploadOf(name: string): Upload {
  const c = loadCapture(name);
  return parseUpload(parseDeviceQuery(c.search), c.body);
}

/** How many records an upload read (what its reply counts when every one is stored). */
function recordsOf(u: Upload): number {
  return 'parsed' in u ? u.parsed.records.length : 0;
}

describe('parseUpload: one parse per kind', () => {
  test('ATTLOG: records and Stamp (cap 12 legacy, no table=; cap 35)', () => {
    const u12 = uploadOf('12');
    assert.equal(u12.kind, 'ATTLOG');
    if (u12.kind !== 'ATTLOG') return;
    assert.equal(u12.stamp, '289503453');
    assert.equal(u12.parsed.records.length, 63);
    assert.deepEqual(u12.parsed.records[0], { line: 1, pin: '4', time: '2008-12-29 19:08:16', status: 0, verify: 1, workCode: null, extra: [] });
    const u35 = uploadOf('35');
    assert.deepEqual([u35.kind, u35.kind === 'ATTLOG' && u35.stamp, recordsOf(u35)], ['ATTLOG', '9999', 9]);
  });

  test('OPERLOG (OpStamp, else Stamp), BIODATA (Stamp), IDCARD (no stamp) (cap 13, 38, 07, 08)', () => {
    const u13 = uploadOf('13');
    assert.deepEqual([u13.kind, u13.kind === 'OPERLOG' && u13.stamp], ['OPERLOG', '289504127']);
    assert.ok(recordsOf(u13) > 0);
    const u38 = uploadOf('38');
    assert.deepEqual([u38.kind, u38.kind === 'OPERLOG' && u38.stamp, recordsOf(u38)], ['OPERLOG', '9999', 2]);
    for (const name of ['07', '08']) {
      const u = uploadOf(name);
      assert.deepEqual([u.kind, u.kind === 'BIODATA' && u.stamp], ['BIODATA', '9999'], name);
      assert.ok(recordsOf(u) > 0, name);
    }
    const idcard = parseUpload(parseDeviceQuery('SN=1&table=IDCARD&Stamp=5'), bytes('IDCARD PIN=1\tSNNum=123\n'));
    assert.deepEqual([idcard.kind, idcard.kind === 'IDCARD' && idcard.stamp, recordsOf(idcard)], ['IDCARD', null, 1]);
  });

  test('push 3.x: rtlog rows, rtstate rows, tabledata rows of the named table (cap 29, 41, 42, 43)', () => {
    const u29 = uploadOf('29');
    assert.equal(u29.kind, 'RTLOG');
    if (u29.kind !== 'RTLOG') return;
    assert.equal(u29.parsed.records.filter((r) => isPunchEvent(r.fields)).length, 1);
    const u41 = uploadOf('41');
    assert.deepEqual([u41.kind, u41.kind === 'RTLOG' && u41.parsed.records.some((r) => isPunchEvent(r.fields))], ['RTLOG', false]);
    assert.equal(uploadOf('42').kind, 'RTSTATE');
    const u43 = uploadOf('43');
    assert.equal(u43.kind, 'TABLEDATA');
    if (u43.kind !== 'TABLEDATA') return;
    assert.equal(u43.tableName, 'user');
    assert.equal(u43.parsed.records[0]!.fields.pin, '4');
    // A DATA QUERY answer: type=tabledata, no table=.
    const answer = parseUpload(parseDeviceQuery('SN=1&type=tabledata&tablename=user'), bytes('user uid=1\tpin=7\n'));
    assert.deepEqual([answer.kind, answer.kind === 'TABLEDATA' && answer.tableName, recordsOf(answer)], ['TABLEDATA', 'user', 1]);
    const unnamed = parseUpload(parseDeviceQuery('SN=1&table=tabledata'), bytes('user uid=1\n'));
    assert.deepEqual([unnamed.kind === 'TABLEDATA' && unnamed.tableName, recordsOf(unnamed)], ['', 0]);
  });

  test('options (cap 02), ATTPHOTO (Stamp when not empty), ERRORLOG and unknown tables', () => {
    const u02 = uploadOf('02');
    assert.equal(u02.kind, 'OPTIONS');
    assert.equal(u02.kind === 'OPTIONS' && u02.options['~DeviceName'], 'SpeedFace-V5L[TD]');
    const body = Buffer.concat([bytes('PIN=20150731103012-123.jpg\nSN=0316144680030\nsize=2\nCMD=uploadphoto'), Buffer.from([0]), Buffer.from([0xff, 0xd8])]);
    const photo = parseUpload(parseDeviceQuery('SN=0316144680030&table=ATTPHOTO&Stamp=77'), body);
    assert.deepEqual([photo.kind, photo.kind === 'ATTPHOTO' && photo.stamp, photo.kind === 'ATTPHOTO' && photo.photo?.pin], ['ATTPHOTO', '77', '123']);
    const emptyStamp = parseUpload(parseDeviceQuery('SN=1&table=ATTPHOTO&Stamp='), bytes('no nul'));
    assert.deepEqual(emptyStamp, { kind: 'ATTPHOTO', stamp: null, photo: null });
    assert.deepEqual(parseUpload(parseDeviceQuery('SN=1&table=ERRORLOG'), bytes('ERRORLOG x\n')), { kind: 'ERRORLOG' });
    assert.deepEqual(parseUpload(parseDeviceQuery('SN=1&table=RemoteAtt'), bytes('x')), { kind: 'UNKNOWN', table: 'RemoteAtt' });
    assert.deepEqual(parseUpload(parseDeviceQuery('SN=1'), bytes('x')), { kind: 'UNKNOWN', table: null });
  });

  test('every POST capture to cdata parses as one upload without throwing', () => {
    for (const name of captureNames()) {
      const c = loadCapture(name);
      if (c.method === 'POST' && c.path === '/iclock/cdata') assert.notEqual(parseUpload(parseDeviceQuery(c.search), c.body).kind, 'UNKNOWN', name);
    }
  });
});

describe('the reply to an upload, byte for byte', () => {
  test('to uploads: the documented replies (cap 35 OK:9, 38 OK:2, 41 and 42 OK, 43 user=1)', () => {
    const documented: [string, string][] = [
      ['35', 'OK:9'],
      ['38', 'OK:2'],
      ['41', 'OK'],
      ['42', 'OK'],
      ['43', 'user=1'],
    ];
    for (const [name, reply] of documented) {
      const u = uploadOf(name);
      assert.equal(formatReplyToUpload(u, recordsOf(u)), reply, name);
    }
    // Counted as stored, not as read: a refused punch is not in the count.
    assert.equal(formatReplyToUpload(uploadOf('12'), 62), 'OK:62');
    assert.equal(formatReplyToUpload(uploadOf('02'), 0), 'OK');
    assert.equal(formatReplyToUpload({ kind: 'IDCARD', stamp: null, parsed: { records: [], errors: [] } }, 0), 'OK:0');
    assert.equal(formatReplyToUpload({ kind: 'BIODATA', stamp: null, parsed: { records: [], errors: [] } }, 3), 'OK:3');
    assert.equal(formatReplyToUpload({ kind: 'ATTPHOTO', stamp: null, photo: null }, 0), 'OK');
    assert.equal(formatReplyToUpload({ kind: 'ERRORLOG' }, 0), 'OK');
    assert.equal(formatReplyToUpload({ kind: 'UNKNOWN', table: 'x' }, 0), 'OK');
    assert.equal(formatUploadReply(9), 'OK:9');
    assert.equal(formatTableDataReply('user', 1), 'user=1');
    assert.equal(OK_REPLY, 'OK');
    assert.equal(formatCommandList([], 1000).body, 'OK');
  });
});
