// Reading punches and check-ins back, with the employees and check-ins they point at.
import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import { type Employee, findEmployeesByIds } from '../store/employees.js';
import type { Listed, Window } from '../store/list.js';
import {
  type Checkin,
  type CheckinFilter,
  type PunchFilter,
  type StoredPunch,
  findCheckinsByIds,
  findPunch,
  listCheckins,
  listPunches,
} from '../store/punches.js';

export class PunchRecords {
  constructor(private readonly knex: Knex) {}

  listPunches(filter: PunchFilter, window: Window): Promise<Listed<StoredPunch>> {
    return listPunches(this.knex, filter, window);
  }

  listCheckins(filter: CheckinFilter, window: Window): Promise<Listed<Checkin>> {
    return listCheckins(this.knex, filter, window);
  }

  async getPunch(id: number): Promise<StoredPunch> {
    const punch = await findPunch(this.knex, id);
    if (!punch) throw new AppError('not_found', `No punch ${id}`);
    return punch;
  }

  /** The employees and check-ins a page of punches and check-ins refers to. */
  async relatedTo(punches: StoredPunch[], checkins: Checkin[] = []): Promise<{ employees: Map<number, Employee>; checkins: Map<number, Checkin> }> {
    const linked = await findCheckinsByIds(this.knex, punches.flatMap((p) => (p.checkinId === null ? [] : [p.checkinId])));
    const employeeIds = [...punches.flatMap((p) => (p.employeeId === null ? [] : [p.employeeId])), ...checkins.map((c) => c.employeeId)];
    return { employees: await findEmployeesByIds(this.knex, employeeIds), checkins: linked };
  }
}
