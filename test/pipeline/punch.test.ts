import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logTypeOfPunchState, parseLogType } from '../../src/pipeline/punch.js';

test('ZKTeco punch states map to log types', () => {
  const expected = { 0: 'IN', 1: 'OUT', 2: 'OUT', 3: 'IN', 4: 'IN', 5: 'OUT', 255: 'AUTO', 7: 'AUTO' } as const;
  for (const [state, logType] of Object.entries(expected)) assert.equal(logTypeOfPunchState(Number(state)), logType, state);
});

test('log types as clients send them', () => {
  assert.deepEqual(parseLogType(undefined), { logType: 'AUTO', punchState: null });
  assert.deepEqual(parseLogType(null), { logType: 'AUTO', punchState: null });
  assert.deepEqual(parseLogType(''), { logType: 'AUTO', punchState: null });
  assert.deepEqual(parseLogType('in'), { logType: 'IN', punchState: null });
  assert.deepEqual(parseLogType(' OUT '), { logType: 'OUT', punchState: null });
  assert.deepEqual(parseLogType('AUTO'), { logType: 'AUTO', punchState: null });
  assert.deepEqual(parseLogType(0), { logType: 'IN', punchState: 0 });
  assert.deepEqual(parseLogType('1'), { logType: 'OUT', punchState: 1 });
  assert.deepEqual(parseLogType(4), { logType: 'IN', punchState: 4 });
  assert.deepEqual(parseLogType('255'), { logType: 'AUTO', punchState: 255 });
  for (const bad of ['BREAK', 'IN/OUT', 256, -1, 1.5, true, {}, []]) assert.equal(parseLogType(bad), null, JSON.stringify(bad));
});
