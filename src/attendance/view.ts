// A shift type as the API and the CLI show it (HRMS field names, instants as ISO text): both
// fronts print it, so it lives here, below them both.
import type { ShiftType } from '../store/shiftTypes.js';

/** The API's and the CLI's view of a shift type. */
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
    last_sync_of_checkin: s.lastSyncOfCheckin?.toISOString() ?? null,
  };
}
