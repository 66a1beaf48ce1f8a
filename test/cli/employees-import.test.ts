// `iclockd employees import FILE.csv`, in process, against a fresh database of this run's dialect.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type CliIo, runCli } from '../../src/cli/main.js';
import { systemClock } from '../../src/clock.js';
import { IngestService } from '../../src/pipeline/ingest.js';
import type { Punch } from '../../src/pipeline/punch.js';
import { type Database, closeDatabase, migrateToLatest, openDatabase } from '../../src/store/db.js';
import { type TestDatabaseUrl, freshDatabaseUrl, testDialect } from '../helpers/db.js';

interface Run {
  code: number;
  out: string[];
  err: string[];
}

const INVALID_CLOSING_QUOTE = 'Invalid Closing Quote: text after the closing quote of a field (inside quotes, write a quote as "")';
const QUOTE_NOT_CLOSED = 'Quote Not Closed: a quoted field is not closed (the lines after this one are read as rows of their own)';

describe(`iclockd employees import on ${testDialect()}`, () => {
  let fresh: TestDatabaseUrl;
  let db: Database;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    fresh = freshDatabaseUrl();
    db = await openDatabase(fresh.url);
    await migrateToLatest(db);
    dir = mkdtempSync(join(tmpdir(), 'iclockd-import-'));
    env = { DATABASE_URL: fresh.url, ICLOCKD_TZ: 'UTC' };
  });
  after(async () => {
    await closeDatabase(db);
    await fresh.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cli(argv: string[], progress?: CliIo['progress']): Promise<Run> {
    const run: Run = { code: 0, out: [], err: [] };
    run.code = await runCli(argv, { out: (l) => run.out.push(l), err: (l) => run.err.push(l), progress }, env);
    return run;
  }

  function csv(name: string, content: string | Buffer): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  async function employee(id: string) {
    return (await db.knex('employees').where({ employee: id }).first('employee', 'name', 'attendance_device_id', 'status', 'site')) as
      | { employee: string; name: string; attendance_device_id: string | null; status: string; site: string }
      | undefined;
  }

  test('creates, updates and rejects row by row; a second run updates what exists', async () => {
    const file = csv(
      'staff.csv',
      [
        'employee,name,attendance_device_id,status,site,notes',
        'EMP-1001,Amal Haddad,101,Active,,created',
        'EMP-1002,Badr Saleh,102,,,created',
        ',Generated Id,103,,,created with a generated id',
        'EMP-1004,,104,,,rejected: no name',
        'EMP-1005,Bad Status,105,Retired,,rejected: no such status',
        'EMP-1006,Clash,101,,,rejected: 101 is taken on site main',
        'EMP-1007,Other Site,101,,plant-2,created: 101 is free on plant-2',
        'EMP-1002,Badr S. Saleh,,Inactive,,updated: new name and status',
      ].join('\n'),
    );
    const first = await cli(['employees', 'import', file]);
    assert.equal(first.code, 0, first.err.join('\n'));
    assert.deepEqual(first.err, []);
    assert.deepEqual(first.out, [
      'created 4, updated 1, rejected 3 (of 8 rows)',
      'line 5: Invalid fields: name',
      'line 6: Invalid fields: status',
      'line 7: attendance_device_id 101 already belongs to EMP-1001 on site main',
    ]);
    assert.deepEqual(await employee('EMP-1001'), { employee: 'EMP-1001', name: 'Amal Haddad', attendance_device_id: '101', status: 'Active', site: 'main' });
    // The update changed the name and status; its empty biometric id cell left 102 as it was.
    assert.deepEqual(await employee('EMP-1002'), { employee: 'EMP-1002', name: 'Badr S. Saleh', attendance_device_id: '102', status: 'Inactive', site: 'main' });
    assert.deepEqual(await employee('EMP-00001'), { employee: 'EMP-00001', name: 'Generated Id', attendance_device_id: '103', status: 'Active', site: 'main' });
    assert.equal((await employee('EMP-1007'))?.site, 'plant-2');
    for (const id of ['EMP-1004', 'EMP-1005', 'EMP-1006']) assert.equal(await employee(id), undefined, id);

    // Again: rows with an existing id update it; the row without an id is a new employee whose
    // biometric id is now taken.
    const second = await cli(['employees', 'import', file]);
    assert.equal(second.code, 0);
    assert.deepEqual(second.out, [
      'created 0, updated 4, rejected 4 (of 8 rows)',
      'line 4: attendance_device_id 103 already belongs to EMP-00001 on site main',
      'line 5: Invalid fields: name',
      'line 6: Invalid fields: status',
      'line 7: attendance_device_id 101 already belongs to EMP-1001 on site main',
    ]);
    assert.equal(Number(((await db.knex('employees').count({ n: '*' }).first()) as { n: number | string }).n), 4);
  });

  test('quoted fields: commas, doubled quotes, line breaks; line numbers count the physical lines', async () => {
    const run = await cli([
      'employees',
      'import',
      csv(
        'quoted.csv',
        [
          'Employee,Name,Attendance Device ID,Site',
          'Q-1,"Haddad, Amal",201,"main"',
          'Q-2,"Saleh, ""Badr""",202,',
          'Q-3,"Two',
          'Line Name",203,',
          'Q-4,Unquoted, Comma,204,',
          'Q-5,,205,',
          'Q-6,"Last, One",206,',
        ].join('\n'),
      ),
    ]);
    assert.equal(run.code, 0, run.err.join('\n'));
    assert.deepEqual(run.out, ['created 4, updated 0, rejected 2 (of 6 rows)', 'line 6: Invalid Record Length: 5 fields, the header has 4', 'line 7: Invalid fields: name']);
    assert.equal((await employee('Q-1'))?.name, 'Haddad, Amal');
    assert.equal((await employee('Q-2'))?.name, 'Saleh, "Badr"');
    assert.equal((await employee('Q-3'))?.name, 'Two\nLine Name');
    assert.equal((await employee('Q-6'))?.name, 'Last, One');
  });

  test('a byte-order mark and CRLF line ends, with blank lines and a quoted CRLF', async () => {
    const run = await cli([
      'employees',
      'import',
      csv('excel.csv', '\uFEFFEmployee,Name,Attendance Device ID\r\n\r\nC-1,Crlf One,301\r\nC-2,"Crlf\r\nTwo",302\r\nC-3,,303\r\n,,\r\nC-4,Crlf Four,304\r\n'),
    ]);
    assert.equal(run.code, 0, run.err.join('\n'));
    // Lines: 1 header, 2 blank, 3 C-1, 4-5 C-2, 6 C-3, 7 a row of empty cells (a blank line), 8 C-4.
    assert.deepEqual(run.out, ['created 3, updated 0, rejected 1 (of 4 rows)', 'line 6: Invalid fields: name']);
    // The BOM is not part of the first header cell (the employee column was recognised), and no
    // carriage return is left on the last cell of a line.
    assert.deepEqual(await employee('C-1'), { employee: 'C-1', name: 'Crlf One', attendance_device_id: '301', status: 'Active', site: 'main' });
    assert.equal((await employee('C-2'))?.name, 'Crlf\r\nTwo');
    assert.equal((await employee('C-4'))?.attendance_device_id, '304');
  });

  test('a malformed line is rejected alone and the lines after it are imported', async () => {
    const run = await cli([
      'employees',
      'import',
      csv('malformed.csv', 'employee,name\nM-1,"Bad"Quote\nM-2,After A Bad Quote\nM-3,Stray "Quote Inside\nM-4,"Never closed\nM-5,After An Unclosed Quote\n'),
    ]);
    assert.equal(run.code, 0, run.err.join('\n'));
    assert.deepEqual(run.out, ['created 3, updated 0, rejected 2 (of 5 rows)', `line 2: ${INVALID_CLOSING_QUOTE}`, `line 5: ${QUOTE_NOT_CLOSED}`]);
    assert.equal((await employee('M-2'))?.name, 'After A Bad Quote');
    assert.equal((await employee('M-3'))?.name, 'Stray "Quote Inside');
    assert.equal((await employee('M-5'))?.name, 'After An Unclosed Quote');
  });

  test('UTF-16 with its BOM is read; a line that is not UTF-8 is rejected, not imported garbled', async () => {
    const utf16 = await cli(['employees', 'import', csv('utf16.csv', Buffer.from('\uFEFFemployee,name\r\nU-1,أمل حداد\r\n', 'utf16le'))]);
    assert.deepEqual(utf16.out, ['created 1, updated 0, rejected 0 (of 1 rows)']);
    assert.equal((await employee('U-1'))?.name, 'أمل حداد');

    const ansi = await cli(['employees', 'import', csv('ansi.csv', Buffer.from('employee,name\nL-1,Plain\nL-2,Jos\xe9\n', 'latin1'))]);
    assert.deepEqual(ansi.out, ['created 1, updated 0, rejected 1 (of 2 rows)', 'line 3: not UTF-8 text (save the file as "CSV UTF-8")']);
    assert.equal(await employee('L-2'), undefined);
  });

  test('a file that cannot be read, or has no header, fails with exit code 1', async () => {
    const missing = join(dir, 'nope.csv');
    assert.deepEqual(await cli(['employees', 'import', missing]), { code: 1, out: [], err: [`iclockd: cannot read ${missing}`] });

    const folder = join(dir, 'a-folder.csv');
    mkdirSync(folder);
    assert.deepEqual(await cli(['employees', 'import', folder]), { code: 1, out: [], err: [`iclockd: cannot read ${folder} (it is a directory)`] });

    const columns = 'employee, name, attendance_device_id, status, site, default_shift, date_of_joining, relieving_date, holiday_list';
    for (const [name, content] of [
      ['headless.csv', 'EMP-1,Someone,1\n'],
      ['empty.csv', ''],
      ['semicolons.csv', 'employee;name\nEMP-1;Someone\n'],
    ] as const) {
      const file = csv(name, content);
      assert.deepEqual(await cli(['employees', 'import', file]), { code: 1, out: [], err: [`iclockd: ${file} has no header naming the columns (${columns})`] }, name);
    }
    assert.equal(await employee('EMP-1'), undefined);

    // A header and nothing else is a file that was read: nothing to do, exit 0.
    assert.deepEqual(await cli(['employees', 'import', csv('header-only.csv', 'employee,name\r\n')]), { code: 0, out: ['created 0, updated 0, rejected 0 (of 0 rows)'], err: [] });
  });

  test('waiting punches become check-ins as their employee is imported, and the summary counts them', async () => {
    const punch = (user: string, localTime: string): Punch => ({
      deviceSerial: 'GATE-7',
      deviceId: null,
      site: 'main',
      deviceUserId: user,
      localTime,
      instant: new Date(`${localTime.replace(' ', 'T')}Z`),
      timeZone: 'UTC',
      logType: 'IN',
      punchState: 0,
      verifyMode: 1,
      workCode: null,
      latitude: null,
      longitude: null,
      source: 'adms',
    });
    const ingest = new IngestService({ knex: db.knex, settings: { timeZone: 'UTC', futureWindowHours: 24, timeFloor: '2010-01-01' }, clock: systemClock });
    const results = await ingest.ingest([
      punch('401', '2025-05-01 08:00:00'),
      punch('401', '2025-05-02 08:01:00'),
      punch('402', '2025-05-01 08:02:00'),
      punch('499', '2025-05-01 08:03:00'),
    ]);
    assert.deepEqual(
      results.map((r) => r.outcome),
      ['unmatched', 'unmatched', 'unmatched', 'unmatched'],
    );

    const run = await cli([
      'employees',
      'import',
      csv('waiting.csv', 'employee,name,attendance_device_id,site\nW-1,Waiting One,401,\nW-2,Waiting Two,402,\nW-3,Elsewhere,499,plant-2\n'),
    ]);
    assert.equal(run.code, 0, run.err.join('\n'));
    assert.deepEqual(run.out, ['created 3, updated 0, rejected 0 (of 3 rows); linked 3 waiting punches']);

    const checkins = async () =>
      (await db.knex('checkins').join('employees', 'employees.id', 'checkins.employee_id').orderBy('checkins.time').select('employees.employee', 'checkins.log_type', 'checkins.device_id')) as {
        employee: string;
        log_type: string;
      }[];
    assert.deepEqual(
      (await checkins()).map((c) => `${c.employee} ${c.log_type}`),
      ['W-1 IN', 'W-2 IN', 'W-1 IN'],
    );
    // 499 punched on site main; W-3 is on plant-2, so that punch still waits.
    const waiting = (await db.knex('punches').where({ device_user_id: '499' }).first('status')) as { status: string };
    assert.equal(waiting.status, 'unmatched');

    // Moving W-3 to site main (an update) links it.
    const moved = await cli(['employees', 'import', csv('move.csv', 'employee,site\nW-3,main\n')]);
    assert.deepEqual(moved.out, ['created 0, updated 1, rejected 0 (of 1 rows); linked 1 waiting punches']);
    assert.equal((await checkins()).filter((c) => c.employee === 'W-3').length, 1);
  });

  test('a progress bar on a terminal for more than 200 rows, and never otherwise', async () => {
    const rows = (prefix: string, n: number) => ['employee,name', ...Array.from({ length: n }, (_, i) => `${prefix}-${i + 1},Person ${i + 1}`)].join('\n');
    const terminal = () => {
      const stream = Object.assign(new PassThrough(), { isTTY: true });
      const written: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => written.push(chunk));
      return { stream, text: () => Buffer.concat(written).toString('utf8') };
    };

    const exactly200 = terminal();
    const small = await cli(['employees', 'import', csv('200.csv', rows('SMALL', 200))], exactly200.stream);
    assert.deepEqual(small.out, ['created 200, updated 0, rejected 0 (of 200 rows)']);
    assert.equal(exactly200.text(), '');

    const over = terminal();
    const large = await cli(['employees', 'import', csv('201.csv', rows('LARGE', 201))], over.stream);
    assert.deepEqual(large.out, ['created 201, updated 0, rejected 0 (of 201 rows)']);
    assert.match(over.text(), /importing \[.*\] 201\/201 rows/);
  });

  test('--help', async () => {
    const run = await cli(['employees', 'import', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.out.join('\n'), /^Usage: iclockd employees import \[options\] <file>/m);
  });
});
