// `iclockd stats`, in process, against a fresh database of this run's dialect. Days are whole
// days in ICLOCKD_TZ (here Asia/Riyadh, UTC+3 all year).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../src/cli/main.js';
import { newRequestId } from '../../src/pipeline/syncLog.js';
import { NO_COUNTS, SyncLogService } from '../../src/pipeline/syncLog.js';
import { insertSyncLogEntries } from '../../src/store/syncLog.js';
import { type Database, closeDatabase, migrateToLatest, openDatabase } from '../../src/store/db.js';
import { type TestDatabaseUrl, freshDatabaseUrl, testDialect } from '../helpers/db.js';

interface Run {
  code: number;
  out: string[];
  err: string[];
}

describe(`iclockd stats on ${testDialect()}`, () => {
  let fresh: TestDatabaseUrl;
  let db: Database;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    fresh = freshDatabaseUrl();
    db = await openDatabase(fresh.url);
    await migrateToLatest(db);
    env = { DATABASE_URL: fresh.url, ICLOCKD_TZ: 'Asia/Riyadh' };
  });
  after(async () => {
    await closeDatabase(db);
    await fresh.drop();
  });

  async function cli(...argv: string[]): Promise<Run> {
    const run: Run = { code: 0, out: [], err: [] };
    run.code = await runCli(argv, { out: (l) => run.out.push(l), err: (l) => run.err.push(l) }, env);
    return run;
  }

  test('an empty sync log: zeros and no tables', async () => {
    assert.deepEqual(await cli('stats'), { code: 0, out: ['requests 0, successful 0, errors 0, success rate 0%'], err: [] });
    const json = await cli('stats', '--json');
    assert.deepEqual(JSON.parse(json.out[0]!), { total_requests: 0, successful: 0, errors: 0, success_rate: 0, by_device: [], by_channel: [] });
  });

  test('totals, per device and per channel, over whole local days', async () => {
    let now = new Date(0);
    const log = new SyncLogService(db.knex, () => now);
    /** One request, received at `at` (UTC); `ok` undefined is a row an older version left `received`. */
    const request = async (at: string, channel: string, device: string | null, ok?: boolean) => {
      now = new Date(at);
      const entry = { requestId: newRequestId(), channel, endpoint: `/${channel}`, device, remoteAddress: '10.0.0.9', receivedAt: now, durationMs: 4 };
      if (ok === undefined) {
        await insertSyncLogEntries(db.knex, [{ ...entry, status: 'received', counts: NO_COUNTS, error: null, processedAt: now }]);
        return;
      }
      await log.record({ ...entry, ok, counts: { total: 1, created: ok ? 1 : 0, duplicate: 0, failed: ok ? 0 : 1 }, error: ok ? null : 'bad line' });
    };
    await request('2025-03-09T20:59:59Z', 'json', 'GATE-1', true); // 2025-03-09 23:59:59 in Riyadh
    await request('2025-03-09T21:00:00Z', 'json', 'GATE-1', true); // 2025-03-10 00:00:00
    await request('2025-03-10T06:00:00Z', 'json', 'GATE-1', true);
    await request('2025-03-10T07:00:00Z', 'json', 'GATE-1', false);
    await request('2025-03-10T08:00:00Z', 'adms', 'GATE-2', true);
    await request('2025-03-10T09:00:00Z', 'hrms', null, true);
    await request('2025-03-10T10:00:00Z', 'adms', 'GATE-2'); // still received: counted, neither ok nor error
    await request('2025-03-10T20:59:59Z', 'adms', 'GATE-2', false); // 2025-03-10 23:59:59
    await request('2025-03-10T21:00:00Z', 'adms', 'GATE-2', false); // 2025-03-11 00:00:00

    const day = await cli('stats', '--from', '2025-03-10', '--to', '2025-03-10');
    assert.equal(day.code, 0, day.err.join('\n'));
    assert.deepEqual(day.err, []);
    assert.deepEqual(day.out, [
      'requests 7, successful 4, errors 2, success rate 57.14%',
      '',
      'DEVICE  REQUESTS  OK  ERRORS  RATE %',
      '-       1         1   0       100',
      'GATE-1  3         2   1       66.67',
      'GATE-2  3         1   1       33.33',
      '',
      'CHANNEL  REQUESTS  OK  ERRORS  RATE %',
      'adms     3         1   1       33.33',
      'hrms     1         1   0       100',
      'json     3         2   1       66.67',
    ]);

    const json = await cli('stats', '--from', '2025-03-10', '--to', '2025-03-10', '--json');
    assert.equal(json.code, 0);
    assert.equal(json.out.length, 1, 'one JSON line');
    assert.deepEqual(JSON.parse(json.out[0]!), {
      total_requests: 7,
      successful: 4,
      errors: 2,
      success_rate: 57.14,
      by_device: [
        { device: null, total_requests: 1, successful: 1, errors: 0, success_rate: 100 },
        { device: 'GATE-1', total_requests: 3, successful: 2, errors: 1, success_rate: 66.67 },
        { device: 'GATE-2', total_requests: 3, successful: 1, errors: 1, success_rate: 33.33 },
      ],
      by_channel: [
        { channel: 'adms', total_requests: 3, successful: 1, errors: 1, success_rate: 33.33 },
        { channel: 'hrms', total_requests: 1, successful: 1, errors: 0, success_rate: 100 },
        { channel: 'json', total_requests: 3, successful: 2, errors: 1, success_rate: 66.67 },
      ],
    });

    // Open-ended ranges, and no range at all.
    assert.equal((await cli('stats')).out[0], 'requests 9, successful 5, errors 3, success rate 55.56%');
    assert.equal((await cli('stats', '--from', '2025-03-11')).out[0], 'requests 1, successful 0, errors 1, success rate 0%');
    assert.deepEqual((await cli('stats', '--to', '2025-03-09')).out, [
      'requests 1, successful 1, errors 0, success rate 100%',
      '',
      'DEVICE  REQUESTS  OK  ERRORS  RATE %',
      'GATE-1  1         1   0       100',
      '',
      'CHANNEL  REQUESTS  OK  ERRORS  RATE %',
      'json     1         1   0       100',
    ]);
  });

  test('a date that is not YYYY-MM-DD is one line on stderr and exit code 1', async () => {
    for (const [argv, message] of [
      [['--from', '10/03/2025'], '--from must be a date YYYY-MM-DD, not "10/03/2025"'],
      [['--to', '2025-02-30'], '--to must be a date YYYY-MM-DD, not "2025-02-30"'],
      [['--from', '2025-03-10', '--to', '2025-3-11', '--json'], '--to must be a date YYYY-MM-DD, not "2025-3-11"'],
    ] as const) {
      assert.deepEqual(await cli('stats', ...argv), { code: 1, out: [], err: [`iclockd: ${message}`] }, argv.join(' '));
    }
  });

  test('--help', async () => {
    const run = await cli('stats', '--help');
    assert.equal(run.code, 0);
    const help = run.out.join('\n');
    assert.match(help, /^Usage: iclockd stats \[options\]/m);
    for (const option of ['--from <date>', '--to <date>', '--json']) assert.ok(help.includes(option), option);
  });
});
