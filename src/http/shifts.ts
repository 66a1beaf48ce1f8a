// /api/v1/shift-types, /shift-assignments, /holidays, /attendance (HRMS field names).
import type Router from '@koa/router';
import { newRouter } from './routing.js';
import { type ShiftService, finalChangeView, summaryCsv } from '../attendance/service.js';
import { shiftTypeView } from '../attendance/view.js';
import type { ApiKeyService } from '../auth/apiKeys.js';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { ShiftType } from '../store/shiftTypes.js';
import type { ShiftAssignment } from '../store/shiftAssignments.js';
import type { AttendanceRecord } from '../store/attendance.js';
import type { Employee } from '../store/employees.js';
import { dateParam, dateText, listOf, listQuery, operations, optionalParam, pageQuery, resource, successBody, textParam } from './operation.js';
import { pageOf, pageWindow } from './pagination.js';

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

const flag = z.union([z.boolean(), z.literal(0), z.literal(1)]).optional();
const minutes = (description: string) => z.number().int().min(0).max(24 * 60).optional().describe(`${description}, minutes`);
const hours = (description: string) => z.number().min(0).max(24).optional().describe(`${description}, hours`);
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'HH:MM or HH:MM:SS');

/** A shift type in HRMS field names (in the order the service checks them); `partial` for a change. */
function shiftTypeBody(partial: boolean) {
  const name = z.string().trim().min(1).max(140);
  return z.object({
    name: partial ? name.optional() : name,
    start_time: partial ? clock.optional() : clock,
    end_time: (partial ? clock.optional() : clock).describe('Before start_time: the shift ends the next day'),
    determine_check_in_and_check_out: z.enum(['alternating', 'strict']).optional(),
    working_hours_calculation_based_on: z.enum(['first_last', 'every_valid']).optional(),
    enable_auto_attendance: flag,
    begin_check_in_before_shift_start_time: minutes('Check-ins count from this long before the start'),
    allow_check_out_after_shift_end_time: minutes('Check-outs count until this long after the end'),
    working_hours_threshold_for_half_day: hours('Below: Half Day'),
    working_hours_threshold_for_absent: hours('Below: Absent'),
    enable_late_entry_marking: flag,
    late_entry_grace_period: minutes('Late after'),
    enable_early_exit_marking: flag,
    early_exit_grace_period: minutes('Early before'),
    mark_auto_attendance_on_holidays: flag,
    holiday_list: z.string().max(140).nullable().optional(),
  });
}

const AssignmentQuery = listQuery({ employee: textParam('Employee id'), shift_type: textParam('Shift type name') });
const AssignmentCreate = z.object({
  employee: z.string().describe('Employee id'),
  shift_type: z.string(),
  start_date: dateText,
  end_date: dateText.nullable().optional().describe('Absent or null: open-ended'),
});
const AssignmentChange = z.object({ end_date: dateText.nullable().optional(), status: z.enum(['Active', 'Inactive']).optional() });
const Holiday = z.union([dateText, z.object({ date: dateText, description: z.string().nullable().optional() })]);
const HolidaysBody = z.object({ holidays: z.array(Holiday).describe('The whole list: it replaces the stored one') });
const SummaryQuery = z.object({
  from: dateText.describe('First day'),
  to: dateText.describe('Last day'),
  employee: textParam('Employee id'),
  format: optionalParam(z.enum(['json', 'csv']).describe('csv: a spreadsheet download')),
});
const HolidaysQuery = z.object({
  from: dateText.describe('First day'),
  to: dateText.describe('Last day (at most 366 days after from)'),
  employee: textParam('Employee id'),
});
const EmployeeHolidays = z.object({
  from: z.string(),
  to: z.string(),
  data: z.array(
    z.object({
      employee: z.string(),
      employee_name: z.string(),
      holidays: z.array(z.object({ date: z.string(), description: z.string().nullable(), holiday_list: z.string() })),
    }),
  ),
});
const RecomputeBody = z.object({
  from: dateText,
  to: dateText,
  employee: z.string().optional().describe('Only this employee'),
  force: z.boolean().optional().describe('true: final records are recomputed too; otherwise final_changes says what would change in them, and nothing final changes'),
});
const AttendanceQuery = listQuery({ employee: textParam('Employee id'), from: dateParam('First day'), to: dateParam('Last day'), status: textParam('Present, Absent, Half Day, On Leave') });

const SHIFT_TYPE_FIELDS = 'name, start_time, end_time and the rules in HRMS field names';
const ShiftTypeItem = resource('Shift type', SHIFT_TYPE_FIELDS);
const AssignmentItem = resource('Shift assignment', 'id, employee, shift_type, start_date, end_date, status');
const AttendanceItem = resource('Attendance', 'name, employee, employee_name, attendance_date, shift, status, working_hours, in_time, out_time, late_entry, early_exit, finalized');
const HolidayList = z.object({ holiday_list: z.string(), holidays: z.array(z.object({ date: z.string(), description: z.string().nullable() })) });

export function shiftRoutes(apiKeys: ApiKeyService, shifts: ShiftService, maxBodyBytes: number): Router {
  const router = newRouter('/api/v1');
  const op = operations({ tag: 'Shifts', access: 'admin', apiKeys, maxBodyBytes });
  const attendance = operations({ tag: 'Attendance', access: 'admin', apiKeys, maxBodyBytes });
  const shiftTypeSaved = { description: 'The shift type', schema: successBody(SHIFT_TYPE_FIELDS) };
  const assignmentSaved = { description: 'The assignment', schema: successBody('id, employee, shift_type, start_date, end_date, status') };

  router.get(
    '/shift-types',
    op({ summary: 'List shift types', query: pageQuery, response: { description: 'Shift types', schema: listOf(ShiftTypeItem) } }, async (ctx, { query }) => {
      const { page, window: w } = pageWindow(query);
      const listed = await shifts.listShiftTypes(w);
      ctx.body = pageOf(page, listed.rows.map(shiftTypeView), listed.total);
    }),
  );
  router.post(
    '/shift-types',
    op({ summary: 'Create a shift type', body: shiftTypeBody(false), status: 201, errors: ['conflict'], response: shiftTypeSaved }, async (ctx, { body }) => {
      ctx.status = 201;
      ctx.body = { success: true, ...shiftTypeView(await shifts.createShiftType(body)) };
    }),
  );
  router.get(
    '/shift-types/:name',
    op({ summary: 'Read a shift type', errors: ['not_found'], response: { description: 'The shift type', schema: ShiftTypeItem } }, async (ctx) => {
      ctx.body = shiftTypeView(await shifts.getShiftType(ctx.params.name!));
    }),
  );
  router.patch(
    '/shift-types/:name',
    op({ summary: 'Change a shift type', body: shiftTypeBody(true), errors: ['not_found'], response: shiftTypeSaved }, async (ctx, { body }) => {
      ctx.body = { success: true, ...shiftTypeView(await shifts.updateShiftType(ctx.params.name!, body)) };
    }),
  );
  router.delete(
    '/shift-types/:name',
    op({ summary: 'Delete a shift type', errors: ['not_found', 'conflict'], response: { description: 'Deleted', schema: successBody('name') } }, async (ctx) => {
      await shifts.deleteShiftType(ctx.params.name!);
      ctx.body = { success: true, name: ctx.params.name };
    }),
  );

  router.get(
    '/shift-assignments',
    op({ summary: 'List shift assignments', query: AssignmentQuery, response: { description: 'Assignments', schema: listOf(AssignmentItem) } }, async (ctx, { query }) => {
      const { page, window: w } = pageWindow(query);
      const listed = await shifts.listAssignments({ employee: query.employee, shiftType: query.shift_type }, w);
      const names = await shifts.namesFor(listed.rows);
      ctx.body = pageOf(page, listed.rows.map((a) => assignmentView(a, names.employees, names.shifts)), listed.total);
    }),
  );
  router.post(
    '/shift-assignments',
    op({ summary: 'Assign a shift to an employee', body: AssignmentCreate, status: 201, errors: ['conflict'], response: assignmentSaved }, async (ctx, { body }) => {
      const a = await shifts.createAssignment(body);
      const names = await shifts.namesFor([a]);
      ctx.status = 201;
      ctx.body = { success: true, ...assignmentView(a, names.employees, names.shifts) };
    }),
  );
  const assignmentId = (raw: string | undefined) => {
    const id = Number(raw);
    if (!Number.isInteger(id) || id < 1) throw new AppError('not_found', `No shift assignment ${raw}`);
    return id;
  };
  router.patch(
    '/shift-assignments/:id',
    op({ summary: 'End or deactivate a shift assignment', body: AssignmentChange, errors: ['not_found'], response: assignmentSaved }, async (ctx, { body }) => {
      const a = await shifts.updateAssignment(assignmentId(ctx.params.id), body);
      const names = await shifts.namesFor([a]);
      ctx.body = { success: true, ...assignmentView(a, names.employees, names.shifts) };
    }),
  );
  router.delete(
    '/shift-assignments/:id',
    op({ summary: 'Delete a shift assignment', errors: ['not_found'], response: { description: 'Deleted', schema: successBody('id') } }, async (ctx) => {
      await shifts.deleteAssignment(assignmentId(ctx.params.id));
      ctx.body = { success: true, id: Number(ctx.params.id) };
    }),
  );

  router.get(
    '/holidays/:list',
    op({ summary: 'Read a holiday list', response: { description: 'The list (empty when unknown)', schema: HolidayList } }, async (ctx) => {
      ctx.body = { holiday_list: ctx.params.list, holidays: await shifts.holidayList(ctx.params.list!) };
    }),
  );
  router.put(
    '/holidays/:list',
    op({ summary: 'Replace a holiday list', body: HolidaysBody, response: { description: 'The stored list', schema: HolidayList.extend({ success: z.literal(true) }) } }, async (ctx, { body }) => {
      ctx.body = { success: true, holiday_list: ctx.params.list, holidays: await shifts.setHolidayList(ctx.params.list!, body.holidays) };
    }),
  );

  router.get(
    '/attendance/summary',
    attendance(
      {
        summary: 'Attendance per employee over a period',
        description: 'Days by status, late entries, early exits, hours; format=csv answers a spreadsheet. on_holiday counts the days without a record that are holidays of the list that applies (HRMS makes no record for a holiday).',
        query: SummaryQuery,
        response: {
          description: 'The summary (with format=csv: the same lines as CSV)',
          schema: z.looseObject({ from: z.string(), to: z.string(), data: z.array(z.looseObject({})) }),
          alsoAs: ['text/csv'],
        },
      },
      async (ctx, { query }) => {
        const lines = await shifts.summary(query);
        if (query.format === 'csv') {
          ctx.type = 'text/csv; charset=utf-8';
          ctx.set('Content-Disposition', `attachment; filename="attendance-${query.from}-${query.to}.csv"`);
          ctx.body = summaryCsv(lines);
          return;
        }
        ctx.body = { from: query.from, to: query.to, data: lines };
      },
    ),
  );

  router.get(
    '/attendance/holidays',
    attendance(
      {
        summary: "Each employee's holidays over a period (iclockd's own view)",
        description:
          "Not an HRMS resource: HRMS stores nothing for a holiday, and neither does iclockd. The dates of the holiday list that applies to each employee on each day (the shift type's, else the employee's, else ICLOCKD_DEFAULT_HOLIDAY_LIST), between joining and relieving; employees with none are left out. The console's grid shows them as H.",
        query: HolidaysQuery,
        response: { description: 'Holidays by employee', schema: EmployeeHolidays },
      },
      async (ctx, { query }) => {
        const found = await shifts.holidaysOfEmployees(query);
        ctx.body = {
          from: query.from,
          to: query.to,
          data: found.map(({ employee, holidays }) => ({
            employee: employee.employee,
            employee_name: employee.name,
            holidays: holidays.map((h) => ({ date: h.date, description: h.description, holiday_list: h.holidayList })),
          })),
        };
      },
    ),
  );

  router.post(
    '/attendance/recompute',
    attendance(
      {
        summary: 'Recompute attendance over days',
        description: 'Open records are recomputed. A final record changes only with force: true; without it, final_changes lists what would change in each (status, hours, in/out, the check-ins counted in it).',
        body: RecomputeBody,
        response: { description: 'What changed', schema: successBody('employee_shifts, changed, forced, final_changes_total, final_changes (at most 1000)') },
      },
      async (ctx, { body }) => {
        const report = await shifts.recompute(body);
        ctx.body = {
          success: true,
          employee_shifts: report.employeeShifts,
          changed: report.changed,
          forced: report.forced,
          final_changes_total: report.finalChangesTotal,
          final_changes: report.finalChanges.map(finalChangeView),
        };
      },
    ),
  );

  router.get(
    '/attendance',
    attendance({ summary: 'List attendance records', query: AttendanceQuery, response: { description: 'Attendance', schema: listOf(AttendanceItem) } }, async (ctx, { query }) => {
      const { page, window: w } = pageWindow(query);
      const listed = await shifts.listAttendance({ employee: query.employee, from: query.from, to: query.to, status: query.status }, w);
      const names = await shifts.namesFor(listed.rows);
      ctx.body = pageOf(page, listed.rows.map((a) => attendanceView(a, names.employees)), listed.total);
    }),
  );

  return router;
}
