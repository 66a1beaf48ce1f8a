import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DateTime, IANAZone } from 'luxon';
import { TimestampError, dayRange, instantToWall, localDateOf, parseTimestamp } from '../../src/pipeline/time.js';

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

/** luxon's own answer with the DST rules of time.ts, the slow way: what wallToInstant must agree with. */
function referenceInstant(raw: string, zone: string): string {
  const [date, time] = raw.split(' ') as [string, string];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second] = time.split(':').map(Number) as [number, number, number];
  const wall = { year, month, day, hour, minute, second };
  const z = IANAZone.create(zone);
  const wallAsUtc = DateTime.fromObject(wall, { zone: 'UTC' }).toMillis();
  let best = DateTime.fromObject(wall, { zone }).toMillis();
  for (const probe of [best - 3 * 3600_000, best + 3 * 3600_000]) {
    const candidate = wallAsUtc - z.offset(probe) * 60_000;
    if (candidate < best && z.offset(candidate) === z.offset(probe) && wallAsUtc - z.offset(candidate) * 60_000 === candidate) best = candidate;
  }
  return new Date(best).toISOString();
}

test('wall times around every transition of many zones, 2000–2035, agree with luxon', () => {
  const zones = [
    'America/New_York', 'Europe/Berlin', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Tehran',
    'Africa/Casablanca', 'Pacific/Apia', 'Pacific/Kiritimati', 'America/Caracas', 'Asia/Kathmandu', 'America/Santiago',
    'America/Sao_Paulo', 'Asia/Gaza', 'Europe/Moscow', 'Antarctica/Troll', 'America/St_Johns', 'Asia/Riyadh', 'UTC',
    'Australia/Adelaide', 'Pacific/Auckland', 'America/Havana', 'Europe/Dublin', 'Africa/Cairo', 'America/Godthab',
  ];
  let checked = 0;
  for (const zone of zones) {
    const z = IANAZone.create(zone);
    // Transitions: a weekly scan, then every quarter hour of wall time from 3 h before to 3 h after each.
    const transitions: number[] = [];
    for (let t = Date.UTC(2000, 0, 1); t < Date.UTC(2035, 0, 1); t += 7 * 86_400_000) {
      if (z.offset(t) !== z.offset(t + 7 * 86_400_000)) {
        let lo = t;
        let hi = t + 7 * 86_400_000;
        while (hi - lo > 60_000) {
          const mid = lo + Math.floor((hi - lo) / 2);
          if (z.offset(mid) === z.offset(lo)) lo = mid;
          else hi = mid;
        }
        transitions.push(hi);
      }
    }
    for (const at of transitions) {
      const wallAt = DateTime.fromMillis(at, { zone });
      for (let m = -180; m <= 180; m += 15) {
        for (const s of [0, 59]) {
          const raw = wallAt.plus({ minutes: m }).set({ second: s }).toFormat('yyyy-MM-dd HH:mm:ss');
          assert.equal(parseTimestamp(raw, zone).instant.toISOString(), referenceInstant(raw, zone), `${raw} in ${zone}`);
          checked++;
        }
        const instant = at + m * 60_000 + (m % 2) * 59_999;
        assert.equal(localDateOf(new Date(instant), zone), DateTime.fromMillis(instant, { zone }).toISODate(), `the date of ${new Date(instant).toISOString()} in ${zone}`);
      }
    }
    // And ordinary times, spread over the years.
    for (let i = 0; i < 200; i++) {
      const raw = DateTime.fromMillis(Date.UTC(2000, 0, 1) + i * 5_555_555_555 + i * 7_919_000, { zone: 'UTC' }).toFormat('yyyy-MM-dd HH:mm:ss');
      assert.equal(parseTimestamp(raw, zone).instant.toISOString(), referenceInstant(raw, zone), `${raw} in ${zone}`);
      const instant = Date.UTC(2000, 0, 1) + i * 5_555_555_555 + i * 7_919_000;
      assert.equal(localDateOf(new Date(instant), zone), DateTime.fromMillis(instant, { zone }).toISODate(), `the date of ${new Date(instant).toISOString()} in ${zone}`);
      checked++;
    }
  }
  assert.ok(checked > 20_000, `${checked} wall times`);
});

test('years before 100 are not read as 19xx', () => {
  assert.equal(parseTimestamp('0050-06-01 12:00:00', 'UTC').instant.toISOString(), '0050-06-01T12:00:00.000Z');
});
