// /api/v1/shift-types, /shift-assignments, /holidays, /attendance (HRMS field names).
import Router from '@koa/router';
import { type ShiftService, summaryCsv } from '../attendance/service.js';
import type { ApiKeyService } from '../auth/apiKeys.js';
import { AppError } from '../errors.js';
import type { AttendanceRecord, ShiftAssignment, ShiftType } from '../store/shifts.js';
import type { Employee } from '../store/employees.js';
import { requireRole } from './auth.js';
import { readJsonBody } from './body.js';
import { pageOf, parsePageWindow } from './pagination.js';

export function shiftTypeView(s: ShiftType) {
  return {
    name: s.name,
    start_time: s.startTime,
    end_time: s.endTime,
    enable_auto_attendance: s.enableAutoAttendance,
    determine_check_in_and_check_out: s.determineCheckInAndCheckOut,
    working_hours_calculation_based_on: s.workingHoursCalculationBasedOn,
    begin_check_in_before_shift_start_time: s.beginCheckInBeforeShiftStartTime,
    allow_check_out_after_shift_end_time: s.allowCheckOutAfterShiftEndTime,
    working_hours_threshold_for_half_day: s.workingHoursThresholdForHalfDay,
    working_hours_threshold_for_absent: s.workingHoursThresholdForAbsent,
    enable_late_entry_marking: s.enableLateEntryMarking,
    late_entry_grace_period: s.lateEntryGracePeriod,
    enable_early_exit_marking: s.enableEarlyExitMarking,
    early_exit_grace_period: s.earlyExitGracePeriod,
    mark_auto_attendance_on_holidays: s.markAutoAttendanceOnHolidays,
    holiday_list: s.holidayList,
  };
}

function assignmentView(a: ShiftAssignment, employees: Map<number, Employee>, shifts: Map<number, ShiftType>) {
  return {
    id: a.id,
    employee: employees.get(a.employeeId)?.employee ?? null,
    shift_type: shifts.get(a.shiftTypeId)?.name ?? null,
    start_date: a.startDate,
    end_date: a.endDate,
    status: a.status,
  };
}

export function attendanceView(a: AttendanceRecord, employees: Map<number, Employee>) {
  const e = employees.get(a.employeeId);
  return {
    name: a.name,
    employee: e?.employee ?? null,
    employee_name: e?.name ?? null,
    attendance_date: a.date,
    shift: a.shiftType,
    status: a.status,
    working_hours: a.workingHours,
    in_time: a.inTime?.toISOString() ?? null,
    out_time: a.outTime?.toISOString() ?? null,
    late_entry: a.lateEntry,
    early_exit: a.earlyExit,
    finalized: a.finalized,
  };
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export function shiftRoutes(apiKeys: ApiKeyService, shifts: ShiftService, maxBodyBytes: number): Router {
  const router = new Router({ prefix: '/api/v1' });
  router.use(requireRole(apiKeys, 'admin'));

  router.get('/shift-types', async (ctx) => {
    const { page, window: w } = parsePageWindow(ctx.query);
    const listed = await shifts.listShiftTypes(w);
    ctx.body = pageOf(page, listed.rows.map(shiftTypeView), listed.total);
  });
  router.post('/shift-types', async (ctx) => {
    ctx.status = 201;
    ctx.body = { success: true, ...shiftTypeView(await shifts.createShiftType(await readJsonBody(ctx, maxBodyBytes))) };
  });
  router.get('/shift-types/:name', async (ctx) => {
    ctx.body = shiftTypeView(await shifts.getShiftType(ctx.params.name!));
  });
  router.patch('/shift-types/:name', async (ctx) => {
    ctx.body = { success: true, ...shiftTypeView(await shifts.updateShiftType(ctx.params.name!, await readJsonBody(ctx, maxBodyBytes))) };
  });
  router.delete('/shift-types/:name', async (ctx) => {
    await shifts.deleteShiftType(ctx.params.name!);
    ctx.body = { success: true, name: ctx.params.name };
  });

  router.get('/shift-assignments', async (ctx) => {
    const { page, window: w } = parsePageWindow(ctx.query);
    const listed = await shifts.listAssignments({ employee: text(ctx.query.employee), shiftType: text(ctx.query.shift_type) }, w);
    const names = await shifts.namesFor(listed.rows);
    ctx.body = pageOf(page, listed.rows.map((a) => assignmentView(a, names.employees, names.shifts)), listed.total);
  });
  router.post('/shift-assignments', async (ctx) => {
    const a = await shifts.createAssignment(await readJsonBody(ctx, maxBodyBytes));
    const names = await shifts.namesFor([a]);
    ctx.status = 201;
    ctx.body = { success: true, ...assignmentView(a, names.employees, names.shifts) };
  });
  const assignmentId = (raw: string | undefined) => {
    const id = Number(raw);
    if (!Number.isInteger(id) || id < 1) throw new AppError('not_found', `No shift assignment ${raw}`);
    return id;
  };
  router.patch('/shift-assignments/:id', async (ctx) => {
    const a = await shifts.updateAssignment(assignmentId(ctx.params.id), await readJsonBody(ctx, maxBodyBytes));
    const names = await shifts.namesFor([a]);
    ctx.body = { success: true, ...assignmentView(a, names.employees, names.shifts) };
  });
  router.delete('/shift-assignments/:id', async (ctx) => {
    await shifts.deleteAssignment(assignmentId(ctx.params.id));
    ctx.body = { success: true, id: Number(ctx.params.id) };
  });

  router.get('/holidays/:list', async (ctx) => {
    ctx.body = { holiday_list: ctx.params.list, holidays: await shifts.holidayList(ctx.params.list!) };
  });
  router.put('/holidays/:list', async (ctx) => {
    const body = await readJsonBody(ctx, maxBodyBytes);
    ctx.body = { success: true, holiday_list: ctx.params.list, holidays: await shifts.setHolidayList(ctx.params.list!, body.holidays) };
  });

  router.get('/attendance/summary', async (ctx) => {
    const lines = await shifts.summary({ from: ctx.query.from, to: ctx.query.to, employee: text(ctx.query.employee) });
    if (ctx.query.format === 'csv') {
      ctx.type = 'text/csv; charset=utf-8';
      ctx.set('Content-Disposition', `attachment; filename="attendance-${String(ctx.query.from)}-${String(ctx.query.to)}.csv"`);
      ctx.body = summaryCsv(lines);
      return;
    }
    ctx.body = { from: ctx.query.from, to: ctx.query.to, data: lines };
  });

  router.post('/attendance/recompute', async (ctx) => {
    const body = await readJsonBody(ctx, maxBodyBytes);
    const report = await shifts.recompute({ from: body.from, to: body.to, employee: text(body.employee) });
    ctx.body = { success: true, employee_shifts: report.employeeShifts, changed: report.changed };
  });

  router.get('/attendance', async (ctx) => {
    const { page, window: w } = parsePageWindow(ctx.query);
    const listed = await shifts.listAttendance(
      { employee: text(ctx.query.employee), from: text(ctx.query.from), to: text(ctx.query.to), status: text(ctx.query.status) },
      w,
    );
    const names = await shifts.namesFor(listed.rows);
    ctx.body = pageOf(page, listed.rows.map((a) => attendanceView(a, names.employees)), listed.total);
  });

  return router;
}
