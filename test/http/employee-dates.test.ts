// An employee's date_of_joining, relieving_date and holiday_list (HRMS's Employee fields) through
// the API and the CSV import: real dates only, relieving not before joining, cleared with null
// or "", left as they are by an empty CSV cell.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialect } from '../helpers/db.js';
import { type TestServer, client, startTestServer } from '../helpers/server.js';

describe(`employee dates and holiday list on ${testDialect()}`, () => {
  let s: TestServer;
  let admin: ReturnType<typeof client>;

  before(async () => {
    s = await startTestServer({ timeZone: 'Asia/Riyadh' });
    admin = client(s, await s.authHeader('admin'));
  });
  after(async () => {
    await s.stop();
  });

  const fields = (body: Record<string, unknown>) => [body.date_of_joining, body.relieving_date, body.holiday_list];

  test('set, read, changed and cleared through the API', async () => {
    const created = await admin.post('/api/v1/employees', { employee: 'D-1', name: 'Dana', date_of_joining: '2025-01-05', relieving_date: '2025-06-30', holiday_list: 'KSA 2025' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(fields(created.body), ['2025-01-05', '2025-06-30', 'KSA 2025']);
    assert.deepEqual(fields((await admin.get('/api/v1/employees/D-1')).body), ['2025-01-05', '2025-06-30', 'KSA 2025']);
    const sameDay = await admin.patch('/api/v1/employees/D-1', { relieving_date: '2025-01-05' });
    assert.deepEqual(fields(sameDay.body), ['2025-01-05', '2025-01-05', 'KSA 2025'], 'relieved on the day of joining');
    const cleared = await admin.patch('/api/v1/employees/D-1', { date_of_joining: null, relieving_date: '', holiday_list: null });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.deepEqual(fields(cleared.body), [null, null, null]);
    const plain = await admin.post('/api/v1/employees', { name: 'No dates' });
    assert.deepEqual(fields(plain.body), [null, null, null]);
  });

  test('only real dates YYYY-MM-DD; a holiday list name as a column holds it', async () => {
    for (const value of ['2025-02-30', '2025-13-01', '05/01/2025', '2025-1-5', 'yesterday', '0000-01-01', 20250105, true]) {
      for (const field of ['date_of_joining', 'relieving_date']) {
        const r = await admin.post('/api/v1/employees', { name: 'Bad date', [field]: value });
        assert.equal(r.status, 400, `${field} = ${JSON.stringify(value)}`);
        assert.deepEqual(r.body.fields, [field], `${field} = ${JSON.stringify(value)}`);
      }
    }
    for (const value of ['h'.repeat(141), 'a\u0000b', 'a\ud800b', 42, []]) {
      const r = await admin.post('/api/v1/employees', { name: 'Bad list', holiday_list: value });
      assert.equal(r.status, 400, JSON.stringify(value));
      assert.deepEqual(r.body.fields, ['holiday_list']);
    }
    assert.equal((await admin.post('/api/v1/employees', { name: 'Long list', holiday_list: 'h'.repeat(140) })).status, 201);
    assert.equal((await admin.get('/api/v1/employees?q=Bad')).body.total, 0, 'nothing stored');
  });

  test('a relieving date before the joining date is refused, on create and on a change of either (HRMS: Relieving Date must be greater than or equal to Date of Joining)', async () => {
    const r = await admin.post('/api/v1/employees', { employee: 'D-2', name: 'Early', date_of_joining: '2025-03-01', relieving_date: '2025-02-28' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.fields, ['relieving_date']);
    assert.match(r.body.error, /^Relieving Date must be greater than or equal to Date of Joining/);
    assert.equal((await admin.get('/api/v1/employees/D-2')).status, 404);

    assert.equal((await admin.post('/api/v1/employees', { employee: 'D-3', name: 'Staying', date_of_joining: '2025-03-01' })).status, 201);
    assert.deepEqual((await admin.patch('/api/v1/employees/D-3', { relieving_date: '2025-02-28' })).body.fields, ['relieving_date']);
    assert.equal((await admin.patch('/api/v1/employees/D-3', { relieving_date: '2025-09-30' })).status, 200);
    assert.deepEqual((await admin.patch('/api/v1/employees/D-3', { date_of_joining: '2025-10-01' })).body.fields, ['relieving_date'], 'a joining date after the stored relieving date');
    assert.deepEqual(fields((await admin.get('/api/v1/employees/D-3')).body), ['2025-03-01', '2025-09-30', null], 'unchanged');
  });

  test('the CSV import takes the three columns; a bad cell rejects its row with the line and why; an empty cell leaves the field', async () => {
    const csv = [
      'Employee,Name,Date of Joining,Relieving Date,Holiday List',
      'C-1,Amal,2024-11-03,,KSA 2025',
      'C-2,Badr,03/11/2024,,',
      'C-3,Carim,2025-04-01,2025-03-31,',
      'C-4,Dalia,2025-02-29,,',
      'C-5,Emad,,2026-01-31,Site B',
    ].join('\n');
    const r = await admin.call('POST', '/api/v1/employees/import', csv, { 'content-type': 'text/csv' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.created, r.body.updated], [2, 0]);
    assert.deepEqual(r.body.rejected.map((x: { line: number }) => x.line), [3, 4, 5]);
    assert.match(r.body.rejected[0].reason, /date_of_joining/);
    assert.match(r.body.rejected[1].reason, /^Relieving Date must be greater than or equal to Date of Joining/);
    assert.match(r.body.rejected[2].reason, /date_of_joining/);
    assert.deepEqual(fields((await admin.get('/api/v1/employees/C-1')).body), ['2024-11-03', null, 'KSA 2025']);
    assert.deepEqual(fields((await admin.get('/api/v1/employees/C-5')).body), [null, '2026-01-31', 'Site B']);

    const again = await admin.call('POST', '/api/v1/employees/import', 'employee,name,relieving_date,holiday_list\nC-1,Amal,2025-12-31,\n', { 'content-type': 'text/csv' });
    assert.deepEqual([again.body.updated, again.body.rejected], [1, []]);
    assert.deepEqual(fields((await admin.get('/api/v1/employees/C-1')).body), ['2024-11-03', '2025-12-31', 'KSA 2025'], 'empty cells leave the fields');
  });
});
