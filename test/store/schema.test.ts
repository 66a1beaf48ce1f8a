// The schema, on whichever database this run is for. The expected column list is the same for
// both dialects, which is what keeps the schema identical on MySQL and SQLite.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { migrationStatus, migrateToLatest } from '../../src/store/db.js';
import { fromDbInstant, isoInstant, toDbInstant } from '../../src/store/time.js';
import { COLUMNS, type Capacity } from '../../src/store/columns.js';
import { migrationSource, migrations } from '../../migrations/index.js';
import { type TestDatabase, openTestDatabase, testDialect } from '../helpers/db.js';

/** Every migration, in order; the first of them are named here so a reordering is caught. */
const ALL_MIGRATIONS = migrations.map((m) => m.name);
assert.deepEqual(ALL_MIGRATIONS.slice(0, 11), ['001_core_tables', '002_device_channel', '003_holidays', '004_outbox', '005_console', '006_daily_jobs', '007_punch_key_log_type', '008_shift_last_sync', '009_outbox_unconfirmed_send', '010_attendance_per_shift', '011_employee_dates_holiday_list']);

const EXPECTED_COLUMNS: Record<string, string[]> = {
  series: ['prefix', 'current'],
  devices: ['id', 'serial', 'alias', 'site', 'time_zone', 'state', 'push_version', 'firmware', 'last_seen_at', 'last_address', 'created_at', 'updated_at', 'language', 'device_type', 'push_generation', 'attlog_stamp', 'operlog_stamp', 'attphoto_stamp', 'biodata_stamp', 'info', 'options', 'info_at', 'clock_drift_seconds', 'clock_drift_at'],
  device_users: ['id', 'device_serial', 'pin', 'name', 'privilege', 'card', 'updated_at'],
  device_templates: ['id', 'device_serial', 'pin', 'kind', 'slot', 'fields', 'updated_at'],
  device_requests: ['id', 'request_id', 'device_serial', 'method', 'path', 'query', 'body', 'remote_address', 'received_at', 'outcome', 'records', 'rejected_lines', 'error'],
  employees: ['id', 'employee', 'name', 'site', 'attendance_device_id', 'status', 'default_shift', 'created_at', 'updated_at', 'date_of_joining', 'relieving_date', 'holiday_list'],
  punches: ['id', 'device_serial', 'device_id', 'site', 'device_user_id', 'local_time', 'punched_at', 'time_zone', 'log_type', 'punch_state', 'verify_mode', 'work_code', 'latitude', 'longitude', 'source', 'status', 'employee_id', 'checkin_id', 'received_at'],
  checkins: ['id', 'name', 'employee_id', 'time', 'log_type', 'device_id', 'shift_type', 'attendance_id', 'skip_auto_attendance', 'latitude', 'longitude', 'created_at', 'shift_start', 'shift_end', 'shift_actual_start', 'shift_actual_end'],
  attendance: ['id', 'name', 'employee_id', 'attendance_date', 'shift_type', 'status', 'working_hours', 'in_time', 'out_time', 'late_entry', 'early_exit', 'finalized', 'created_at', 'updated_at', 'shift_end'],
  holidays: ['id', 'holiday_list', 'holiday_date', 'description'],
  shift_types: ['id', 'name', 'start_time', 'end_time', 'enable_auto_attendance', 'determine_check_in_and_check_out', 'working_hours_calculation_based_on', 'begin_check_in_before_shift_start_time', 'allow_check_out_after_shift_end_time', 'working_hours_threshold_for_half_day', 'working_hours_threshold_for_absent', 'enable_late_entry_marking', 'late_entry_grace_period', 'enable_early_exit_marking', 'early_exit_grace_period', 'mark_auto_attendance_on_holidays', 'holiday_list', 'created_at', 'updated_at', 'last_sync_of_checkin'],
  shift_assignments: ['id', 'employee_id', 'shift_type_id', 'start_date', 'end_date', 'status', 'created_at', 'updated_at'],
  device_commands: ['id', 'device_serial', 'command', 'state', 'tries', 'return_code', 'result', 'created_by', 'created_at', 'sent_at', 'completed_at'],
  sync_log: ['id', 'request_id', 'channel', 'endpoint', 'device', 'status', 'records_total', 'records_created', 'records_duplicate', 'records_failed', 'error', 'remote_address', 'duration_ms', 'received_at', 'processed_at'],
  api_keys: ['id', 'api_key', 'secret_hash', 'label', 'role', 'created_at', 'last_used_at', 'revoked_at'],
  outbox_targets: ['id', 'name', 'kind', 'url', 'state', 'state_reason', 'settings', 'secret', 'last_delivered_at', 'last_error', 'last_error_at', 'created_at', 'updated_at'],
  outbox: ['id', 'target_id', 'event', 'checkin_id', 'employee_id', 'idempotency_key', 'state', 'tries', 'next_attempt_ms', 'claimed_by', 'claim_until_ms', 'failure_reason', 'last_error', 'last_status', 'remote_ref', 'unconfirmed_send_ms', 'created_at', 'last_attempt_at', 'delivered_at'],
};

const NOW = '2025-03-30 01:30:00';

async function addEmployee(knex: Knex, employee: string, deviceId: string | null, site = 'main'): Promise<number> {
  const [id] = await knex('employees').insert({ employee, name: employee, site, attendance_device_id: deviceId, created_at: NOW, updated_at: NOW });
  if (typeof id === 'number') return id;
  const row = (await knex('employees').where({ employee }).first('id')) as { id: number };
  return row.id;
}

function punch(overrides: Record<string, unknown> = {}) {
  return {
    device_serial: 'CQZ7224460348',
    device_user_id: '1001',
    local_time: '2025-03-30 08:00:00',
    punched_at: '2025-03-30 05:00:00',
    time_zone: 'Asia/Riyadh',
    log_type: 'IN',
    source: 'adms',
    status: 'unmatched',
    received_at: NOW,
    ...overrides,
  };
}

describe(`schema on ${testDialect()}`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase();
  });
  after(async () => {
    await t.cleanup();
  });

  test('every core table exists with exactly the expected columns', async () => {
    for (const [table, columns] of Object.entries(EXPECTED_COLUMNS)) {
      const info = await t.db.knex(table).columnInfo();
      assert.deepEqual(Object.keys(info).sort(), [...columns].sort(), table);
    }
  });

  test('every text column holds what src/store/columns.ts says, and none is missing there', async () => {
    const k = t.db.knex;
    const found: Record<string, Record<string, Capacity>> = {};
    if (testDialect() === 'mysql') {
      const rows = (await k('information_schema.columns')
        .where('table_schema', k.raw('DATABASE()'))
        .whereIn('data_type', ['varchar', 'char', 'text', 'mediumtext', 'longtext'])
        .whereNot('table_name', 'like', 'knex_%')
        .select({ table: 'table_name', column: 'column_name', type: 'data_type', length: 'character_maximum_length' })) as { table: string; column: string; type: string; length: number | string }[];
      for (const r of rows) (found[r.table] ??= {})[r.column] = r.type === 'varchar' || r.type === 'char' ? { chars: Number(r.length) } : { bytes: Number(r.length) };
    } else {
      const tables = (await k('sqlite_master').where({ type: 'table' }).whereNot('name', 'like', 'knex_%').whereNot('name', 'like', 'sqlite_%').pluck('name')) as string[];
      for (const table of tables) {
        for (const c of (await k.raw(`PRAGMA table_info(\`${table}\`)`)) as { name: string; type: string }[]) {
          const varchar = /^varchar\((\d+)\)$/i.exec(c.type);
          if (varchar) (found[table] ??= {})[c.name] = { chars: Number(varchar[1]) };
          else if (/text/i.test(c.type)) (found[table] ??= {})[c.name] = (COLUMNS as Record<string, Record<string, Capacity>>)[table]?.[c.name] ?? { bytes: -1 };
        }
      }
    }
    const declared = Object.fromEntries(Object.entries(COLUMNS).map(([table, columns]) => [table, { ...columns }]));
    assert.deepEqual(found, declared);
  });

  test('migrations are current, and running them again changes nothing', async () => {
    assert.deepEqual(await migrateToLatest(t.db), []);
    const status = await migrationStatus(t.db);
    assert.deepEqual(status.pending, []);
    assert.deepEqual(status.applied, ALL_MIGRATIONS);
  });

  test('a punch is unique on device serial + device user id + local time + log type', async () => {
    const k = t.db.knex;
    await k('punches').insert(punch());
    await assert.rejects(k('punches').insert(punch({ status: 'checked_in', received_at: '2025-03-30 02:00:00' })));
    // Another user, device, second or log type is another punch (an IN and an OUT at one second, as HRMS has it).
    await k('punches').insert(punch({ device_user_id: '1002' }));
    await k('punches').insert(punch({ device_serial: 'OTHER' }));
    await k('punches').insert(punch({ local_time: '2025-03-30 08:00:01' }));
    await k('punches').insert(punch({ log_type: 'OUT' }));
    // Keys compare byte for byte on both databases (MySQL uses a binary collation).
    await k('punches').insert(punch({ device_serial: 'cqz7224460348' }));
    const n = (await k('punches').count({ n: '*' }).first()) as { n: number | string };
    assert.equal(Number(n.n), 6);
  });

  test('a check-in is unique on employee + second + log type; IN and OUT may share a second', async () => {
    const k = t.db.knex;
    const emp = await addEmployee(k, 'EMP-00001', '1001');
    const row = { employee_id: emp, time: '2025-03-30 05:00:00', log_type: 'IN', created_at: NOW };
    await k('checkins').insert({ ...row, name: 'CHECKIN-2025-00001' });
    await assert.rejects(k('checkins').insert({ ...row, name: 'CHECKIN-2025-00002' }));
    await k('checkins').insert({ ...row, name: 'CHECKIN-2025-00003', log_type: 'OUT' });
    await assert.rejects(k('checkins').insert({ ...row, name: 'CHECKIN-2025-00003', time: '2025-03-30 06:00:00' }), 'names are unique');
  });

  test('attendance_device_id is unique per site, and many employees may have none', async () => {
    const k = t.db.knex;
    await addEmployee(k, 'EMP-00010', '2001', 'main');
    await addEmployee(k, 'EMP-00011', '2001', 'warehouse');
    await assert.rejects(addEmployee(k, 'EMP-00012', '2001', 'main'));
    await addEmployee(k, 'EMP-00013', null);
    await addEmployee(k, 'EMP-00014', null);
  });

  test('attendance is unique per employee, date and shift (HRMS keeps one record per shift)', async () => {
    const k = t.db.knex;
    const emp = await addEmployee(k, 'EMP-00020', '3001');
    const row = { employee_id: emp, attendance_date: '2025-03-30', shift_type: 'Morning', status: 'Present', created_at: NOW, updated_at: NOW };
    await k('attendance').insert({ ...row, name: 'HR-ATT-2025-00001' });
    await assert.rejects(k('attendance').insert({ ...row, name: 'HR-ATT-2025-00002' }));
    await k('attendance').insert({ ...row, shift_type: 'Evening', name: 'HR-ATT-2025-00003' });
    const stored = (await k('attendance').where({ name: 'HR-ATT-2025-00001' }).first()) as Record<string, unknown>;
    assert.equal(stored.attendance_date, '2025-03-30', 'dates read back as YYYY-MM-DD text');
    assert.equal(stored.working_hours, 0, 'decimals read back as numbers');
    assert.equal(stored.late_entry, 0, 'booleans read back as 0/1');
  });

  test('instants are stored as UTC text and read back unchanged, whatever the host zone', async () => {
    const k = t.db.knex;
    const when = new Date('2025-10-26T00:59:59Z');
    await k('sync_log').insert({ channel: 'json', endpoint: '/x', status: 'received', received_at: toDbInstant(when) });
    const row = (await k('sync_log').where({ endpoint: '/x' }).first()) as { received_at: string; processed_at: null };
    assert.equal(row.received_at, '2025-10-26 00:59:59');
    assert.equal(fromDbInstant(row.received_at).getTime(), when.getTime());
    assert.equal(isoInstant(row.received_at), '2025-10-26T00:59:59Z');
    assert.equal(fromDbInstant(row.processed_at), null);
    const found = await k('sync_log').where('received_at', '>=', '2025-10-26 00:59:59').where('received_at', '<', '2025-10-26 01:00:00');
    assert.equal(found.length, 1, 'instants compare in order');
  });

  test('the device archive keeps bodies byte for byte, up to megabytes', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) % 256;
    await t.db.knex('device_requests').insert({ method: 'POST', path: '/iclock/cdata', query: 'SN=1', body, received_at: NOW, outcome: 'processed' });
    const row = (await t.db.knex('device_requests').where({ query: 'SN=1' }).first()) as { body: Buffer };
    assert.ok(Buffer.from(row.body).equals(body));
  });

  test("011 removes the 'On Holiday' records HRMS would not have made, leaving their check-ins unlinked", async () => {
    const fresh = await openTestDatabase();
    try {
      const k = fresh.db.knex;
      // The schema as it stood before 011, whatever came after it.
      const before011 = migrations.slice(0, migrations.findIndex((m) => m.name === '011_employee_dates_holiday_list'));
      await k.migrate.rollback({ migrationSource }, true);
      await k.migrate.latest({ migrationSource: { ...migrationSource, getMigrations: async () => before011 } });
      const emp = await addEmployee(k, 'EMP-H', '77');
      const day = (name: string, date: string, status: string) => ({ name, employee_id: emp, attendance_date: date, shift_type: 'G', status, created_at: NOW, updated_at: NOW });
      await k('attendance').insert([day('HR-ATT-2025-00001', '2025-05-07', 'On Holiday'), day('HR-ATT-2025-00002', '2025-05-08', 'Present')]);
      const ids = Object.fromEntries(((await k('attendance').select('id', 'status')) as { id: number; status: string }[]).map((r) => [r.status, Number(r.id)]));
      const checkin = (name: string, time: string, attendanceId: number) => ({ name, employee_id: emp, time, log_type: 'AUTO', attendance_id: attendanceId, created_at: NOW });
      await k('checkins').insert([checkin('CHECKIN-2025-00001', '2025-05-07 06:00:00', ids['On Holiday']!), checkin('CHECKIN-2025-00002', '2025-05-08 06:00:00', ids.Present!)]);
      assert.equal((await migrateToLatest(fresh.db))[0], '011_employee_dates_holiday_list');
      assert.deepEqual(await k('attendance').pluck('status'), ['Present']);
      const links = (await k('checkins').orderBy('name').select('name', 'attendance_id')) as { name: string; attendance_id: number | null }[];
      assert.deepEqual(links.map((c) => [c.name, c.attendance_id === null ? null : Number(c.attendance_id)]), [['CHECKIN-2025-00001', null], ['CHECKIN-2025-00002', ids.Present]]);
    } finally {
      await fresh.cleanup();
    }
  });

  test('the migrations roll back and apply again', async () => {
    const fresh = await openTestDatabase();
    try {
      await fresh.db.knex.migrate.rollback({ migrationSource }, true);
      assert.equal(await fresh.db.knex.schema.hasTable('punches'), false);
      assert.deepEqual((await migrationStatus(fresh.db)).pending, ALL_MIGRATIONS);
      assert.deepEqual(await migrateToLatest(fresh.db), ALL_MIGRATIONS);
      assert.equal(await fresh.db.knex.schema.hasTable('punches'), true);
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('instant helpers', () => {
  test('toDbInstant drops milliseconds and always writes UTC', () => {
    assert.equal(toDbInstant(new Date('2025-01-27T14:30:00.999+03:00')), '2025-01-27 11:30:00');
    assert.throws(() => toDbInstant(new Date('nonsense')), RangeError);
  });

  test('toDbInstant writes what the ISO form says, to the second, for any instant', () => {
    // Each side of the 4-digit-year boundaries, and every ~116 days (with some milliseconds) from year 0 to 10000.
    const edges = ['0999-12-31T23:59:59.999Z', '1000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '+010000-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '2024-02-29T12:05:09Z'];
    const dates = edges.map((s) => new Date(s));
    for (let t = Date.parse('0000-01-01T00:00:00Z'); t < Date.parse('+010000-06-01T00:00:00Z'); t += 10_000_019_017) dates.push(new Date(t));
    for (const d of dates) assert.equal(toDbInstant(d), d.toISOString().slice(0, 19).replace('T', ' '), d.toISOString());
  });
});
