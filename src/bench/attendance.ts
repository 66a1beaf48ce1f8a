// Benchmark: recompute a month of attendance for many employees, against the database's own
// ceiling measured in the same run (the rate of minimal transactions doing one indexed read
// and one insert, the least an employee-day's recompute must do).
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import type { Services } from '../app.js';
import { type NewCheckin, insertCheckins } from '../store/punches.js';
import { seedStaff } from './seed.js';

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

/** The bench workforce, and four check-ins per working day for each (written in bulk: setup, not measured). */
async function seed(s: Services, employees: number, from: string, days: number): Promise<{ ids: number[]; checkins: number }> {
  const ids = await seedStaff(s, employees, from);
  const now = new Date();
  let serial = 0;
  for (const employeeId of ids) {
    const checkins: NewCheckin[] = [];
    for (let d = 0; d < days; d++) {
      const day = DateTime.fromISO(from, { zone: s.config.timeZone }).plus({ days: d });
      if (day.weekday >= 6) continue;
      for (const [h, m, logType] of [[7, 55, 'IN'], [12, 0, 'OUT'], [12, 45, 'IN'], [16, 5, 'OUT']] as const) {
        const time = day.set({ hour: h, minute: m + (employeeId % 5) }).toJSDate();
        checkins.push({ name: `BENCH-${++serial}`, employeeId, time, logType, deviceId: 'BENCH', skipAutoAttendance: false, latitude: null, longitude: null, createdAt: now });
      }
    }
    await s.db.knex.transaction((trx) => insertCheckins(trx, checkins));
  }
  return { ids, checkins: serial };
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
  const { ids, checkins } = await seed(s, options.employees, options.from, options.days);
  log(`measuring the database ceiling (minimal read+insert transactions) for ${options.ceilingSeconds} s…`);
  const ceilingRate = await ceiling(s.db.knex, options.ceilingSeconds);
  const to = DateTime.fromISO(options.from).plus({ days: options.days - 1 }).toISODate()!;
  log(`recomputing ${options.from} … ${to} for ${ids.length} employees…`);
  const started = performance.now();
  const report = await s.shifts.recompute({ from: options.from, to });
  const seconds = (performance.now() - started) / 1000;
  const employeeDays = ids.length * options.days;
  const rate = employeeDays / seconds;
  return {
    employees: ids.length,
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
