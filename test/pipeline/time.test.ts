import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TimestampError, dayRange, instantToWall, parseTimestamp } from '../../src/pipeline/time.js';

const iso = (raw: string, zone: string) => {
  const t = parseTimestamp(raw, zone);
  return { local: t.localTime, utc: t.instant.toISOString(), zone: t.timeZone };
};

describe('parseTimestamp', () => {
  test('every accepted form', () => {
    const cases: [string, string, { local: string; utc: string; zone: string }][] = [
      ['2025-01-27 14:30:00', 'Asia/Riyadh', { local: '2025-01-27 14:30:00', utc: '2025-01-27T11:30:00.000Z', zone: 'Asia/Riyadh' }],
      ['2025-01-27T14:30:00', 'Asia/Riyadh', { local: '2025-01-27 14:30:00', utc: '2025-01-27T11:30:00.000Z', zone: 'Asia/Riyadh' }],
      ['2025-01-27 14:30', 'UTC', { local: '2025-01-27 14:30:00', utc: '2025-01-27T14:30:00.000Z', zone: 'UTC' }],
      // The sync tool's str(datetime) with microseconds; HRMS truncates to the second.
      ['2019-05-08 10:48:08.999999', 'UTC', { local: '2019-05-08 10:48:08', utc: '2019-05-08T10:48:08.000Z', zone: 'UTC' }],
      ['2025-01-27T14:30:00Z', 'Asia/Riyadh', { local: '2025-01-27 14:30:00', utc: '2025-01-27T14:30:00.000Z', zone: 'UTC+00:00' }],
      ['2025-01-27T14:30:00.5+03:00', 'UTC', { local: '2025-01-27 14:30:00', utc: '2025-01-27T11:30:00.000Z', zone: 'UTC+03:00' }],
      ['2025-01-27T14:30:00+0530', 'UTC', { local: '2025-01-27 14:30:00', utc: '2025-01-27T09:00:00.000Z', zone: 'UTC+05:30' }],
      ['2025-01-27 14:30:00-05', 'UTC', { local: '2025-01-27 14:30:00', utc: '2025-01-27T19:30:00.000Z', zone: 'UTC-05:00' }],
      ['2024-02-29 23:59:59', 'Asia/Kolkata', { local: '2024-02-29 23:59:59', utc: '2024-02-29T18:29:59.000Z', zone: 'Asia/Kolkata' }],
    ];
    for (const [raw, zone, expected] of cases) assert.deepEqual(iso(raw, zone), expected, raw);
  });

  test('spring forward: a wall time in the gap moves forward by the gap', () => {
    // America/New_York, 2025-03-09: 02:00 EST jumps to 03:00 EDT.
    assert.equal(iso('2025-03-09 02:30:00', 'America/New_York').utc, '2025-03-09T07:30:00.000Z'); // = 03:30 EDT
    assert.equal(iso('2025-03-09 01:59:59', 'America/New_York').utc, '2025-03-09T06:59:59.000Z');
    assert.equal(iso('2025-03-09 03:00:00', 'America/New_York').utc, '2025-03-09T07:00:00.000Z');
    // Europe/Berlin, 2025-03-30: 02:00 CET jumps to 03:00 CEST.
    assert.equal(iso('2025-03-30 02:15:00', 'Europe/Berlin').utc, '2025-03-30T01:15:00.000Z'); // = 03:15 CEST
  });

  test('fall back: a wall time that happens twice is the earlier instant', () => {
    // America/New_York, 2025-11-02: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice.
    assert.equal(iso('2025-11-02 01:30:00', 'America/New_York').utc, '2025-11-02T05:30:00.000Z'); // EDT, not 06:30Z
    assert.equal(iso('2025-11-02 00:59:59', 'America/New_York').utc, '2025-11-02T04:59:59.000Z');
    assert.equal(iso('2025-11-02 02:00:00', 'America/New_York').utc, '2025-11-02T07:00:00.000Z');
    // Europe/Berlin, 2025-10-26: 02:30 happens twice.
    assert.equal(iso('2025-10-26 02:30:00', 'Europe/Berlin').utc, '2025-10-26T00:30:00.000Z'); // CEST
    // Australia/Lord_Howe shifts by 30 minutes: 2025-04-06 01:45 happens twice.
    assert.equal(iso('2025-04-06 01:45:00', 'Australia/Lord_Howe').utc, '2025-04-05T14:45:00.000Z'); // +11:00
    // The same input always gives the same answer.
    for (let i = 0; i < 3; i++) assert.equal(iso('2025-11-02 01:30:00', 'America/New_York').utc, '2025-11-02T05:30:00.000Z');
  });

  test('impossible dates and malformed text are errors', () => {
    for (const raw of [
      '2025-02-30 10:00:00',
      '2025-02-29 10:00:00',
      '0000-01-01 00:00:00',
      '2025-13-01 00:00:00',
      '2025-01-01 24:00:00',
      '2025-01-01 23:60:00',
      '2025-01-01 23:59:60',
      '2025-01-01',
      '27/01/2025 14:30',
      'yesterday',
      '',
      '2025-01-27T14:30:00+15:00',
    ]) {
      assert.throws(() => parseTimestamp(raw, 'UTC'), TimestampError, raw);
    }
  });
});

test('instantToWall and dayRange work in the given zone', () => {
  assert.equal(instantToWall(new Date('2025-01-27T11:30:00Z'), 'Asia/Riyadh'), '2025-01-27 14:30:00');
  const r = dayRange('2025-01-27', '2025-01-28', 'Asia/Riyadh');
  assert.equal(r.start?.toISOString(), '2025-01-26T21:00:00.000Z');
  assert.equal(r.end?.toISOString(), '2025-01-28T21:00:00.000Z');
  assert.deepEqual(dayRange(undefined, undefined, 'UTC'), { start: undefined, end: undefined });
  assert.throws(() => dayRange('2025-02-30', undefined, 'UTC'), /from must be a date YYYY-MM-DD/);
  assert.throws(() => dayRange('27.01.2025', undefined, 'UTC'), /from must be a date YYYY-MM-DD/);
  assert.throws(() => dayRange('2025-03-10', '2025-03-01', 'UTC'), /to must not be before from/);
  assert.equal(dayRange('2025-03-10', '2025-03-10', 'UTC').end?.toISOString(), '2025-03-11T00:00:00.000Z');
});
