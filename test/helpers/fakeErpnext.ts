// A real HTTP server that answers like ERPNext / Frappe HR for what iclockd forwards: the
// whitelisted add_log_based_on_employee_field (hrms and erpnext paths), POST /api/resource/
// Employee Checkin, GET lists of Employee and Employee Checkin with Frappe filters, and
// frappe.auth.get_logged_user, with ERPNext's own status codes and error bodies
// (../shared/erpnext.md §1, §3). Like HRMS, its duplicate check reads committed check-ins only
// (no unique index), and the v12/v13 path compares employee and time alone. Knobs make it fail
// or run slow on purpose.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ErpEmployee {
  /** The Employee name, HR-EMP-00001. */
  name: string;
  employee_name: string;
  attendance_device_id: string | null;
  status: 'Active' | 'Inactive' | 'Suspended' | 'Left';
}

export interface ErpCheckin {
  name: string;
  employee: string;
  time: string;
  log_type: string | null;
  device_id: string | null;
  skip_auto_attendance: number;
}

export interface ErpRequest {
  path: string;
  body: Record<string, unknown>;
  /** How it was answered. */
  status: number;
}

const METHOD = /^\/api\/method\/(hrms|erpnext)\.hr\.doctype\.employee_checkin\.employee_checkin\.add_log_based_on_employee_field$/;

export class FakeErpnext {
  readonly apiKey = 'a1b2c3d4e5f6a7b';
  apiSecret = 'f0e1d2c3b4a5968';
  readonly employees = new Map<string, ErpEmployee>();
  readonly checkins: ErpCheckin[] = [];
  /** Every check-in request, in the order they arrived. */
  readonly requests: ErpRequest[] = [];
  /** 503 for everything, as a proxy in front of a stopped site answers. */
  down = false;
  /** Each new (employee, time) fails this many times with 502 before it is taken. */
  failFirst = 0;
  /** Store the check-in, then answer 504 as if the reply was lost (once per check-in). */
  loseFirstReply = false;
  /** Times (as sent) refused with a ValidationError no other rule covers. */
  readonly refuseTimes = new Set<string>();
  /** Extra random delay per request, milliseconds. */
  maxDelayMs = 0;
  /** A check-in request waits this long before its duplicate check (a busy worker). */
  stallBeforeCheckMs = 0;
  /** A check-in that passed the duplicate check is committed (visible) this long after it, then answered. */
  commitAfterMs = 0;
  /** Whether the API user may read Employee and Employee Checkin (403 when not). */
  readable = true;
  /** GET list requests answered. */
  lookups = 0;
  /**
   * Random trouble per check-in request: a share answered 502 before any work, a share slowed
   * by `slowMs` (half stalled before the duplicate check, half committed that late), a share
   * whose connection is dropped after the commit.
   */
  chaos: { badGatewayShare: number; slowShare: number; slowMs: number; dropShare: number } | null = null;
  private held: (() => void)[] | null = null;
  private readonly attempts = new Map<string, number>();
  private readonly lost = new Set<string>();
  private seq = 0;
  private server!: Server;
  url = '';

  static async start(): Promise<FakeErpnext> {
    const fake = new FakeErpnext();
    fake.server = createServer((req, res) => {
      fake.handle(req, res).catch((err: unknown) => {
        res.writeHead(500);
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  addEmployee(name: string, attendanceDeviceId: string | null, status: ErpEmployee['status'] = 'Active'): void {
    this.employees.set(name, { name, employee_name: `Name of ${name}`, attendance_device_id: attendanceDeviceId, status });
  }

  /** Holds every check-in answer until `release`. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = null;
    for (const go of waiting) go();
  }

  /** Requests waiting in `hold`. */
  get holding(): number {
    return this.held?.length ?? 0;
  }

  /** 417 "already has a log" answers: a second send of something ERPNext had. */
  duplicateAnswers = 0;

  close(): Promise<void> {
    this.release();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (this.down) return send(503, '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>');
    // Frappe v15: a present but wrong token is 401 AuthenticationError.
    if (req.headers.authorization !== `token ${this.apiKey}:${this.apiSecret}`) {
      return send(401, { exc_type: 'AuthenticationError', _server_messages: serverMessages('Invalid Authorization Token') });
    }
    if (path === '/api/method/frappe.auth.get_logged_user') return send(200, { message: 'iclockd-sync@example.com' });
    if (req.method === 'GET' && (path === '/api/resource/Employee' || path === '/api/resource/Employee Checkin')) {
      this.lookups++;
      if (!this.readable) {
        const doctype = path.slice('/api/resource/'.length);
        return send(403, { exc_type: 'PermissionError', _server_messages: serverMessages(`User <strong>iclockd-sync@example.com</strong> does not have doctype access via role permission for document <strong>${doctype}</strong>`) });
      }
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      const filters = JSON.parse(query.get('filters') ?? '[]') as [string, string, string][];
      const limit = Number(query.get('limit_page_length') ?? 20);
      const rows: Record<string, unknown>[] = path === '/api/resource/Employee' ? [...this.employees.values()].map((e) => ({ ...e })) : this.checkins.map((c) => ({ ...c }));
      const matches = rows.filter((r) => filters.every(([field, op, value]) => matchesFilter(r[field], op, value)));
      return send(200, { data: matches.slice(0, limit || undefined).map((r) => ({ name: r.name })) });
    }
    const method = METHOD.exec(path);
    if (!method && path !== '/api/resource/Employee Checkin') {
      return send(404, { exc_type: 'DoesNotExistError', _server_messages: serverMessages('Not found') });
    }
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const record = (status: number) => {
      const r = { path, body, status };
      this.requests.push(r);
      return r;
    };
    if (this.maxDelayMs) await new Promise((r) => setTimeout(r, Math.random() * this.maxDelayMs));
    if (this.held) await new Promise<void>((resolve) => this.held!.push(resolve));

    const fieldname = (body.employee_fieldname as string | undefined) ?? 'attendance_device_id';
    const value = method ? body.employee_field_value : body.employee;
    const time = (method ? body.timestamp : body.time) as string | undefined;
    if (!value || !time) {
      record(417);
      return send(417, { exc_type: 'ValidationError', _server_messages: serverMessages("'employee_field_value' and 'timestamp' are required.") });
    }
    const key = `${String(value)}|${time}|${String(body.log_type ?? '')}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    if (attempt <= this.failFirst) {
      record(502);
      return send(502, '<html><body><h1>502 Bad Gateway</h1></body></html>');
    }
    const employee = method
      ? [...this.employees.values()].find((e) => (fieldname === 'name' ? e.name : e.attendance_device_id) === String(value))
      : this.employees.get(String(value));
    if (!employee) {
      record(417);
      if (method) return send(417, { exc_type: 'ValidationError', _server_messages: serverMessages(`No Employee found for the given employee field value. '${fieldname}': ${String(value)}`) });
      return send(417, { exc_type: 'LinkValidationError', _server_messages: serverMessages(`Could not find Employee: ${String(value)}`) });
    }
    if (employee.status === 'Inactive') {
      record(417);
      return send(417, {
        exc_type: 'InactiveEmployeeStatusError',
        _server_messages: serverMessages(`Transactions cannot be created for an Inactive Employee <a href="/app/employee/${employee.name}"><strong>${employee.name}</strong></a>.`),
      });
    }
    const logType = (body.log_type as string | null | undefined) ?? null;
    const chaos = this.chaos;
    if (chaos && Math.random() < chaos.badGatewayShare) {
      record(502);
      return send(502, '<html><body><h1>502 Bad Gateway</h1></body></html>');
    }
    const slow = chaos && Math.random() < chaos.slowShare ? (Math.random() < 0.5 ? 'stall' : 'late') : null;
    const stallMs = this.stallBeforeCheckMs + (slow === 'stall' ? chaos!.slowMs : 0);
    if (stallMs) await new Promise((r) => setTimeout(r, stallMs));
    // v12/v13 (the erpnext.* path) keep one check-in per employee and second, whatever its log type.
    const sameLogType = (c: ErpCheckin) => method?.[1] === 'erpnext' || (c.log_type ?? '') === (logType ?? '');
    const existing = this.checkins.find((c) => c.employee === employee.name && c.time === time && sameLogType(c));
    if (existing) {
      record(417);
      this.duplicateAnswers++;
      return send(417, {
        exc_type: 'ValidationError',
        _server_messages: serverMessages(`This employee already has a log with the same timestamp.<Br><a href="/app/employee-checkin/${existing.name}">${existing.name}</a>`),
      });
    }
    if (this.refuseTimes.has(time)) {
      record(417);
      return send(417, { exc_type: 'ValidationError', _server_messages: serverMessages('Log Type is required for check-ins falling in the shift: Day Shift.') });
    }
    const doc: ErpCheckin = {
      name: `EMP-CKIN-11-2026-${String(++this.seq).padStart(6, '0')}`,
      employee: employee.name,
      time,
      log_type: logType,
      device_id: (body.device_id as string | null | undefined) ?? null,
      skip_auto_attendance: Number(body.skip_auto_attendance ?? 0),
    };
    const commitAfterMs = this.commitAfterMs + (slow === 'late' ? chaos!.slowMs : 0);
    if (commitAfterMs) await new Promise((r) => setTimeout(r, commitAfterMs));
    this.checkins.push(doc);
    if (chaos && Math.random() < chaos.dropShare) {
      record(0);
      res.socket?.destroy();
      return;
    }
    if (this.loseFirstReply && !this.lost.has(key)) {
      this.lost.add(key);
      record(504);
      return send(504, '<html><body><h1>504 Gateway Time-out</h1></body></html>');
    }
    record(200);
    const full = {
      ...doc,
      owner: 'iclockd-sync@example.com',
      creation: '2026-11-24 10:00:00.000000',
      modified: '2026-11-24 10:00:00.000000',
      docstatus: 0,
      idx: 0,
      employee_name: employee.employee_name,
      shift: null,
      doctype: 'Employee Checkin',
    };
    return send(200, method ? { message: full } : { data: full });
  }
}

/** Frappe's filter operators as iclockd uses them: `=`, and `is` `set` / `not set`. */
function matchesFilter(actual: unknown, op: string, value: string): boolean {
  if (op === '=') return String(actual ?? '') === String(value);
  if (op === 'is') return value === 'set' ? actual !== null && actual !== undefined && actual !== '' : actual === null || actual === undefined || actual === '';
  throw new Error(`the fake ERPNext knows no filter operator ${op}`);
}

/** Frappe's `_server_messages`: a JSON string of a list of JSON strings. */
export function serverMessages(message: string): string {
  return JSON.stringify([JSON.stringify({ message, title: 'Message', indicator: 'red', raise_exception: 1, __frappe_exc_id: 'f1e2d3' })]);
}
