import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromDbInstant, toDbInstant } from '../../src/store/time.js';

/** What the text parse makes of a stored instant: the reference the hand-read path must equal. */
const parsed = (s: string) => new Date(`${s.slice(0, 19).replace(' ', 'T')}Z`);

test('fromDbInstant reads what toDbInstant wrote, as the text parse would, across the years a column holds', () => {
  let seed = 7;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const from = Date.UTC(1000, 0, 1);
  const to = Date.UTC(9999, 11, 31, 23, 59, 59);
  for (let i = 0; i < 20_000; i++) {
    const d = new Date(Math.floor((from + next() * (to - from)) / 1000) * 1000);
    const s = toDbInstant(d);
    assert.equal(fromDbInstant(s).getTime(), d.getTime(), s);
    assert.equal(fromDbInstant(`${s}.250000`).getTime(), parsed(`${s}.250000`).getTime(), 'MySQL fractional seconds are dropped');
  }
});

test('fromDbInstant falls back to the text parse for anything but YYYY-MM-DD HH:MM:SS of a year 1000-9999', () => {
  for (const s of ['0999-12-31 23:59:59', '0050-06-01 12:00:00', '+010000-01-01 00:00:00', '2025-1x-01 00:00:00', '2025-10-26T00:59:59', 'not a date at all', '2024-02-29 23:59:59', '9999-12-31 23:59:59', '2025-02-30 00:00:00', '2025-02-32 00:00:00', '2025-13-01 00:00:00', '2025-01-01 24:00:00', '2025-00-10 00:00:00', '2025-01-01 00:60:00']) {
    const want = parsed(s).getTime();
    const got = fromDbInstant(s).getTime();
    assert.ok(Object.is(got, want), `${s}: ${got} ≠ ${want}`);
  }
  assert.equal(fromDbInstant(null), null);
  assert.equal(fromDbInstant(undefined), null);
});
