// Request ids: unique, and ordered by the time they were made, so the indexes on them grow at
// their end (src/http/requestId.ts says why).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newRequestId } from '../../src/pipeline/syncLog.js';

test('a request id is 32 hex digits that begin with the millisecond it was made', () => {
  const at = Date.UTC(2026, 11, 4, 9, 30, 0, 123);
  const id = newRequestId(at);
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(Number.parseInt(id.slice(0, 12), 16), at);
  assert.match(newRequestId(), /^[0-9a-f]{32}$/);
});

test('request ids sort in the order of the milliseconds they were made in, and never repeat', () => {
  const start = Date.UTC(2026, 0, 1);
  const ids = Array.from({ length: 100_000 }, (_, i) => newRequestId(start + Math.floor(i / 50)));
  assert.equal(new Set(ids).size, ids.length, 'fifty ids a millisecond, none the same');
  for (let i = 50; i < ids.length; i += 50) assert.ok(ids[i - 1]! < ids[i]!, `an id of a later millisecond sorts after (${i})`);
});
