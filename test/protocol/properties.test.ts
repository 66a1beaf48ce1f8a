// Property-based tests of the codec (fast-check): random bytes and mutated real captures never
// make a parser throw, and every well-formed line inside a damaged body is still recovered,
// in order, while each damaged line is reported by itself. Seeded, so a failure repeats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeZkTime,
  parseAttPhoto,
  parseAttlog,
  parseDeviceCmd,
  parseDeviceQuery,
  parseInfo,
  parseKeyValueRows,
  parseOperlog,
  parseOptionsBody,
  parseTableData,
  parseWallTime,
  splitLines,
  uploadKind,
} from '../../protocol/index.js';
import { captureNames, loadCapture } from '../helpers/captures.js';

const RUNS = { numRuns: 300, seed: 20261124 };

/** Every parser of a request body. */
const BODY_PARSERS: [string, (b: Uint8Array) => unknown][] = [
  ['parseAttlog', parseAttlog],
  ['parseOperlog', parseOperlog],
  ['parseDeviceCmd', parseDeviceCmd],
  ['parseAttPhoto', parseAttPhoto],
  ['parseOptionsBody', parseOptionsBody],
  ['parseKeyValueRows', parseKeyValueRows],
  ['parseTableData(user)', (b) => parseTableData(b, 'user')],
  ['parseTableData(rtlog)', (b) => parseTableData(b, 'rtlog')],
  ['splitLines', splitLines],
];

/** Bytes that look like device bodies: text, tabs, separators, NULs, CRs, high bytes. */
const deviceBytes = fc
  .array(fc.oneof(fc.constantFrom(0x09, 0x0a, 0x0d, 0x00, 0x3d, 0x20, 0x26, 0x7e, 0xff, 0xc3), fc.integer({ min: 0, max: 255 })), { maxLength: 600 })
  .map((a) => Uint8Array.from(a));

test('no body parser throws on random bytes', () => {
  for (const [name, parse] of BODY_PARSERS) {
    try {
      fc.assert(
        fc.property(fc.oneof(deviceBytes, fc.uint8Array({ maxLength: 2000 })), (body) => {
          parse(body);
        }),
        { ...RUNS, examples: [[new Uint8Array(0)], [Uint8Array.from([0x0a, 0x0a, 0x0d])]] },
      );
    } catch (err) {
      throw new Error(`${name}: ${(err as Error).message}`);
    }
  }
});

test('query strings, INFO values, wall times and ZK times never throw', () => {
  const text = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom('%', '%zz', 'SN=&SN=', 'table=ATTLOG&Stamp=-1', '=&=&', 'SN=%E0%A4%A'));
  fc.assert(
    fc.property(text, (q) => {
      uploadKind(parseDeviceQuery(q));
      parseInfo(q);
      parseWallTime(q);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 2 ** 53, Number.NaN)), (n) => {
      decodeZkTime(n);
    }),
    RUNS,
  );
});

/** A real capture's body with random damage: bytes changed, inserted, cut, or a piece repeated. */
const damage = (body: Uint8Array) =>
  fc
    .array(
      fc.oneof(
        fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 40 }) }),
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.nat({ max: 200 }) }),
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((edits) => {
      let b = Buffer.from(body);
      for (const e of edits) {
        const at = b.length === 0 ? 0 : e.at % (b.length + 1);
        if (e.kind === 'set' && b.length) b[at % b.length] = e.byte;
        if (e.kind === 'insert') b = Buffer.concat([b.subarray(0, at), e.bytes, b.subarray(at)]);
        if (e.kind === 'cut') b = b.subarray(0, at);
        if (e.kind === 'repeat') b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + e.length), b.subarray(at)]);
      }
      return new Uint8Array(b);
    });

test('mutated real captures never make a parser throw', () => {
  const bodies = captureNames()
    .map((name) => loadCapture(name).body)
    .filter((b) => b.length > 0);
  assert.ok(bodies.length >= 10, `${bodies.length} capture bodies`);
  fc.assert(
    fc.property(fc.constantFrom(...bodies).chain(damage), (body) => {
      for (const [, parse] of BODY_PARSERS) parse(body);
    }),
    { ...RUNS, numRuns: 500 },
  );
});

const digits = (min: number, max: number) => fc.integer({ min, max }).map((n) => String(n));
const two = (min: number, max: number) => fc.integer({ min, max }).map((n) => String(n).padStart(2, '0'));
/** A well-formed ATTLOG line: PIN, wall time, state, verify, work code. */
const attlogLine = fc
  .record({ pin: digits(1, 99_999_999), y: digits(2000, 2099), mo: two(1, 12), d: two(1, 28), h: two(0, 23), mi: two(0, 59), s: two(0, 59), state: digits(0, 5), verify: digits(0, 25) })
  .map((r) => ({ pin: r.pin, time: `${r.y}-${r.mo}-${r.d} ${r.h}:${r.mi}:${r.s}`, line: `${r.pin}\t${r.y}-${r.mo}-${r.d} ${r.h}:${r.mi}:${r.s}\t${r.state}\t${r.verify}\t0\t0\t0` }));
/** A damaged line: no tab (so never a record), any bytes but the line ends LF and CR, often NULs. */
const garbageLine = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x0a && b !== 0x0d && b !== 0x09), fc.constant(0x00)), { minLength: 1, maxLength: 80 })
  .map((a) => Uint8Array.from(a));

test('every well-formed ATTLOG line in a damaged body is recovered, in order; each damaged line is rejected alone', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof({ weight: 2, arbitrary: attlogLine.map((l) => ({ good: l })) }, { weight: 1, arbitrary: garbageLine.map((g) => ({ bad: g })) }), { maxLength: 60 }),
      fc.constantFrom('\n', '\r\n', '\r'),
      (items, lineEnd) => {
        const eol = Buffer.from(lineEnd);
        const body = Buffer.concat(items.flatMap((it) => ['good' in it ? Buffer.from(it.good.line) : Buffer.from(it.bad), eol]));
        const { records, errors } = parseAttlog(body);
        const good = items.flatMap((it) => ('good' in it ? [it.good] : []));
        assert.deepEqual(
          records.map((r) => [r.pin, r.time]),
          good.map((g) => [g.pin, g.time]),
        );
        // Each damaged line is at most one error.
        const bad = items.filter((it) => 'bad' in it).length;
        assert.ok(errors.length <= bad, `${errors.length} errors for ${bad} damaged lines`);
        assert.ok(errors.every((e) => !e.text.includes('\n') && !e.text.includes('\r')));
      },
    ),
    RUNS,
  );
});

/** A well-formed OPERLOG USER line. */
const userLine = fc
  .record({ pin: digits(1, 999_999), name: fc.string({ maxLength: 20 }).map((s) => s.replace(/[\t\r\n\u0000]/g, '')) })
  .map((u) => ({ pin: u.pin, line: `USER PIN=${u.pin}\tName=${u.name}\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=0000000000000000` }));

test('every well-formed OPERLOG USER line in a damaged body is recovered, in order', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof({ weight: 2, arbitrary: userLine.map((l) => ({ good: l })) }, { weight: 1, arbitrary: garbageLine.map((g) => ({ bad: g })) }), { maxLength: 40 }), (items) => {
      const body = Buffer.concat(items.flatMap((it) => ['good' in it ? Buffer.from(it.good.line) : Buffer.from(it.bad), Buffer.from('\n')]));
      const users = parseOperlog(body).records.flatMap((r) => (r.kind === 'USER' ? [r.pin] : []));
      assert.deepEqual(
        users,
        items.flatMap((it) => ('good' in it ? [it.good.pin] : [])),
      );
    }),
    RUNS,
  );
});
