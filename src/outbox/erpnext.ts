// Forwarding check-ins to ERPNext / Frappe HR: the whitelisted method the official sync tool
// calls (add_log_based_on_employee_field, hrms or the older erpnext path), or a plain
// POST /api/resource/Employee Checkin. Answers are classified the way ERPNext really gives them
// (see ../shared/erpnext.md §1, §3): a duplicate is success, an unknown or inactive employee
// fails that record only, refused credentials pause the target, the rest is retried.
import { instantToWall } from '../pipeline/time.js';
import type { Target } from '../store/targets.js';
import {
  type CheckinEvent,
  type DeliveryResult,
  type HttpAnswer,
  type LookupResult,
  type Sender,
  excerpt,
  isAnswer,
  isLookupAnswer,
  request,
  transientResult,
} from './delivery.js';

export const ERPNEXT_METHODS = ['hrms', 'erpnext', 'resource'] as const;
export type ErpnextMethod = (typeof ERPNEXT_METHODS)[number];
/** Which iclockd employee field identifies the employee to ERPNext. */
export const EMPLOYEE_VALUES = ['attendance_device_id', 'employee'] as const;
export type EmployeeValue = (typeof EMPLOYEE_VALUES)[number];

export interface ErpnextSettings {
  api_key: string;
  /** hrms: v14+ (Frappe HR) · erpnext: v12/v13 · resource: POST /api/resource/Employee Checkin. */
  method: ErpnextMethod;
  /** The ERPNext Employee field add_log_based_on_employee_field matches (its employee_fieldname). */
  employee_fieldname: string;
  /** What iclockd sends as the employee: the biometric id, or the iclockd employee id (= the ERPNext Employee name). */
  employee_value: EmployeeValue;
  /** ERPNext's System Settings time zone: check-in times are sent as naive wall time in it. */
  time_zone: string;
}

export const DUPLICATE_TEXT = 'already has a log with the same timestamp';
export const NO_EMPLOYEE_TEXT = 'No Employee found';
export const INACTIVE_TEXT = 'Inactive Employee';
/** Frappe's link validation, what POST /api/resource/Employee Checkin says of an unknown employee. */
export const NO_LINKED_EMPLOYEE_TEXT = 'Could not find Employee';

const base = (url: string) => url.replace(/\/+$/, '');

export function erpnextEndpoint(url: string, method: ErpnextMethod): string {
  if (method === 'resource') return `${base(url)}/api/resource/Employee%20Checkin`;
  return `${base(url)}/api/method/${method}.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field`;
}

/** The natural key ERPNext keeps a check-in single by: who (as sent), when (wall time as sent), log type. */
function naturalKey(s: ErpnextSettings, e: CheckinEvent): { value: string; time: string; logType: string | null } | null {
  const value = s.employee_value === 'employee' ? e.employee.employee : e.employee.attendanceDeviceId;
  if (!value) return null;
  return { value, time: instantToWall(e.checkin.time, s.time_zone), logType: e.checkin.logType === 'AUTO' ? null : e.checkin.logType };
}

/** The JSON body for one check-in, or null when the employee has no value to send. */
export function erpnextBody(s: ErpnextSettings, e: CheckinEvent): Record<string, unknown> | null {
  const key = naturalKey(s, e);
  if (!key) return null;
  const { value, time, logType } = key;
  const where = e.checkin.latitude !== null && e.checkin.longitude !== null ? { latitude: e.checkin.latitude, longitude: e.checkin.longitude } : {};
  const skip = e.checkin.skipAutoAttendance ? 1 : 0;
  if (s.method === 'resource') {
    return { employee: value, time, log_type: logType, device_id: e.checkin.deviceId, skip_auto_attendance: skip, ...where };
  }
  return {
    employee_field_value: value,
    timestamp: time,
    device_id: e.checkin.deviceId,
    log_type: logType,
    skip_auto_attendance: skip,
    ...(s.employee_fieldname !== 'attendance_device_id' ? { employee_fieldname: s.employee_fieldname } : {}),
    ...where,
  };
}

/** The exception type and every message text in a Frappe error body (v1: exc_type, _server_messages, exception, exc). */
export function frappeError(text: string): { excType: string | null; messages: string[] } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { excType: null, messages: text ? [text] : [] };
  }
  if (typeof body !== 'object' || body === null) return { excType: null, messages: [String(body)] };
  const b = body as Record<string, unknown>;
  const messages: string[] = [];
  if (typeof b._server_messages === 'string') {
    try {
      for (const item of JSON.parse(b._server_messages) as unknown[]) {
        if (typeof item !== 'string') continue;
        try {
          const m = JSON.parse(item) as { message?: unknown };
          messages.push(typeof m.message === 'string' ? m.message : item);
        } catch {
          messages.push(item);
        }
      }
    } catch {
      messages.push(b._server_messages);
    }
  }
  for (const key of ['exception', 'exc', 'message'] as const) if (typeof b[key] === 'string') messages.push(b[key]);
  return { excType: typeof b.exc_type === 'string' ? b.exc_type : null, messages };
}

const plain = (html: string) => html.replace(/<br\s*\/?>/gi, ' ').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();

/** How an ERPNext answer to a check-in is taken. */
export function classifyErpnextAnswer(a: HttpAnswer): DeliveryResult {
  if (a.status >= 200 && a.status < 300) {
    let name: string | null = null;
    try {
      const body = JSON.parse(a.text) as { message?: { name?: unknown }; data?: { name?: unknown } };
      const n = body.message?.name ?? body.data?.name;
      name = typeof n === 'string' ? n : null;
    } catch {
      // a 2xx without JSON is still ERPNext taking the record
    }
    return { outcome: 'delivered', reason: 'delivered', status: a.status, message: null, remoteRef: name };
  }
  const { excType, messages } = frappeError(a.text);
  const all = messages.join('\n');
  const said = messages.length ? plain(messages[0]!) : excerpt(a.text) || `HTTP ${a.status}`;
  if (all.includes(DUPLICATE_TEXT)) {
    const link = /employee-checkin\/([^"'<>\s]+)/i.exec(all);
    return { outcome: 'delivered', reason: 'already_there', status: a.status, message: plain(said), remoteRef: link ? decodeURIComponent(link[1]!) : null };
  }
  if (all.includes(NO_EMPLOYEE_TEXT) || (excType === 'LinkValidationError' && all.includes(NO_LINKED_EMPLOYEE_TEXT))) return { outcome: 'rejected', reason: 'employee_not_found', status: a.status, message: said };
  if (all.includes(INACTIVE_TEXT) || excType === 'InactiveEmployeeStatusError') return { outcome: 'rejected', reason: 'inactive_employee', status: a.status, message: said };
  if (a.status === 401 || a.status === 403) {
    return { outcome: 'config_error', reason: 'auth', status: a.status, message: `ERPNext refused the API key and secret (HTTP ${a.status}${said ? `: ${said}` : ''})` };
  }
  // Frappe's per-method rate limit is a ValidationError (417): wait, do not drop the record.
  if (all.includes('You hit the rate limit')) return { outcome: 'retry', reason: 'rate_limited', status: a.status, message: said };
  if (a.status === 404 || all.includes('Failed to get method') || all.includes('is not whitelisted')) {
    return { outcome: 'config_error', reason: 'wrong_url', status: a.status, message: `ERPNext has no such API at this URL (HTTP ${a.status}: ${said}); check the URL and the method (hrms for v14+, erpnext for v12/v13)` };
  }
  const transient = transientResult(a, said);
  if (transient) return transient;
  if (a.status >= 400 && a.status < 500) return { outcome: 'rejected', reason: excType ? `erpnext_${excType}`.slice(0, 32) : `http_${a.status}`, status: a.status, message: said };
  return { outcome: 'retry', reason: `http_${a.status}`, status: a.status, message: said, unanswered: true };
}

function headers(target: Target): Record<string, string> {
  const s = target.settings as unknown as ErpnextSettings;
  return { authorization: `token ${s.api_key}:${target.secret ?? ''}`, accept: 'application/json', 'content-type': 'application/json' };
}

/** GET a list of a doctype's names matching Frappe filters; a DeliveryResult when there is no list to go by. */
async function listNames(target: Target, doctype: string, filters: unknown[][], timeoutMs: number): Promise<string[] | DeliveryResult> {
  const query = new URLSearchParams({ filters: JSON.stringify(filters), fields: '["name"]', limit_page_length: '1' });
  const answer = await request(`${base(target.url)}/api/resource/${encodeURIComponent(doctype)}?${query}`, { method: 'GET', headers: headers(target) }, timeoutMs);
  if (!isAnswer(answer)) return { ...answer, unanswered: false };
  if (answer.status === 200) {
    try {
      const data = (JSON.parse(answer.text) as { data?: unknown }).data;
      if (Array.isArray(data)) return data.map((d) => String((d as { name?: unknown }).name));
    } catch {
      // not a Frappe list: below
    }
    return { outcome: 'retry', reason: 'lookup_unreadable', status: 200, message: `ERPNext answered a ${doctype} list with something that is not one: ${excerpt(answer.text)}` };
  }
  const { messages } = frappeError(answer.text);
  const said = messages.length ? plain(messages[0]!) : excerpt(answer.text) || `HTTP ${answer.status}`;
  if (answer.status === 401) return { outcome: 'config_error', reason: 'auth', status: 401, message: `ERPNext refused the API key and secret (HTTP 401: ${said})` };
  if (answer.status === 403) {
    return {
      outcome: 'config_error',
      reason: 'no_read_permission',
      status: 403,
      message: `ERPNext does not let the API user read ${doctype} (HTTP 403): give it read permission on Employee and Employee Checkin; iclockd looks a check-in up before it sends one again, so none is stored twice`,
    };
  }
  const transient = transientResult(answer, said);
  if (transient) return { ...transient, unanswered: false };
  return { outcome: 'retry', reason: `lookup_http_${answer.status}`, status: answer.status, message: `looking up ${doctype}: ${said}` };
}

/** ERPNext's record of this check-in (same employee, wall time and log type), committed; read only. */
async function lookUpCheckin(target: Target, event: CheckinEvent, timeoutMs: number): Promise<LookupResult> {
  const s = target.settings as unknown as ErpnextSettings;
  const key = naturalKey(s, event);
  if (!key) return { found: false };
  let employee = key.value;
  if (s.method !== 'resource') {
    // add_log_based_on_employee_field takes the first Employee whose field has the value.
    const names = await listNames(target, 'Employee', [[s.employee_fieldname, '=', key.value]], timeoutMs);
    if (!Array.isArray(names)) return names;
    if (names.length === 0) return { found: false };
    employee = names[0]!;
  }
  const logType = key.logType === null ? ['log_type', 'is', 'not set'] : ['log_type', '=', key.logType];
  const names = await listNames(target, 'Employee Checkin', [['employee', '=', employee], ['time', '=', key.time], logType], timeoutMs);
  if (!Array.isArray(names)) return names;
  return names.length ? { found: true, remoteRef: names[0]! } : { found: false };
}

export const erpnextSender: Sender = {
  async send(target, event, timeoutMs) {
    const s = target.settings as unknown as ErpnextSettings;
    const body = erpnextBody(s, event);
    if (!body) {
      return { outcome: 'rejected', reason: 'employee_not_mapped', status: null, message: `${event.employee.employee} has no ${s.employee_value} to send to ERPNext` };
    }
    const answer = await request(erpnextEndpoint(target.url, s.method), { method: 'POST', headers: headers(target), body: JSON.stringify(body) }, timeoutMs);
    if (!isAnswer(answer)) return answer;
    const result = classifyErpnextAnswer(answer);
    if (result.reason !== 'already_there') return result;
    // "Already has a log" names a record with the same employee and second; it is this check-in
    // only if its log type matches too (v12/v13 compare employee and time alone).
    const found = await lookUpCheckin(target, event, timeoutMs);
    if (!isLookupAnswer(found)) return found;
    if (found.found) return { ...result, remoteRef: found.remoteRef };
    const key = naturalKey(s, event)!;
    return {
      outcome: 'rejected',
      reason: 'other_record_at_target',
      status: answer.status,
      message: `ERPNext already holds ${result.remoteRef ?? 'a check-in'} for this employee at ${key.time} with another log type, and keeps one per employee and second (ERPNext v12/v13): this ${key.logType ?? 'check-in'} was not stored`,
    };
  },

  lookUp: lookUpCheckin,

  async test(target, timeoutMs) {
    const answer = await request(`${base(target.url)}/api/method/frappe.auth.get_logged_user`, { method: 'GET', headers: headers(target) }, timeoutMs);
    if (!isAnswer(answer)) return { ok: false, status: null, message: answer.message ?? answer.reason };
    if (answer.status === 200) {
      let user = '?';
      try {
        user = String((JSON.parse(answer.text) as { message?: unknown }).message);
      } catch {
        // keep '?'
      }
      // Reading check-ins back is what keeps a resend after an unanswered send from doubling one.
      const readable = await listNames(target, 'Employee Checkin', [], timeoutMs);
      if (!Array.isArray(readable)) return { ok: false, status: readable.status, message: `ERPNext accepts the API key (it belongs to ${user}), but: ${readable.message ?? readable.reason}` };
      return { ok: true, status: 200, message: `ERPNext accepts the API key; it belongs to ${user}, who may read Employee Checkin` };
    }
    if (answer.status === 401 || answer.status === 403) return { ok: false, status: answer.status, message: `ERPNext refused the API key and secret (HTTP ${answer.status})` };
    const { messages } = frappeError(answer.text);
    return { ok: false, status: answer.status, message: `HTTP ${answer.status}: ${messages.length ? plain(messages[0]!) : excerpt(answer.text)}` };
  },
};
