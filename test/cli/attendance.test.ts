// `iclockd shift-types`, `shift-assignments` and `attendance`, in process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Services } from '../../src/app.js';
import { type CliHarness, cliHarness } from '../helpers/cli.js';
import { testDialect } from '../helpers/db.js';
import { makePunch } from '../helpers/punch.js';

describe(`iclockd shifts and attendance on ${testDialect()}`, () => {
  let h: CliHarness;
  let s: Services;
  before(async () => {
    h = await cliHarness();
    s = h.services;
    await s.employees.create({ employee: 'E1', name: 'One', attendance_device_id: '1' });
  });
  after(async () => {
    await h.cleanup();
  });
  const cli = (...argv: string[]) => h.cli(...argv);

  test('shift types are created and changed with HRMS field names', async () => {
    const created = await cli('shift-types', 'set', 'Day', 'start_time=09:00', 'end_time=17:00', 'enable_auto_attendance=true', 'late_entry_grace_period=10');
    assert.equal(created.code, 0, created.err.join('\n'));
    const shift = JSON.parse(created.out[0]!) as Record<string, unknown>;
    assert.deepEqual([shift.start_time, shift.enable_auto_attendance, shift.late_entry_grace_period], ['09:00:00', true, 10]);
    const changed = JSON.parse((await cli('shift-types', 'set', 'Day', 'working_hours_threshold_for_half_day=4.5')).out[0]!) as Record<string, unknown>;
    assert.equal(changed.working_hours_threshold_for_half_day, 4.5);
    assert.match((await cli('shift-types', 'list')).out[1]!, /^Day\s+09:00:00\s+17:00:00\s+yes\s+alternating\s+first_last\s+-$/);
    const bad = await cli('shift-types', 'set', 'Bad', 'start_time=9');
    assert.equal(bad.code, 1);
    assert.deepEqual(bad.err, ['iclockd: Invalid fields: start_time, end_time']);
  });

  test('assignments, recompute and summary', async () => {
    const a = await cli('shift-assignments', 'create', '--employee', 'E1', '--shift-type', 'Day', '--start', '2025-05-01');
    assert.match(a.out[0]!, /^assignment \d+: E1 works Day from 2025-05-01$/);
    assert.match((await cli('shift-assignments', 'list')).out[1]!, /^\d+\s+E1\s+Day\s+2025-05-01\s+-\s+Active$/);
    await s.ingest.ingest([makePunch('1', '2025-05-05 09:00:00'), makePunch('1', '2025-05-05 13:00:00')]);
    const summary = async () => (await cli('attendance', 'summary', '--from', '2025-05-01', '--to', '2025-05-31', '--format', 'csv')).out[0]!.split('\n');
    assert.deepEqual(await summary(), ['employee,employee_name,present,half_day,absent,on_holiday,late_entries,early_exits,working_hours', 'E1,One,0,1,0,0,0,0,4']);
    const same = await cli('attendance', 'recompute', '--from', '2025-05-01', '--to', '2025-05-31');
    assert.deepEqual(same.out, ['recomputed 1 employee-shift(s) from 2025-05-01 to 2025-05-31; 0 changed']);
    await cli('shift-types', 'set', 'Day', 'working_hours_threshold_for_half_day=3');
    const changed = await cli('attendance', 'recompute', '--from', '2025-05-01', '--to', '2025-05-31', '--employee', 'E1');
    assert.deepEqual(changed.out, ['recomputed 1 employee-shift(s) from 2025-05-01 to 2025-05-31; 1 changed']);
    assert.equal((await summary())[1], 'E1,One,1,0,0,0,0,0,4');
    const ended = await cli('shift-assignments', 'end', a.out[0]!.split(' ')[1]!.replace(':', ''), '--end', '2025-05-31');
    assert.match(ended.out[0]!, /ends 2025-05-31$/);
  });

  test('recompute leaves a final record as it is and says what would change; --force changes it (issue 20.8)', async () => {
    await s.db.knex('attendance').update({ finalized: true });
    const name = ((await s.db.knex('attendance').first('name')) as { name: string }).name;
    await cli('shift-types', 'set', 'Day', 'working_hours_threshold_for_half_day=5');
    const said = await cli('attendance', 'recompute', '--from', '2025-05-01', '--to', '2025-05-31');
    assert.deepEqual(said.out, [
      'recomputed 1 employee-shift(s) from 2025-05-01 to 2025-05-31; 0 changed',
      '1 final record(s) would change, left as they are (run again with --force to change them):',
      `  ${name} E1 2025-05-05 Day: status Present → Half Day`,
    ]);
    const summary = async () => (await cli('attendance', 'summary', '--from', '2025-05-01', '--to', '2025-05-31', '--format', 'csv')).out[0]!.split('\n')[1];
    assert.equal(await summary(), 'E1,One,1,0,0,0,0,0,4');
    const forced = await cli('attendance', 'recompute', '--from', '2025-05-01', '--to', '2025-05-31', '--force');
    assert.deepEqual(forced.out, ['recomputed 1 employee-shift(s) from 2025-05-01 to 2025-05-31; 1 changed', '1 final record(s) changed:', `  ${name} E1 2025-05-05 Day: status Present → Half Day`]);
    assert.equal(await summary(), 'E1,One,0,1,0,0,0,0,4');
    assert.deepEqual((await cli('attendance', 'recompute', '--from', '2025-05-01', '--to', '2025-05-31')).out, ['recomputed 1 employee-shift(s) from 2025-05-01 to 2025-05-31; 0 changed']);
  });
});
