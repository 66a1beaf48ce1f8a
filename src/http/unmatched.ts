// /api/v1/unmatched: punches whose device user id matches no employee, grouped by site and
// id, and assigning such an id to an employee (an existing one, or a new one by name), which
// turns its waiting punches into check-ins.
import Router from '@koa/router';
import type { ApiKeyService } from '../auth/apiKeys.js';
import type { EmployeeService } from '../employees/service.js';
import { AppError } from '../errors.js';
import type { PunchRecords, UnmatchedSummary } from '../pipeline/records.js';
import { employeeView } from './admin.js';
import { requireRole } from './auth.js';
import { readJsonBody } from './body.js';
import { pageOf, parsePageWindow } from './pagination.js';

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

export function unmatchedRoutes(apiKeys: ApiKeyService, records: PunchRecords, employees: EmployeeService, maxBodyBytes: number): Router {
  const router = new Router({ prefix: '/api/v1/unmatched' });
  router.use(requireRole(apiKeys, 'admin'));

  router.get('/', async (ctx) => {
    const { page, window } = parsePageWindow(ctx.query);
    const listed = await records.unmatchedGroups({ site: text(ctx.query.site), deviceUserId: text(ctx.query.attendance_device_id) }, window);
    ctx.body = pageOf(page, listed.rows.map(groupView), listed.total);
  });

  // {"attendance_device_id", "site"?, and "employee" (an existing id) or "name" (a new employee)}
  router.post('/assign', async (ctx) => {
    const body = await readJsonBody(ctx, maxBodyBytes);
    const deviceUserId = text(body.attendance_device_id);
    const employee = text(body.employee);
    const name = text(body.name);
    const bad = [...(deviceUserId ? [] : ['attendance_device_id']), ...(employee || name ? [] : ['employee'])];
    if (bad.length) throw new AppError('validation_error', 'Give the attendance_device_id and either an existing employee or the name of a new one', { fields: bad });
    if (employee && name) throw new AppError('validation_error', 'Give either employee or name, not both', { fields: ['employee', 'name'] });
    const site = text(body.site);
    const change = { attendance_device_id: deviceUserId, ...(site ? { site } : {}) };
    const done = employee ? await employees.update(employee, change) : await employees.create({ ...change, name });
    ctx.status = employee ? 200 : 201;
    ctx.body = { success: true, created: !employee, ...employeeView(done.employee), linked_punches: done.linked };
  });

  return router;
}
