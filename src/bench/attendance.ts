// Benchmark: recompute a month of attendance for many employees, against the database's own
// ceiling measured in the same run (the rate of minimal transactions doing one indexed read
// and one insert, the least an employee-day's recompute must do).
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import type { Services } from '../app.js';
import { listEmployees } from '../store/employees.js';
import { toDbInstant } from '../store/time.js';

export interface AttendanceBenchResult {
  employees: number;
  days: number;
  checkins: number;
  employeeDays: number;
  /** Attendance records the recompute produced. */
  records: number;
  seconds: number;
  employeeDaysPerSecond: number;
  ceilingTransactionsPerSecond: number;
  ratio: number;
}

/** Employees E00001…, a day shift assigned to all, four check-ins per working day (written directly: setup, not measured). */
async function seed(s: Services, employees: number, from: string, days: number): Promise<number> {
  const knex = s.db.knex;
  await s.shifts.createShiftType({ name: 'Bench Day', start_time: '08:00', end_time: '16:00', enable_auto_attendance: true, working_hours_threshold_for_half_day: 4 });
  const shift = (await knex('shift_types').where({ name: 'Bench Day' }).first('id')) as { id: number };
  const now = toDbInstant(new Date());
  for (let i = 0; i < employees; i += 500) {
    const batch = Array.from({ length: Math.min(500, employees - i) }, (_, j) => {
      const n = String(i + j + 1).padStart(5, '0');
      return { employee: `B${n}`, name: `Bench ${n}`, site: 'main', attendance_device_id: `9${n}`, status: 'Active', created_at: now, updated_at: now };
    });
    await knex('employees').insert(batch);
  }
  const ids = ((await knex('employees').where('employee', 'like', 'B%').select('id')) as { id: number }[]).map((r) => Number(r.id));
  for (let i = 0; i < ids.length; i += 500) {
    await knex('shift_assignments').insert(ids.slice(i, i + 500).map((id) => ({ employee_id: id, shift_type_id: shift.id, start_date: from, status: 'Active', created_at: now, updated_at: now })));
  }
  let checkins = 0;
  let serial = 0;
  for (const id of ids) {
    const rows: Record<string, unknown>[] = [];
    for (let d = 0; d < days; d++) {
      const day = DateTime.fromISO(from, { zone: s.config.timeZone }).plus({ days: d });
      if (day.weekday >= 6) continue;
      for (const [h, m, type] of [[7, 55, 'IN'], [12, 0, 'OUT'], [12, 45, 'IN'], [16, 5, 'OUT']] as const) {
        rows.push({ name: `BENCH-${++serial}`, employee_id: id, time: toDbInstant(day.set({ hour: h, minute: m + (id % 5) }).toJSDate()), log_type: type, device_id: 'BENCH', created_at: now });
      }
    }
    for (let i = 0; i < rows.length; i += 500) await knex('checkins').insert(rows.slice(i, i + 500));
    checkins += rows.length;
  }
  return checkins;
}

/** Minimal transactions per second: one indexed read and one insert each. */
async function ceiling(knex: Knex, seconds: number): Promise<number> {
  await knex.schema.dropTableIfExists('bench_ceiling');
  await knex.schema.createTable('bench_ceiling', (t) => {
    t.increments('id');
    t.integer('n').notNullable().index();
  });
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await knex.transaction(async (trx) => {
      await trx('checkins').where({ employee_id: 1 + (n % 100) }).first('id');
      await trx('bench_ceiling').insert({ n });
    });
    n++;
  }
  const rate = n / ((performance.now() - started) / 1000);
  await knex.schema.dropTable('bench_ceiling');
  return rate;
}

export async function benchAttendance(
  s: Services,
  options: { employees: number; days: number; from: string; ceilingSeconds: number },
  log: (line: string) => void,
): Promise<AttendanceBenchResult> {
  log(`seeding ${options.employees} employees × ${options.days} days of check-ins…`);
  const checkins = await seed(s, options.employees, options.from, options.days);
  log(`measuring the database ceiling (minimal read+insert transactions) for ${options.ceilingSeconds} s…`);
  const ceilingRate = await ceiling(s.db.knex, options.ceilingSeconds);
  const to = DateTime.fromISO(options.from).plus({ days: options.days - 1 }).toISODate()!;
  const employees = (await listEmployees(s.db.knex, {}, { offset: 0, limit: 10_000_000 })).rows.filter((e) => e.employee.startsWith('B'));
  log(`recomputing ${options.from} … ${to} for ${employees.length} employees…`);
  const started = performance.now();
  const report = await s.shifts.recompute({ from: options.from, to });
  const seconds = (performance.now() - started) / 1000;
  const employeeDays = employees.length * options.days;
  const rate = employeeDays / seconds;
  return {
    employees: employees.length,
    days: options.days,
    checkins,
    employeeDays,
    seconds: Math.round(seconds * 100) / 100,
    employeeDaysPerSecond: Math.round(rate),
    ceilingTransactionsPerSecond: Math.round(ceilingRate),
    records: report.employeeShifts,
    ratio: Math.round((rate / ceilingRate) * 1000) / 1000,
  };
}
