// The benchmarks' workforce: employees BENCH-1… with PINs 1…n on site main, and a day shift
// with auto attendance (unless told otherwise) assigned to all of them. Written in bulk: setup, not measured.
import type { Services } from '../app.js';
import { insertEmployees } from '../store/employees.js';
import { insertAssignments } from '../store/shiftAssignments.js';

/** Returns the employees' ids, PIN order. `autoAttendance: false` leaves the shift's attendance to no one (a bound on what it costs). */
export async function seedStaff(s: Services, count: number, from: string, autoAttendance = true): Promise<number[]> {
  const now = new Date();
  const shift = await s.shifts.createShiftType({ name: 'Bench Day', start_time: '08:00', end_time: '17:00', enable_auto_attendance: autoAttendance, working_hours_threshold_for_half_day: 4 });
  const ids = await insertEmployees(
    s.db.knex,
    Array.from({ length: count }, (_, i) => ({ employee: `BENCH-${i + 1}`, name: `Bench ${i + 1}`, site: 'main', attendanceDeviceId: String(i + 1), status: 'Active' as const, defaultShift: null })),
    now,
  );
  await insertAssignments(s.db.knex, ids.map((employeeId) => ({ employeeId, shiftTypeId: shift.id, startDate: from, endDate: null, status: 'Active' as const })), now);
  return ids;
}
