// .ci/run is bash with `set -o pipefail`: a pipeline whose reader stops early (head, grep -q)
// kills its writer with SIGPIPE, and the pipeline then fails with 141 whenever the writer had
// more to say. That is a race, so it passed on one machine and failed CI on another
// (`haproxy -v | head -1`). The rule: no stage after the first may stop reading early.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = join(root, '.ci/run');

/** A pipeline stage that may exit before its input ends. */
const stopsReadingEarly = /^(head|grep\s+(?:-\w*[qlm]\w*\b|--quiet|--max-count)|sed\s+(?:-n\s+)?'?\d*q)/;

/** Each pipeline stage after the first, per line, with quoted text and `||` set aside. */
function laterStages(source: string): { line: number; stage: string }[] {
  const found: { line: number; stage: string }[] = [];
  source.split('\n').forEach((text, i) => {
    const code = text.replace(/#.*$/, '').replace(/'[^']*'|"[^"]*"/g, '""').replace(/\|\|/g, ' OR ');
    code.split('|').slice(1).forEach((stage) => found.push({ line: i + 1, stage: stage.trim() }));
  });
  return found;
}

test('.ci/run parses as bash and runs with pipefail', () => {
  const check = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  assert.match(readFileSync(script, 'utf8'), /^set -euo pipefail$/m);
});

test('.ci/run: no pipeline ends in a reader that stops early (SIGPIPE under pipefail)', () => {
  const offenders = laterStages(readFileSync(script, 'utf8')).filter(({ stage }) => stopsReadingEarly.test(stage));
  assert.deepEqual(offenders, [], 'use `sed -n 1p` or grep on a file instead: it reads to the end');
});

test('the rule catches the line that failed CI, and passes its mend', () => {
  const hits = (source: string) => laterStages(source).filter(({ stage }) => stopsReadingEarly.test(stage)).length;
  assert.equal(hits('/usr/sbin/haproxy -v | head -1\n'), 1);
  assert.equal(hits('promtool --version 2>&1 | grep -q prom\n'), 1);
  assert.equal(hits('/usr/sbin/haproxy -v | sed -n 1p\n'), 0);
  assert.equal(hits('npm test 2>&1 | tee "$log"\n[ -x a ] || b\n'), 0);
});
