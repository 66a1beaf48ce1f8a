// /api/v1/unmatched: punches whose device user id matches no employee, grouped by site and
// id, and assigning such an id to an employee (an existing one, or a new one by name), which
// turns its waiting punches into check-ins.
import type Router from '@koa/router';
import { newRouter } from './routing.js';
import { z } from 'zod';
import type { ApiKeyService } from '../auth/apiKeys.js';
import type { EmployeeService } from '../employees/service.js';
import type { PunchRecords, UnmatchedSummary } from '../pipeline/records.js';
import { employeeView } from './admin.js';
import { listOf, listQuery, operations, resource, textParam } from './operation.js';
import { pageOf, pageWindow } from './pagination.js';

function groupView(g: UnmatchedSummary) {
  return {
    site: g.site,
    attendance_device_id: g.deviceUserId,
    punches: g.punches,
    first_at: g.firstAt.toISOString(),
    last_at: g.lastAt.toISOString(),
    devices: g.devices,
    device_names: g.deviceNames,
  };
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined);

const UnmatchedQuery = listQuery({ site: textParam('Site'), attendance_device_id: textParam('The biometric id'), q: textParam('Search: part of the biometric id') });
const idText = z.union([z.string(), z.number()]);
const AssignBody = z.object({
  attendance_device_id: idText.describe('The unmatched biometric id'),
  site: z.string().optional().describe("Its site (the employee's site is set to it)"),
  employee: idText.optional().describe('An existing employee (EMP-…) to give the id to; or'),
  name: z.string().optional().describe('the name of a new employee to create with it'),
});
const Group = resource('Unmatched id', 'site, attendance_device_id, punches, first_at, last_at, devices, device_names');

export function unmatchedRoutes(apiKeys: ApiKeyService, records: PunchRecords, employees: EmployeeService, maxBodyBytes: number): Router {
  const router = newRouter('/api/v1');
  const op = operations({ tag: 'Unmatched punches', access: 'admin', apiKeys, maxBodyBytes });

  router.get(
    '/unmatched',
    op({ summary: 'Unmatched biometric ids, with their punches', query: UnmatchedQuery, response: { description: 'One row per site and id', schema: listOf(Group) } }, async (ctx, { query }) => {
      const { page, window } = pageWindow(query);
      const listed = await records.unmatchedGroups({ site: text(query.site), deviceUserId: text(query.attendance_device_id), search: text(query.q) }, window);
      ctx.body = pageOf(page, listed.rows.map(groupView), listed.total);
    }),
  );

  router.post(
    '/unmatched/assign',
    op(
      {
        summary: 'Give an unmatched id to an employee',
        description: 'To an existing employee (employee) or a new one (name): its waiting punches become check-ins.',
        body: AssignBody,
        status: 201,
        errors: ['not_found', 'conflict'],
        response: { description: 'The employee (200 when it existed, 201 when created), created and linked_punches', schema: resource('Employee', 'the employee, created, linked_punches') },
      },
      async (ctx, { body }) => {
        const done = await employees.assignDeviceId({ attendanceDeviceId: text(body.attendance_device_id), site: text(body.site), employee: text(body.employee), name: text(body.name) });
        ctx.status = done.created ? 201 : 200;
        ctx.body = { success: true, created: done.created, ...employeeView(done.employee), linked_punches: done.linked };
      },
    ),
  );

  return router;
}
