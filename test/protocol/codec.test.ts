// The ADMS codec on byte-exact fixtures: every capture in fixtures/adms/captures is parsed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import iconv from 'iconv-lite';
import {
  type OptionBlock,
  commands,
  decodeZkTime,
  encodeForLanguage,
  encodeZkTime,
  formatErrorReply,
  formatCommandList,
  formatOptionBlock,
  formatPush3Config,
  formatPush3Handshake,
  formatRegistryReply,
  formatServerTime,
  formatTimeZone,
  formatUploadReply,
  formatWallTime,
  isPunchEvent,
  legacyEncodingOf,
  normalizeCard,
  parseAttPhoto,
  parseAttlog,
  parseDeviceCmd,
  parseDeviceQuery,
  parseKeyValueRows,
  parseOperlog,
  parseOptionsBody,
  parseTableData,
  splitLines,
  uploadKind,
} from '../../protocol/index.js';
import { captureNames, loadCapture } from '../helpers/captures.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('device query', () => {
  test('init GET: names case-insensitive, values decoded once (cap 01, 18, 34, 39)', () => {
    const q01 = parseDeviceQuery(loadCapture('01').search);
    assert.deepEqual([q01.sn, q01.options, q01.language, q01.pushver, q01.pushOptionsFlag], ['CKJF201960996', 'all', 69, '2.4.1', '1']);
    const q18 = parseDeviceQuery(loadCapture('18').search);
    assert.equal(q18.deviceType, 'middle east');
    const q34 = parseDeviceQuery(loadCapture('34').search);
    assert.equal(q34.language, 83);
    assert.equal(q34.pushver, '2.2.14');
    assert.equal(parseDeviceQuery(loadCapture('39').search).pushver, '3.0.1');
    assert.equal(parseDeviceQuery('sn=abc&PUSHVER=2.4.1&Table=attlog').sn, 'abc');
    assert.equal(parseDeviceQuery('?SN=A%2520B').sn, 'A%20B', 'decoded once, not twice');
  });

  test('INFO on getrequest (cap 04, 36): ten values, firmware with %20', () => {
    const i04 = parseDeviceQuery(loadCapture('04').search).info!;
    assert.deepEqual(
      [i04.firmware, i04.users, i04.fingerprints, i04.attlogs, i04.ip, i04.fpAlgorithm, i04.faceAlgorithm, i04.facesPerUser, i04.faces, i04.functions],
      ['ZAM170-NF-Ver1.1.27', 1, 1, 0, '192.168.54.216', '10', '58', 12, 0, '11110'],
    );
    const i36 = parseDeviceQuery(loadCapture('36').search).info!;
    assert.equal(i36.firmware, 'Ver 2.0.12-20150625');
    assert.equal(parseDeviceQuery(loadCapture('05').search).info, null);
    assert.equal(parseDeviceQuery(loadCapture('33').search).sn, 'SPK7240100098');
    const old = parseDeviceQuery('SN=1&INFO=Ver%206.18,12,30,1000').info!;
    assert.deepEqual([old.firmware, old.users, old.fingerprints, old.attlogs, old.ip], ['Ver 6.18', 12, 30, 1000, null]);
  });

  test('upload kind from table=, or from the legacy stamp (cap 12, 13)', () => {
    assert.equal(uploadKind(parseDeviceQuery(loadCapture('12').search)), 'ATTLOG');
    assert.equal(uploadKind(parseDeviceQuery(loadCapture('13').search)), 'OPERLOG');
    assert.equal(uploadKind(parseDeviceQuery(loadCapture('19').search)), 'ATTLOG');
    assert.equal(uploadKind(parseDeviceQuery(loadCapture('02').search)), 'OPTIONS');
    assert.equal(uploadKind(parseDeviceQuery(loadCapture('07').search)), 'BIODATA');
    assert.equal(uploadKind(parseDeviceQuery(loadCapture('29').search)), 'RTLOG');
    assert.equal(uploadKind(parseDeviceQuery(loadCapture('42').search)), 'RTSTATE');
    assert.equal(uploadKind(parseDeviceQuery(loadCapture('43').search)), 'TABLEDATA');
    assert.equal(uploadKind(parseDeviceQuery('SN=1&table=FOOBAR')), 'UNKNOWN');
  });
});

describe('ATTLOG', () => {
  test('4 fields, 63 records (cap 12)', () => {
    const { records, errors } = parseAttlog(loadCapture('12').body);
    assert.equal(records.length, 63);
    assert.deepEqual(errors, []);
    assert.deepEqual(records[0], { line: 1, pin: '4', time: '2008-12-29 19:08:16', status: 0, verify: 1, workCode: null, extra: [] });
  });

  test('8 fields, empty work code, trailing TAB, CRLF (cap 19)', () => {
    const { records, errors } = parseAttlog(loadCapture('19').body);
    assert.deepEqual(errors, []);
    assert.deepEqual(records.map((r) => [r.pin, r.time, r.status, r.verify, r.workCode]), [
      ['1', '2024-07-28 01:25:24', 0, 1, null],
      ['1', '2024-07-28 10:41:21', 0, 1, null],
      ['4', '2024-07-28 10:41:31', 0, 1, null],
    ]);
    assert.deepEqual(records[0]!.extra, ['0', '0', '']);
  });

  test('7 fields, 9 records (cap 35)', () => {
    const { records, errors } = parseAttlog(loadCapture('35').body);
    assert.equal(records.length, 9);
    assert.deepEqual(errors, []);
  });

  test('10 and 11 fields, status 255, no final line end, a bad line among good ones', () => {
    const body = bytes('5415\t2022-09-03 11:54:24\t0\t1\t\t0\t0\t\t\t\n3\t2023-10-16 08:38:16\t255\t15\t0\t0\t0\t255\t0\t0\t\n9\t1971--10--29 -23:-27:-54\t0\t1\n\t2023-01-01 00:00:00\t0\n7\t2023-10-16 08:40:00\t1\t15\t12');
    const { records, errors } = parseAttlog(body);
    assert.deepEqual(records.map((r) => [r.line, r.pin, r.status, r.verify, r.workCode]), [
      [1, '5415', 0, 1, null],
      [2, '3', 255, 15, '0'],
      [5, '7', 1, 15, '12'],
    ]);
    assert.deepEqual(errors.map((e) => [e.line, e.reason]), [
      [3, 'time "1971--10--29 -23:-27:-54" is not YYYY-MM-DD HH:MM:SS'],
      [4, 'empty PIN'],
    ]);
  });
});

  test('a lone CR ends a line as LF and CRLF do: two records never merge into one', () => {
    const body = bytes('5001\t2026-12-03 08:00:00\t0\t1\r5002\t2026-12-03 08:00:01\t0\t1\r\n\r\n5003\t2026-12-03 08:00:02\t0\t1\n\r5004\t2026-12-03 08:00:03\t1\t1\r');
    const { records, errors } = parseAttlog(body);
    assert.deepEqual(records.map((r) => [r.line, r.pin, r.time, r.status]), [
      [1, '5001', '2026-12-03 08:00:00', 0],
      [2, '5002', '2026-12-03 08:00:01', 0],
      [4, '5003', '2026-12-03 08:00:02', 0],
      [6, '5004', '2026-12-03 08:00:03', 1],
    ]);
    assert.deepEqual(errors, []);
    assert.deepEqual(splitLines(bytes('a\rb\r\nc\n\nd')).map((l) => [l.number, l.text]), [[1, 'a'], [2, 'b'], [3, 'c'], [5, 'd']]);
  });

describe('OPERLOG', () => {
  test('boot OPLOGs with a non-numeric OpWho (cap 03)', () => {
    const { records, errors } = parseOperlog(loadCapture('03').body);
    assert.deepEqual(errors, []);
    assert.equal(records.length, 6);
    assert.ok(records.every((r) => r.kind === 'OPLOG'));
    assert.ok(records.some((r) => r.kind === 'OPLOG' && r.who === 'DHCP'));
  });

  test('USER with validity fields (cap 06), old USER layout with [hex] cards (cap 13), doc USERs (cap 38)', () => {
    const u06 = parseOperlog(loadCapture('06').body).records;
    assert.equal(u06.length, 1);
    assert.equal(u06[0]!.kind, 'USER');
    const u13 = parseOperlog(loadCapture('13').body);
    assert.deepEqual(u13.errors, []);
    assert.ok(u13.records.every((r) => r.kind === 'USER'));
    const u38 = parseOperlog(loadCapture('38').body).records;
    assert.equal(u38.length, 2);
    assert.equal(normalizeCard('[15CD5B07]'), '123456789');
    assert.equal(normalizeCard('[0000000000]'), null);
    assert.equal(normalizeCard('12345'), '12345');
    assert.equal(normalizeCard(''), null);
  });

  test('FP with raw size (cap 14), encoded OPLOG time (cap 15), OPLOG+FP mangled (cap 20)', () => {
    const fp = parseOperlog(loadCapture('14').body).records;
    assert.ok(fp.length > 0 && fp.every((r) => r.kind === 'FP' && r.pin !== null));
    const [op] = parseOperlog(loadCapture('15').body).records;
    assert.equal(op!.kind, 'OPLOG');
    assert.equal((op as { time: string }).time, formatWallTime(decodeZkTime(289515406)));
    const mangled = parseOperlog(loadCapture('20').body);
    assert.ok(mangled.records.length + mangled.errors.length > 0, 'parsed without throwing');
    assert.ok(mangled.records.some((r) => r.kind === 'OPLOG'));
  });

  test('BIODATA (cap 07, 08), BIOPHOTO (cap 10), OPLOGs (cap 09, 11)', () => {
    assert.equal(parseOperlog(loadCapture('07').body).records.filter((r) => r.kind === 'BIODATA').length, 5);
    assert.equal(parseOperlog(loadCapture('08').body).records[0]!.kind, 'BIODATA');
    const photo = parseOperlog(loadCapture('10').body).records[0]!;
    assert.equal(photo.kind, 'BIOPHOTO');
    assert.deepEqual(parseOperlog(loadCapture('09').body).records.map((r) => (r as { opType: number }).opType), [114, 101]);
    assert.equal((parseOperlog(loadCapture('11').body).records[0] as { opType: number }).opType, 103);
  });

  test('outbound text: GB18030 for Chinese-language firmware, UTF-8 otherwise', () => {
    assert.deepEqual(Buffer.from(encodeForLanguage('Name=张三', 83)), iconv.encode('Name=张三', 'gb18030'));
    assert.deepEqual(Buffer.from(encodeForLanguage('Name=张三', 84)), iconv.encode('Name=张三', 'gb18030'));
    assert.deepEqual(Buffer.from(encodeForLanguage('Name=José', 69)), Buffer.from('Name=José', 'utf8'));
    assert.deepEqual(Buffer.from(encodeForLanguage('OK', null)), Buffer.from('OK'));
  });

  test("names in a terminal's legacy code page, by its language: Arabic, Latin, Russian; UTF-8 first, GB18030 when unknown", () => {
    const user = (name: string, encoding: string) => Buffer.concat([Buffer.from('USER PIN=9\tName='), iconv.encode(name, encoding), Buffer.from('\tPri=0\n')]);
    const nameOf = (body: Buffer, language: number | null) => (parseOperlog(body, legacyEncodingOf(language)).records[0] as { name: string }).name;
    assert.equal(nameOf(user('محمد علي', 'windows-1256'), 66), 'محمد علي');
    assert.equal(nameOf(user('José Müller', 'windows-1252'), 69), 'José Müller');
    assert.equal(nameOf(user('Иван Петров', 'windows-1251'), 82), 'Иван Петров');
    assert.equal(nameOf(user('Zoë Ø', 'utf8'), 66), 'Zoë Ø', 'UTF-8 is read as UTF-8 whatever the language');
    assert.equal(nameOf(user('张三', 'gb18030'), null), '张三');
    assert.equal(nameOf(user('张三', 'gb18030'), 83), '张三');
    assert.equal(legacyEncodingOf(12345), 'gb18030');
  });

  test('unknown kinds are kept raw; GB18030 names are decoded', () => {
    const gb = iconv.encode('USER PIN=8\tName=张三\tPri=0\n', 'gb18030');
    const body = Buffer.concat([bytes('WHATEVER a=1\n'), gb, bytes('USER PIN=9\tName=José\n')]);
    const { records } = parseOperlog(body);
    assert.deepEqual(records.map((r) => r.kind), ['UNKNOWN', 'USER', 'USER']);
    assert.equal((records[1] as { name: string }).name, '张三');
    assert.equal((records[2] as { name: string }).name, 'José');
  });
});

describe('options, registry, push 3.x rows', () => {
  test('table=options body (cap 02): ~keys, spaces and empty values kept', () => {
    const o = parseOptionsBody(loadCapture('02').body);
    assert.equal(o['~DeviceName'], 'SpeedFace-V5L[TD]');
    assert.equal(o.FWVersion, 'ZAM170-NF-Ver1.1.27');
    assert.equal(o.MultiBioDataSupport, '0:1:0:0:0:0:0:0:1:1');
  });

  test('registry bodies (cap 31, 40)', () => {
    assert.ok(Object.keys(parseOptionsBody(loadCapture('31').body)).length > 3);
    const r40 = parseOptionsBody(loadCapture('40').body);
    assert.equal(r40.DeviceType, 'acc');
  });

  test('rtlog (cap 29 CRLF, cap 41), rtstate (cap 42), tabledata (cap 43)', () => {
    const [punch] = parseKeyValueRows(loadCapture('29').body).records;
    assert.equal(punch!.fields.pin, '445966');
    assert.equal(punch!.fields.time, '2026-09-09 12:09:10');
    assert.equal(isPunchEvent(punch!.fields), true);
    const [door] = parseKeyValueRows(loadCapture('41').body).records;
    assert.equal(isPunchEvent(door!.fields), false, 'event 27, pin 0: not a punch');
    assert.equal(parseKeyValueRows(loadCapture('42').body).records[0]!.fields.sensor !== undefined, true);
    const users = parseTableData(loadCapture('43').body, 'user');
    assert.equal(users.records.length, 1);
    assert.equal(users.records[0]!.fields.pin, '4');
  });
});

describe('devicecmd results', () => {
  test('five batched results (cap 37)', () => {
    const { results, errors } = parseDeviceCmd(loadCapture('37').body);
    assert.deepEqual(errors, []);
    assert.deepEqual(results.map((r) => [r.id, r.returnCode, r.cmd]), [
      ['info8487', 0, 'DATA'],
      ['info8488', 0, 'DATA'],
      ['info8489', 0, 'DATA'],
      ['info7464', 0, 'DATA'],
      ['fp7464', 0, 'DATA'],
    ]);
  });

  test('INFO results carry their option lines (cap 16, 17)', () => {
    for (const name of ['16', '17']) {
      const { results } = parseDeviceCmd(loadCapture(name).body);
      assert.equal(results.length, 1);
      assert.equal(results[0]!.cmd, 'INFO');
      assert.ok(results[0]!.content!.split('\n').length > 100);
    }
  });

  test('Shell result, one key per line (cap 32), and VERIFY SUM fields', () => {
    const [shell] = parseDeviceCmd(loadCapture('32').body).results;
    assert.deepEqual([shell!.id, shell!.returnCode, shell!.cmd, shell!.content], ['32', 0, 'Shell', 'Tue Mar 24 16:12:26 GMT 2026']);
    const [sum] = parseDeviceCmd(bytes('ID=7&Return=0&CMD=VERIFY SUM&StartTime=2025-01-01 00:00:00&EndTime=2025-01-01 23:59:59&AttlogSum=42\n')).results;
    assert.equal(sum!.fields.AttlogSum, '42');
  });
});

describe('replies', () => {
  const base: OptionBlock = {
    sn: 'CKJF201960996',
    generation: 2,
    legacyNames: false,
    attlogStamp: 'None',
    operlogStamp: 'None',
    attphotoStamp: 'None',
    biodataStamp: 'None',
    errorDelay: 30,
    delay: 10,
    transTimes: '00:00;14:05',
    transInterval: 1,
    realtime: true,
    timeZoneOffsetMinutes: 330,
    serverVersion: '2.4.1',
    pushProtVer: '2.4.1',
    pushOptionsFlag: true,
  };

  test('TimeZone: hours when whole and inside ±12, minutes otherwise', () => {
    assert.equal(formatTimeZone(180), '3');
    assert.equal(formatTimeZone(660), '11');
    assert.equal(formatTimeZone(-660), '-11');
    // ±12 h and beyond: the hours rule is ambiguous there (Auckland in summer, Kiritimati).
    assert.equal(formatTimeZone(720), '720');
    assert.equal(formatTimeZone(-720), '-720');
    assert.equal(formatTimeZone(780), '780');
    assert.equal(formatTimeZone(840), '840');
    assert.equal(formatTimeZone(-300), '-5');
    assert.equal(formatTimeZone(330), '330');
    assert.equal(formatTimeZone(-570), '-570');
    assert.equal(formatTimeZone(0), '0');
  });

  test('option block: 2.x named TransFlag, 3.x digits, legacy names without pushver', () => {
    assert.equal(
      formatOptionBlock(base),
      'GET OPTION FROM: CKJF201960996\nATTLOGStamp=None\nOPERLOGStamp=None\nATTPHOTOStamp=None\nBIODATAStamp=None\nErrorDelay=30\nDelay=10\nTransTimes=00:00;14:05\nTransInterval=1\n' +
        'TransFlag=TransData AttLog\tOpLog\tAttPhoto\tEnrollUser\tChgUser\tEnrollFP\tChgFP\tFPImag\tFACE\tUserPic\tWORKCODE\tBioPhoto\nTimeZone=330\nRealtime=1\nEncrypt=0\nServerVer=2.4.1\nPushProtVer=2.4.1\nPushOptionsFlag=1\n',
    );
    assert.match(formatOptionBlock({ ...base, generation: 3 }), /\nTransFlag=111111111111\n/);
    assert.match(formatOptionBlock({ ...base, legacyNames: true }), /^GET OPTION FROM: CKJF201960996\nStamp=None\nOpStamp=None\nPhotoStamp=None\n/);
  });

  test('command lists: C:id:command, byte bound, nothing after REBOOT', () => {
    const queued = [
      { id: '1', command: commands.info() },
      { id: '2', command: commands.reboot() },
      { id: '3', command: commands.check() },
    ];
    assert.deepEqual(formatCommandList(queued, 1000), { body: 'C:1:INFO\nC:2:REBOOT\n', sent: ['1', '2'] });
    assert.deepEqual(formatCommandList(queued, 12), { body: 'C:1:INFO\n', sent: ['1'] });
    assert.deepEqual(formatCommandList([], 1000), { body: 'OK', sent: [] });
    assert.equal(commands.queryAttlog('2025-01-01 00:00:00', '2025-01-01 23:59:59'), 'DATA QUERY ATTLOG StartTime=2025-01-01 00:00:00\tEndTime=2025-01-01 23:59:59');
    assert.equal(commands.updateUser({ pin: '7', name: 'Ana' }), 'DATA UPDATE USERINFO PIN=7\tName=Ana\tPri=0\tPasswd=\tCard=\tGrp=1');
    // A line break or a TAB in a value would start another command or field: they become spaces.
    assert.equal(commands.updateUser({ pin: '7', name: 'Eve\r\nC:9:REBOOT\tX' }), 'DATA UPDATE USERINFO PIN=7\tName=Eve  C:9:REBOOT X\tPri=0\tPasswd=\tCard=\tGrp=1');
    assert.equal(formatUploadReply(9), 'OK:9');
  });

  test('registry code (cap 40: RegistryCode=Uy47fxftP3)', () => {
    assert.equal(formatRegistryReply('Uy47fxftP3'), 'RegistryCode=Uy47fxftP3');
  });

  const options: OptionBlock = {
    ...base,
    sn: '3383154200002',
    generation: 3,
    operlogStamp: '9999',
    timeZoneOffsetMinutes: 180,
    serverVersion: '3.1.2 iclockd-1.0.0',
    pushProtVer: '3.1.2',
    pushOptionsFlag: false,
  };
  const config = {
    serverVersion: '3.1.2 iclockd-1.0.0',
    serverName: 'iclockd',
    pushVersion: '3.1.2',
    requestDelay: 10,
    transTables: 'User Transaction',
    sessionId: '0123456789abcdef',
    timeoutSec: 10,
    options,
  };
  const configText =
    'ServerVersion=3.1.2 iclockd-1.0.0\nServerName=iclockd\nPushVersion=3.1.2\nRequestDelay=10\nTransTables=User Transaction\nSessionID=0123456789abcdef\nTimeoutSec=10\n' +
    'ATTLOGStamp=None\nOPERLOGStamp=9999\nATTPHOTOStamp=None\nBIODATAStamp=None\nErrorDelay=30\nDelay=10\nTransTimes=00:00;14:05\nTransInterval=1\nTransFlag=111111111111\n' +
    'TimeZone=3\nRealtime=1\nEncrypt=0\nServerVer=3.1.2 iclockd-1.0.0\nPushProtVer=3.1.2\n';

  test('push 3.x configuration (POST /iclock/push): its keys, then the option block without its first line', () => {
    assert.equal(formatPush3Config(config), configText);
    assert.ok(configText.endsWith(formatOptionBlock(options).split('\n').slice(1).join('\n')));
  });

  test('push 3.x handshake: registry=ok, the code, the configuration, with every key cap 39 documents', () => {
    const reply = formatPush3Handshake('Uy47fxftP3', config);
    assert.equal(reply, `registry=ok\nRegistryCode=Uy47fxftP3\n${configText}`);
    const keys = new Set(reply.split('\n').map((line) => line.split('=')[0]));
    for (const key of ['registry', 'RegistryCode', 'ServerVersion', 'ServerName', 'PushProtVer', 'ErrorDelay', 'RequestDelay', 'TransTimes', 'TransInterval', 'TransTables', 'Realtime', 'SessionID', 'TimeoutSec']) {
      assert.ok(keys.has(key), key);
    }
  });

  test('rtdata clock line: UTC now ZK-encoded, the zone offset now as ±HHMM', () => {
    const now = new Date('2026-12-04T02:39:06.750Z');
    // ((26·12·31 + 11·31 + 3)·86400 + 2·3600 + 39·60 + 6, months of 31 days.
    assert.equal(encodeZkTime({ year: 2026, month: 12, day: 4, hour: 2, minute: 39, second: 6 }), 865391946);
    assert.equal(formatServerTime(now, 180), 'DateTime=865391946,ServerTZ=+0300');
    assert.equal(formatServerTime(now, 330), 'DateTime=865391946,ServerTZ=+0530');
    assert.equal(formatServerTime(now, -570), 'DateTime=865391946,ServerTZ=-0930');
    assert.equal(formatServerTime(now, 0), 'DateTime=865391946,ServerTZ=+0000');
    assert.equal(formatServerTime(now, 840), 'DateTime=865391946,ServerTZ=+1400');
  });

  test('refusals and failures: ERROR: and the reason', () => {
    assert.equal(formatErrorReply('Device Unauthorized'), 'ERROR: Device Unauthorized');
  });
});

describe('ZK encoded time and ATTPHOTO', () => {
  test('both ways, checked against the 2009 logs (cap 12: Stamp 289503453 = 2009-01-03 17:37:33)', () => {
    assert.equal(formatWallTime(decodeZkTime(289503453)), '2009-01-03 17:37:33');
    const t = { year: 2026, month: 11, day: 24, hour: 23, minute: 59, second: 58 };
    assert.deepEqual(decodeZkTime(encodeZkTime(t)), t);
    assert.equal(encodeZkTime({ year: 2000, month: 1, day: 1, hour: 0, minute: 0, second: 0 }), 0);
  });

  test('ATTPHOTO: header, NUL, JPEG bytes', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x10, 0xff, 0xd9]);
    const body = Buffer.concat([bytes('PIN=20150731103012-123.jpg\nSN=0316144680030\nsize=7\nCMD=uploadphoto'), Buffer.from([0]), jpeg]);
    const photo = parseAttPhoto(body)!;
    assert.deepEqual([photo.pin, photo.time, photo.sn, photo.size], ['123', '2015-07-31 10:30:12', '0316144680030', 7]);
    assert.deepEqual(Buffer.from(photo.jpeg), jpeg);
    assert.equal(parseAttPhoto(bytes('no nul here')), null);
  });
});

test('every capture parses without throwing', () => {
  for (const name of captureNames()) {
    const c = loadCapture(name);
    const q = parseDeviceQuery(c.search);
    assert.ok(q.sn, `${name}: SN`);
    if (c.method === 'POST') {
      assert.ok(c.body.length > 0, `${name}: body`);
      for (const parse of [parseAttlog, parseOperlog, parseKeyValueRows, parseDeviceCmd, parseOptionsBody, splitLines]) parse(c.body);
    }
  }
});
