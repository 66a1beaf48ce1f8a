// A Punch as a channel would produce it, for tests that feed the pipeline directly.
import assert from 'node:assert/strict';
import type { IngestResult, StoredResult } from '../../src/pipeline/outcome.js';

export { punchAt as makePunch } from '../../src/pipeline/punch.js';

/** The results of punches that must all have been stored (none rejected). */
export function storedAll(results: IngestResult[]): StoredResult[] {
  return results.map((r) => {
    assert.notEqual(r.outcome, 'rejected', r.outcome === 'rejected' ? r.problem.reason : '');
    return r as StoredResult;
  });
}
