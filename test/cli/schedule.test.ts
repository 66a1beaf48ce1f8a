// The benchmark's punch schedule: distinct punches, each in its employee's day shift, IN then OUT.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { punchesPerDay, scheduledPunch } from '../../src/bench/schedule.js';

test('bench schedule: each employee checks in around 08:00 and out at 17:00, day after day, every punch distinct', () => {
  const employees = 5;
  const punches = Array.from({ length: 3 * punchesPerDay(employees) }, (_, n) => scheduledPunch(n, employees, '2024-01-01'));
  assert.deepEqual(punches.slice(0, 7), [
    { pin: '1', time: '2024-01-01 07:50:00', state: 0 },
    { pin: '2', time: '2024-01-01 07:50:01', state: 0 },
    { pin: '3', time: '2024-01-01 07:50:02', state: 0 },
    { pin: '4', time: '2024-01-01 07:50:03', state: 0 },
    { pin: '5', time: '2024-01-01 07:50:04', state: 0 },
    { pin: '1', time: '2024-01-01 17:00:00', state: 1 },
    { pin: '2', time: '2024-01-01 17:00:01', state: 1 },
  ]);
  assert.deepEqual(punches[punchesPerDay(employees)], { pin: '1', time: '2024-01-02 07:50:00', state: 0 });
  assert.equal(new Set(punches.map((p) => `${p.pin} ${p.time}`)).size, punches.length);
  // Each employee-day: exactly one check-in and one check-out.
  const days = new Map<string, number[]>();
  for (const p of punches) days.set(`${p.pin} ${p.time.slice(0, 10)}`, [...(days.get(`${p.pin} ${p.time.slice(0, 10)}`) ?? []), p.state]);
  assert.equal(days.size, 3 * employees);
  for (const states of days.values()) assert.deepEqual(states, [0, 1]);
});

test('bench schedule: a workforce larger than an hour of seconds still clocks within the hour', () => {
  assert.equal(scheduledPunch(3600, 4000, '2024-01-01').time, '2024-01-01 07:50:00');
  assert.equal(scheduledPunch(3600, 4000, '2024-01-01').pin, '3601');
  assert.equal(scheduledPunch(4000 + 3599, 4000, '2024-01-01').time, '2024-01-01 17:59:59');
});
