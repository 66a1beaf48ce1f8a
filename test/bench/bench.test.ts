// `iclockd bench` runs end to end with tiny durations: every scenario row, its ceiling and ratio,
// in the table and the JSON file. No timing is asserted.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SCENARIOS } from '../../src/bench/fleet.js';
import type { BenchResults } from '../../src/bench/run.js';
import { runCli } from '../../src/cli/main.js';
import { testDialect } from '../helpers/db.js';

// The MySQL pass of the suite benches MySQL too (after SQLite, as `npm run bench` does); the SQLite pass SQLite alone.
const MYSQL_URL = testDialect() === 'mysql' ? (process.env.MYSQL_URL ?? '') : '';
const DBS = MYSQL_URL ? (['sqlite', 'mysql'] as const) : (['sqlite'] as const);

test('iclockd bench: every scenario with throughput, ceiling, ratio, target, latency, memory and queries per request', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iclockd-bench-test-'));
  try {
    const out: string[] = [];
    const env = { ...process.env, MYSQL_URL };
    const args = ['bench', '--quick', '--seconds', '0.3', '--soak-seconds', '0.6', '--heartbeat-devices', '20', '--soak-devices', '40', '--attendance', '--employees', '3', '--days', '3', '--out', join(dir, 'r.json')];
    const code = await runCli(args, { out: (l) => out.push(l), err: (l) => out.push(l) }, env);
    assert.equal(code, 0, out.join('\n'));
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as BenchResults;
    // Without --no-auto-attendance, the bench's shift makes attendance: these are results, not a bound.
    assert.equal(json.auto_attendance, true);
    assert.deepEqual(Object.keys(json.ceilings).sort(), ['db', 'db_bulk_ceiling', 'db_single_ceiling', 'http_ceiling', 'http_post_ceiling']);
    for (const v of [json.ceilings.http_ceiling, json.ceilings.http_post_ceiling, json.ceilings.db_bulk_ceiling, json.ceilings.db_single_ceiling]) assert.ok(v > 0);
    // Each database in turn; the memory soak (no database work) only on the last.
    const expected = DBS.flatMap((db) => [...SCENARIOS.filter((n) => n !== 'memory_10k_devices' || db === DBS.at(-1)), 'attendance_recompute'].map((name) => `${name}/${db}`));
    assert.deepEqual(json.scenarios.map((s) => `${s.name}/${s.db}`), expected);
    assert.equal(json.ceilings.db, DBS.at(-1));
    for (const s of json.scenarios) {
      for (const key of ['name', 'db', 'throughput', 'unit', 'ceiling', 'ratio', 'target', 'p50_ms', 'p99_ms', 'peak_rss_mb', 'db_queries_per_request', 'pass']) assert.ok(key in s, `${s.name}: ${key}`);
      // Figures only: a busy test machine may finish few requests in 0.3 s.
      for (const n of [s.throughput, s.ratio, s.ceiling, s.p99_ms, s.db_queries_per_request]) assert.ok(Number.isFinite(n) && n >= 0, `${s.name}: ${n}`);
      // The server's CPU per punch or request, from /proc: some time was spent on what it answered.
      if (SCENARIOS.includes(s.name as (typeof SCENARIOS)[number]) && s.name !== 'memory_10k_devices' && s.requests > 0) assert.ok(s.server_cpu_us_per_unit! > 0, `${s.name}: server_cpu_us_per_unit ${s.server_cpu_us_per_unit}`);
    }
    for (const s of json.scenarios.filter((x) => x.name.startsWith('single_punch'))) assert.ok(Number.isFinite(s.http_post_ratio), `${s.name}: http_post_ratio`);
    // The ingest floor under each ingest scenario's load: the ceiling its ratio and target are taken to.
    const ingest = ['attlog_burst', 'single_punch_adms', 'single_punch_json', 'json_bulk'];
    for (const s of json.scenarios) {
      if (!ingest.includes(s.name)) {
        assert.equal(s.floor, undefined, s.name);
        continue;
      }
      assert.ok(s.floor && Number.isFinite(s.floor.throughput) && Number.isFinite(s.floor.ratio) && s.ceiling_name === 'ingest_floor' && s.ceiling === s.floor.throughput, `${s.name}: ${JSON.stringify(s.floor)}`);
      assert.ok(out.some((l) => l.startsWith(`  ingest floor, ${s.name}: `)), s.name);
    }
    // Duplicates really were duplicates: the resend storm sent the burst's requests again.
    const burst = json.scenarios.find((s) => s.name === 'attlog_burst')!;
    const resend = json.scenarios.find((s) => s.name === 'resend_storm')!;
    assert.ok(resend.requests >= burst.requests, `${resend.requests} resent of ${burst.requests}`);
    // The table: a header and one line per row.
    assert.ok(out.some((l) => /^scenario\s+db\s+throughput.*\s+floor ratio$/.test(l)), out.join('\n'));
    for (const name of SCENARIOS) assert.ok(out.some((l) => l.startsWith(`${name} `)), name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('iclockd bench --statements: the burst batches stored, and their database time by statement', async () => {
  const out: string[] = [];
  const code = await runCli(['bench', '--statements', '--quick'], { out: (l) => out.push(l), err: (l) => out.push(l) }, { ...process.env, MYSQL_URL: '' });
  // (SQLite alone: its lines are the ones read below; the statement profile on MySQL is the same code on another knex.)
  assert.equal(code, 0, out.join('\n'));
  assert.match(out[0]!, /^sqlite: 6000 punches in batches of 2000, one after another: \d+ punches\/s; statements \d+ ms of \d+ ms/);
  const lines = out.slice(1);
  // The burst's writes are among them, each counted: punches and check-ins, 2,000 rows in 300-row statements.
  for (const table of ['punches', 'checkins', 'attendance']) assert.ok(lines.some((l) => l.includes(`insert into \`${table}\``)), `${table}: ${out.join('\n')}`);
  const punchInserts = lines.find((l) => l.includes('insert into `punches`'))!;
  assert.equal(Number(/(\d+) × /.exec(punchInserts)![1]), 3 * Math.ceil(2000 / 300));
  // The write floor: the three tables' insert rates, and what they allow per punch.
  const floor = /write floor .*: punches ([\d,]+), checkins ([\d,]+), attendance ([\d,]+) rows\/s; a punch, its check-in and half a record: ([\d,]+) punches\/s, ([\d.]+) of the punches rate/.exec(out.join('\n'));
  assert.ok(floor, out.join('\n'));
  const [punches, checkins, attendance, perPunch] = floor.slice(1, 5).map((x) => Number(x.replace(/,/g, '')));
  assert.ok(punches! > 0 && checkins! > 0 && attendance! > 0);
  // Three writes per punch cost more than one: the floor is below each table's own rate.
  assert.ok(perPunch! < Math.min(punches!, checkins!, attendance! * 2), `${perPunch}`);
  // A check-in is inserted with its attendance: no statement links them afterwards.
  assert.ok(!lines.some((l) => l.startsWith('update `checkins`', l.indexOf('× ') + 2)), out.join('\n'));
});
