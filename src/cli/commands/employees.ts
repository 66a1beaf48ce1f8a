// `iclockd employees …`: the employee register, filled from a CSV file.
import type { Command } from 'commander';
import { formatImportReport, importEmployees, readEmployeeCsv } from '../../employees/csvImport.js';
import type { CliContext } from '../context.js';

export function registerEmployeeCommands(program: Command, ctx: CliContext): void {
  const employees = program.command('employees').description('manage employees');

  employees
    .command('import')
    .description('create or update employees from a CSV file (header: employee, name, attendance_device_id, status, site, default_shift, date_of_joining, relieving_date, holiday_list)')
    .argument('<file>', 'the CSV file; rows are matched by the employee column, rows without one are created')
    .action(async (file: string) => {
      const cfg = ctx.config();
      const csv = await readEmployeeCsv(file); // a file that cannot be read fails before the database is opened
      const report = await ctx.withServices((s) => importEmployees(csv, s.employees, { progress: ctx.progress }), cfg);
      for (const line of formatImportReport(report)) ctx.out(line);
    });
}
