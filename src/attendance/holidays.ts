// Which holiday list applies to an employee's day, as HRMS decides it: the shift type's
// holiday_list where set (ShiftType.get_holiday_list), else the employee's own, else the
// company's default (get_holiday_list_for_employee), here ICLOCKD_DEFAULT_HOLIDAY_LIST.
import type { Employee } from '../store/employees.js';

export function holidayListFor(shift: { holidayList: string | null } | null, employee: Pick<Employee, 'holidayList'>, defaultList: string | null): string | null {
  return shift?.holidayList ?? employee.holidayList ?? defaultList;
}
