// `iclockd shift-types …`, `shift-assignments …` and `holidays …`: the shift plan attendance is
// computed against (HRMS field names).
import type { Command } from 'commander';
import { shiftTypeView } from '../../attendance/view.js';
import { type CliContext, fieldAssignments } from '../context.js';

/** `key=value` words to an object; numbers and true/false become values of their type. */
export function registerShiftCommands(program: Command, ctx: CliContext): void {
  const shiftTypes = program.command('shift-types').description('shift types (HRMS field names)');
  shiftTypes
    .command('list')
    .description('list shift types')
    .option('--json', 'print JSON lines')
    .action(async (opts: { json?: boolean }) => {
      const { rows } = await ctx.withServices((s) => s.shifts.listShiftTypes({ offset: 0, limit: 1_000_000 }));
      if (opts.json) ctx.printJsonLines(rows.map(shiftTypeView));
      else ctx.printTable([['NAME', 'START', 'END', 'AUTO', 'IN/OUT', 'HOURS', 'HOLIDAYS'], ...rows.map((r) => [r.name, r.startTime, r.endTime, r.enableAutoAttendance ? 'yes' : 'no', r.determineCheckInAndCheckOut, r.workingHoursCalculationBasedOn, r.holidayList ?? '-'])]);
    });
  shiftTypes
    .command('set')
    .description('create a shift type, or change one: iclockd shift-types set General start_time=09:00 end_time=17:00 enable_auto_attendance=true')
    .argument('<name>', 'the shift type')
    .argument('[fields...]', 'field=value, with the HRMS field names')
    .action(async (name: string, fields: string[]) => {
      const input = fieldAssignments(fields);
      const shift = await ctx.withServices(async (s) =>
        (await s.shifts.listShiftTypes({ offset: 0, limit: 1_000_000 })).rows.some((r) => r.name === name)
          ? s.shifts.updateShiftType(name, input)
          : s.shifts.createShiftType({ ...input, name }),
      );
      ctx.out(JSON.stringify(shiftTypeView(shift)));
    });
  shiftTypes
    .command('delete')
    .description('delete a shift type that is not assigned')
    .argument('<name>', 'the shift type')
    .action(async (name: string) => {
      await ctx.withServices((s) => s.shifts.deleteShiftType(name));
      ctx.out(`deleted shift type ${name}`);
    });

  const shiftAssignments = program.command('shift-assignments').description('which employee works which shift from when');
  shiftAssignments
    .command('create')
    .description('assign a shift type to an employee from a date (open-ended unless --end)')
    .requiredOption('--employee <id>', 'the employee id')
    .requiredOption('--shift-type <name>', 'the shift type')
    .requiredOption('--start <date>', 'first day, YYYY-MM-DD')
    .option('--end <date>', 'last day, YYYY-MM-DD')
    .action(async (opts: { employee: string; shiftType: string; start: string; end?: string }) => {
      const a = await ctx.withServices((s) => s.shifts.createAssignment({ employee: opts.employee, shift_type: opts.shiftType, start_date: opts.start, end_date: opts.end }));
      ctx.out(`assignment ${a.id}: ${opts.employee} works ${opts.shiftType} from ${a.startDate}${a.endDate ? ` to ${a.endDate}` : ''}`);
    });
  shiftAssignments
    .command('list')
    .description('list assignments')
    .option('--employee <id>', 'only this employee')
    .action(async (opts: { employee?: string }) => {
      const lines = await ctx.withServices(async (s) => {
        const { rows } = await s.shifts.listAssignments({ employee: opts.employee }, { offset: 0, limit: 1_000_000 });
        const names = await s.shifts.namesFor(rows);
        return rows.map((a) => [String(a.id), names.employees.get(a.employeeId)?.employee ?? '?', names.shifts.get(a.shiftTypeId)?.name ?? '?', a.startDate, a.endDate ?? '-', a.status]);
      });
      ctx.printTable([['ID', 'EMPLOYEE', 'SHIFT TYPE', 'START', 'END', 'STATUS'], ...lines]);
    });
  shiftAssignments
    .command('end')
    .description('end an assignment on a date')
    .argument('<id>', 'the assignment id')
    .requiredOption('--end <date>', 'last day, YYYY-MM-DD')
    .action(async (id: string, opts: { end: string }) => {
      const a = await ctx.withServices((s) => s.shifts.updateAssignment(Number(id), { end_date: opts.end }));
      ctx.out(`assignment ${a.id} ends ${a.endDate}`);
    });

  const holidays = program.command('holidays').description('holiday lists (a shift type names one)');
  holidays
    .command('set')
    .description('replace a holiday list: iclockd holidays set "KSA 2025" 2025-06-05 2025-06-06')
    .argument('<list>', 'the list name')
    .argument('[dates...]', 'dates YYYY-MM-DD')
    .action(async (list: string, dates: string[]) => {
      const days = await ctx.withServices((s) => s.shifts.setHolidayList(list, dates));
      ctx.out(`${list}: ${days.length} holiday(s)`);
    });
  holidays
    .command('show')
    .description('the dates of a holiday list')
    .argument('<list>', 'the list name')
    .action(async (list: string) => {
      for (const d of await ctx.withServices((s) => s.shifts.holidayList(list))) ctx.out(`${d.date}${d.description ? `  ${d.description}` : ''}`);
    });
}
