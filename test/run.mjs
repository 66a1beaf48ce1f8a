#!/usr/bin/env node
// `npm test`: the whole suite on SQLite, then again on MySQL when MYSQL_URL is set. Each test
// file makes and drops its own database. With ICLOCKD_REQUIRE_MYSQL=1 (CI) a run without
// MySQL fails. Prints one summary line per database and a closing "total:" line.
// `npm run test:faults` (--faults) runs the heavy fault tests in test/faults/ the same way, and
// `npm run test:bench` (--bench) the benchmark's end-to-end run in test/bench/ (about 90 s);
// `npm run test:cluster` (--cluster) the Galera + HAProxy cluster test in test/cluster/, once (it
// starts its own cluster; a few minutes). `npm test` leaves them out.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return testFiles(path);
    return e.name.endsWith('.test.ts') ? [path] : [];
  });
}

// The opt-in groups, each a directory of test files that only its flag runs.
const OPT_IN_DIRS = { '--faults': join('test', 'faults'), '--bench': join('test', 'bench'), '--cluster': join('test', 'cluster') };
const optIn = Object.hasOwn(OPT_IN_DIRS, process.argv[2] ?? '') ? process.argv[2] : null;
const inDir = (file, dir) => file.startsWith(`${dir}${sep}`);
// Optional filter: `npm test -- config` runs only files whose path contains "config".
const filters = process.argv.slice(optIn ? 3 : 2);
const files = testFiles(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => (optIn ? inDir(f, OPT_IN_DIRS[optIn]) : !Object.values(OPT_IN_DIRS).some((dir) => inDir(f, dir))))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

// A hung test (a hook waiting on something that never comes) would hold the run for ever: past
// this, the run's whole process group is killed and counted as failed.
const SUITE_LIMIT_MS = Number(process.env.ICLOCKD_TEST_SUITE_LIMIT_SECONDS ?? 900) * 1000;

/** Runs `args` in its own process group; resolves with its exit status, or null if the limit killed it. */
function runBounded(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env, detached: true });
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    };
    const timer = setTimeout(() => {
      console.log(`\nthe run did not finish within ${SUITE_LIMIT_MS / 1000} s: killing it`);
      killGroup();
    }, SUITE_LIMIT_MS);
    // Its own group does not get the terminal's Ctrl-C: pass it on.
    const interrupted = () => {
      killGroup();
      process.exit(130);
    };
    process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
    child.on('exit', (code) => {
      clearTimeout(timer);
      process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
      // Test files' processes still running after the runner ended (orphans) go with it.
      killGroup();
      resolve(code);
    });
  });
}

async function runSuite(dialect) {
  const tmp = mkdtempSync(join(tmpdir(), 'iclockd-tap-'));
  const tapFile = join(tmp, 'report.tap');
  console.log(`\n=== ${dialect}: ${files.length} test files ===`);
  const status = await runBounded(
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=2',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...files,
    ],
    // The cluster run is one run, on the Galera cluster its test starts.
    { ...process.env, ICLOCKD_TEST_DB: dialect === 'cluster' ? 'mysql' : dialect },
  );
  const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
  rmSync(tmp, { recursive: true, force: true });
  const count = (name) => Number([...tap.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
  return { dialect, status: status ?? 1, passed: count('pass'), failed: count('fail'), skipped: count('skipped') + count('todo'), tests: count('tests') };
}

// Types first: tests run through tsx, which does not check them.
if (filters.length === 0 && !optIn) {
  console.log('=== typecheck (tsc --noEmit)');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', root], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) {
    console.log('total: 0 passed, 1 failed, 0 skipped');
    process.exit(1);
  }
}

const cluster = optIn === '--cluster';
const runs = cluster ? [await runSuite('cluster')] : [await runSuite('sqlite')];
if (!cluster && process.env.MYSQL_URL) runs.push(await runSuite('mysql'));

let ok = true;
console.log('');
for (const r of runs) {
  console.log(`${r.dialect}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  if (r.status !== 0 || r.failed > 0 || r.passed === 0) ok = false;
}
if (!cluster && !process.env.MYSQL_URL) {
  console.log('mysql: not run (set MYSQL_URL=mysql://root@127.0.0.1:3306/test to run the suite on MySQL too)');
  if (process.env.ICLOCKD_REQUIRE_MYSQL === '1') {
    console.log('ICLOCKD_REQUIRE_MYSQL=1 but MYSQL_URL is not set');
    ok = false;
  }
}
const total = runs.reduce((a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, skipped: a.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });
// A failing run that reported no failed test (a crash) still counts as one failure.
if (!ok && total.failed === 0) total.failed = 1;
console.log(`total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(ok ? 0 : 1);
