// `iclockd bench` runs end to end on a tiny input (no timing is asserted).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../src/cli/main.js';

test('iclockd bench: a table and a JSON file with the rate, the ceiling and their ratio', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iclockd-bench-test-'));
  try {
    const out: string[] = [];
    const env = { ...process.env, MYSQL_URL: '' };
    const code = await runCli(['bench', '--employees', '3', '--days', '3', '--ceiling-seconds', '0.2', '--out', join(dir, 'r.json')], { out: (l) => out.push(l), err: (l) => out.push(l) }, env);
    assert.equal(code, 0, out.join('\n'));
    assert.ok(out.some((l) => /^sqlite\s+3\s+9\s+\d+\s+[\d.]+\s+\d+\s+\d+\s+[\d.]+$/.test(l)), out.join('\n'));
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { attendance_recompute: { sqlite: { employeeDays: number; ratio: number; records: number } } };
    assert.equal(json.attendance_recompute.sqlite.employeeDays, 9);
    assert.ok(json.attendance_recompute.sqlite.records > 0);
    assert.ok(json.attendance_recompute.sqlite.ratio > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
