// A realistic week: several employees, day and night shifts, punches through the JSON API and
// a terminal, out of order and with resends; the attendance table is checked exactly. Then the
// summary (JSON and CSV) and the explicit recompute.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

/** A deterministic shuffle, so "out of order" is the same every run. */
function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  let seed = 7;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe(`a week of attendance on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;

  before(async () => {
    s = await startTestServer({ timeZone: 'Asia/Riyadh', devicePolicy: 'approve' });
    admin = client(s, await s.authHeader('admin'));
    const device = client(s, await s.authHeader('ingest'));
    await admin.post('/api/v1/shift-types', {
      name: 'Office',
      start_time: '08:00',
      end_time: '16:00',
      enable_auto_attendance: true,
      enable_late_entry_marking: true,
      late_entry_grace_period: 15,
      enable_early_exit_marking: true,
      early_exit_grace_period: 15,
      working_hours_threshold_for_half_day: 4,
      working_hours_threshold_for_absent: 2,
      holiday_list: 'Company',
    });
    await admin.post('/api/v1/shift-types', {
      name: 'Guard',
      start_time: '20:00',
      end_time: '04:00',
      enable_auto_attendance: true,
      determine_check_in_and_check_out: 'strict',
    });
    await admin.call('PUT', '/api/v1/holidays/Company', { holidays: ['2025-06-05'] });
    for (const [employee, pin] of [['E1', '11'], ['E2', '12'], ['E3', '13'], ['E4', '14']]) await admin.post('/api/v1/employees', { employee, name: `Employee ${employee}`, attendance_device_id: pin });
    for (const employee of ['E1', 'E2']) await admin.post('/api/v1/shift-assignments', { employee, shift_type: 'Office', start_date: '2025-06-01' });
    await admin.patch('/api/v1/employees/E3', { default_shift: 'Office' });
    await admin.post('/api/v1/shift-assignments', { employee: 'E4', shift_type: 'Guard', start_date: '2025-06-01' });

    // E1 and E2 through the JSON API, shuffled, some sent twice.
    const json: [string, string][] = [
      ...['01', '02', '03', '04'].flatMap((d): [string, string][] => [['11', `2025-06-${d} 07:55:00`], ['11', `2025-06-${d} 16:05:00`]]),
      ['12', '2025-06-01 08:20:00'], ['12', '2025-06-01 16:00:00'],
      ['12', '2025-06-02 08:00:00'], ['12', '2025-06-02 11:00:00'],
      ['12', '2025-06-03 08:00:00'], ['12', '2025-06-03 09:30:00'],
    ];
    const logs = shuffle([...json, json[0]!, json[9]!, json[13]!]).map(([employee_id, timestamp]) => ({ employee_id, timestamp, device_id: 'WEB' }));
    const bulk = await device.post('/api/v1/punches/bulk', { logs: logs.slice(0, 10) });
    assert.equal(bulk.body.failed, 0);
    for (const log of logs.slice(10)) assert.equal((await device.post('/api/v1/punches', log)).status, 200);

    // E3 and E4 through a terminal: two uploads out of order, the first one sent again.
    await fetch(`${s.baseUrl}/iclock/cdata?SN=WEEKGATE&options=all&pushver=2.4.1`);
    const upload = (body: string) => fetch(`${s.baseUrl}/iclock/cdata?SN=WEEKGATE&table=ATTLOG&Stamp=9999`, { method: 'POST', body }).then((r) => r.text());
    const later = ['13\t2025-06-03 08:00:00\t0\t1', '13\t2025-06-03 16:00:00\t1\t1', '14\t2025-06-02 20:00:00\t0\t1', '14\t2025-06-02 23:00:00\t1\t1', '14\t2025-06-02 23:30:00\t0\t1', '14\t2025-06-03 04:00:00\t1\t1'];
    const earlier = ['13\t2025-06-01 08:00:00\t0\t1', '13\t2025-06-01 15:40:00\t1\t1', '13\t2025-06-02 08:00:00\t0\t1', '14\t2025-06-01 19:50:00\t0\t1', '14\t2025-06-02 04:05:00\t1\t1'];
    assert.equal(await upload(`${later.join('\n')}\n`), 'OK:6');
    assert.equal(await upload(`${earlier.join('\n')}\n`), 'OK:5');
    assert.equal(await upload(`${later.join('\n')}\n`), 'OK:6');
  });
  after(async () => {
    await s.stop();
  });

  test('the attendance table, exactly', async () => {
    const all = await admin.get('/api/v1/attendance?from=2025-06-01&to=2025-06-07&page_size=100');
    const rows = all.body.data.map((a: Record<string, unknown>) => [a.employee, a.attendance_date, a.shift, a.status, a.working_hours, a.late_entry, a.early_exit]);
    rows.sort((a: string[], b: string[]) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`));
    assert.deepEqual(rows, [
      ['E1', '2025-06-01', 'Office', 'Present', 8.17, false, false],
      ['E1', '2025-06-02', 'Office', 'Present', 8.17, false, false],
      ['E1', '2025-06-03', 'Office', 'Present', 8.17, false, false],
      ['E1', '2025-06-04', 'Office', 'Present', 8.17, false, false],
      ['E2', '2025-06-01', 'Office', 'Present', 7.67, true, false],
      ['E2', '2025-06-02', 'Office', 'Half Day', 3, false, true],
      ['E2', '2025-06-03', 'Office', 'Absent', 1.5, false, true],
      ['E3', '2025-06-01', 'Office', 'Present', 7.67, false, true],
      ['E3', '2025-06-02', 'Office', 'Absent', 0, false, false],
      ['E3', '2025-06-03', 'Office', 'Present', 8, false, false],
      ['E4', '2025-06-01', 'Guard', 'Present', 8.25, false, false],
      ['E4', '2025-06-02', 'Guard', 'Present', 8, false, false],
    ]);
    const e4 = all.body.data.find((a: { employee: string; attendance_date: string }) => a.employee === 'E4' && a.attendance_date === '2025-06-02');
    assert.deepEqual([e4.in_time, e4.out_time], ['2025-06-02T17:00:00.000Z', '2025-06-03T01:00:00.000Z']);
  });

  test('the summary per employee, as JSON and CSV', async () => {
    const summary = await admin.get('/api/v1/attendance/summary?from=2025-06-01&to=2025-06-07');
    const e2 = summary.body.data.find((l: { employee: string }) => l.employee === 'E2');
    // 2025-06-05 is a holiday of the Office shift's list: no record, counted from the list.
    assert.deepEqual(e2, { employee: 'E2', employee_name: 'Employee E2', present: 1, half_day: 1, absent: 1, on_holiday: 1, late_entries: 1, early_exits: 2, working_hours: 12.17 });
    const csvReply = await admin.get('/api/v1/attendance/summary?from=2025-06-01&to=2025-06-07&format=csv');
    assert.match(csvReply.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = (csvReply.body as string).trimEnd().split('\r\n');
    assert.equal(lines[0], 'employee,employee_name,present,half_day,absent,on_holiday,late_entries,early_exits,working_hours');
    assert.ok(lines.includes('E1,Employee E1,4,0,0,1,0,0,32.68'));
    assert.ok(lines.includes('E4,Employee E4,2,0,0,0,0,0,16.25'), "the Guard shift's days: no holiday list");
    assert.equal((await admin.get('/api/v1/attendance/summary?from=2025-06-07&to=2025-06-01')).status, 400);
  });

  test('recompute is idempotent, and applies changed shift rules', async () => {
    const same = await admin.post('/api/v1/attendance/recompute', { from: '2025-06-01', to: '2025-06-07' });
    assert.equal(same.status, 200);
    assert.equal(same.body.changed, 0);
    assert.equal(same.body.employee_shifts, 12);
    await admin.patch('/api/v1/shift-types/Office', { late_entry_grace_period: 30 });
    const changed = await admin.post('/api/v1/attendance/recompute', { from: '2025-06-01', to: '2025-06-01', employee: 'E2' });
    assert.equal(changed.body.changed, 1);
    const e2 = (await admin.get('/api/v1/attendance?employee=E2&from=2025-06-01&to=2025-06-01')).body.data[0];
    assert.equal(e2.late_entry, false);
  });
});
