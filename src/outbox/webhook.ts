// Forwarding check-ins to any HTTP endpoint: POST JSON, signed with HMAC-SHA256 over
// `timestamp + "." + body` (header X-Iclockd-Signature: t=<unix seconds>,v1=<hex>), with an
// Idempotency-Key that stays the same for every try of one outbox row.
import { createHmac } from 'node:crypto';
import type { Target } from '../store/targets.js';
import { type CheckinEvent, type DeliveryResult, type HttpAnswer, type Sender, excerpt, isAnswer, request, transientResult } from './delivery.js';

export const SIGNATURE_HEADER = 'x-iclockd-signature';

export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/** The JSON sent for a check-in. Instants are ISO 8601 UTC. */
export function webhookPayload(e: CheckinEvent): Record<string, unknown> {
  return {
    event: e.row.event,
    id: e.row.idempotencyKey,
    created_at: e.row.createdAt.toISOString(),
    checkin: {
      name: e.checkin.name,
      time: e.checkin.time.toISOString(),
      log_type: e.checkin.logType,
      device_id: e.checkin.deviceId,
      skip_auto_attendance: e.checkin.skipAutoAttendance,
      shift: e.checkin.shiftType,
      shift_start: e.checkin.shiftStart?.toISOString() ?? null,
      shift_end: e.checkin.shiftEnd?.toISOString() ?? null,
      shift_actual_start: e.checkin.shiftActualStart?.toISOString() ?? null,
      shift_actual_end: e.checkin.shiftActualEnd?.toISOString() ?? null,
      latitude: e.checkin.latitude,
      longitude: e.checkin.longitude,
    },
    employee: {
      employee: e.employee.employee,
      name: e.employee.name,
      attendance_device_id: e.employee.attendanceDeviceId,
      site: e.employee.site,
      status: e.employee.status,
    },
    device: e.device ? { serial: e.device.serial, alias: e.device.alias, site: e.device.site, time_zone: e.device.timeZone } : null,
  };
}

export function classifyWebhookAnswer(a: HttpAnswer): DeliveryResult {
  if (a.status >= 200 && a.status < 300) return { outcome: 'delivered', reason: 'delivered', status: a.status, message: null, remoteRef: null };
  const said = excerpt(a.text) || `HTTP ${a.status}`;
  if (a.status === 401 || a.status === 403) {
    return { outcome: 'config_error', reason: 'auth', status: a.status, message: `the receiver refused us (HTTP ${a.status}: ${said}); check the signing secret` };
  }
  const transient = transientResult(a, said);
  if (transient) return transient;
  if (a.status >= 400 && a.status < 500) return { outcome: 'rejected', reason: `http_${a.status}`, status: a.status, message: said };
  return { outcome: 'retry', reason: `http_${a.status}`, status: a.status, message: said };
}

function post(target: Target, event: string, idempotencyKey: string, body: string, timeoutMs: number) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'idempotency-key': idempotencyKey,
    'x-iclockd-event': event,
  };
  if (target.secret) headers[SIGNATURE_HEADER] = signatureHeader(target.secret, body, Math.floor(Date.now() / 1000));
  return request(target.url, { method: 'POST', headers, body }, timeoutMs);
}

export const webhookSender: Sender = {
  async send(target, event, timeoutMs) {
    const answer = await post(target, event.row.event, event.row.idempotencyKey, JSON.stringify(webhookPayload(event)), timeoutMs);
    return isAnswer(answer) ? classifyWebhookAnswer(answer) : answer;
  },

  async test(target, timeoutMs) {
    const key = `test-${Date.now()}`;
    const answer = await post(target, 'ping', key, JSON.stringify({ event: 'ping', id: key }), timeoutMs);
    if (!isAnswer(answer)) return { ok: false, status: null, message: answer.message ?? answer.reason };
    if (answer.status >= 200 && answer.status < 300) return { ok: true, status: answer.status, message: `the receiver answered HTTP ${answer.status} to a signed ping` };
    return { ok: false, status: answer.status, message: `HTTP ${answer.status}: ${excerpt(answer.text)}` };
  },
};
