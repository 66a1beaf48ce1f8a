// What a delivery is: the event to send, how a target answered, and the HTTP plumbing the
// senders share (global fetch, a timeout per request, the answer classified once).
import type { Checkin, CheckinDevice } from '../store/punches.js';
import type { Employee } from '../store/employees.js';
import type { OutboxRow } from '../store/outbox.js';
import type { Target } from '../store/targets.js';
import { VERSION } from '../version.js';

/** A check-in as it is forwarded: the row, the check-in, its employee (as they are now) and its terminal. */
export interface CheckinEvent {
  row: OutboxRow;
  checkin: Checkin;
  employee: Employee;
  device: CheckinDevice | null;
}

/**
 * delivered: the target has the record (new, or it already had it) · retry: try again later
 * (down, overloaded, timeout) · rejected: the target refuses this record for good ·
 * config_error: the target refuses us (credentials, wrong URL): pause the target, keep the row.
 */
export type DeliveryOutcome = 'delivered' | 'retry' | 'rejected' | 'config_error';

export interface DeliveryResult {
  outcome: DeliveryOutcome;
  /** Short machine reason: delivered, already_there, employee_not_found, http_503, timeout, … */
  reason: string;
  /** HTTP status, when there was an answer. */
  status: number | null;
  /** What the target said, in words (for operators). */
  message: string | null;
  /** The record's name at the target (ERPNext Employee Checkin name). */
  remoteRef?: string | null;
  /** The target asked us to wait this long (Retry-After). */
  retryAfterMs?: number;
  /**
   * The request may have reached the target and its outcome is unknown (no answer in time, the
   * connection lost after sending, a gateway that gave up on the target): it may still be stored.
   */
  unanswered?: boolean;
}

/** What looking a check-in up at the target found: its record there, none, or no answer to go by. */
export type LookupResult = { found: true; remoteRef: string | null } | { found: false } | DeliveryResult;

export function isLookupAnswer(r: LookupResult): r is { found: true; remoteRef: string | null } | { found: false } {
  return 'found' in r;
}

export interface Sender {
  send(target: Target, event: CheckinEvent, timeoutMs: number): Promise<DeliveryResult>;
  /**
   * Looks the check-in up at the target by its natural key, sending nothing: asked before a
   * resend that follows an unanswered send. Absent where the target cannot be asked (webhooks:
   * the receiver keeps each event single by its Idempotency-Key).
   */
  lookUp?(target: Target, event: CheckinEvent, timeoutMs: number): Promise<LookupResult>;
  /** Checks the target answers and accepts our credentials, sending no record. */
  test(target: Target, timeoutMs: number): Promise<{ ok: boolean; status: number | null; message: string }>;
}

export interface HttpAnswer {
  status: number;
  text: string;
  headers: Headers;
}

export const USER_AGENT = `iclockd/${VERSION}`;

/** One request; network errors and timeouts come back as a retry result instead of throwing. */
export async function request(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<HttpAnswer | DeliveryResult> {
  try {
    const res = await fetch(url, { ...init, headers: { 'user-agent': USER_AGENT, ...init.headers }, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    return { status: res.status, text: await res.text(), headers: res.headers };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      return { outcome: 'retry', reason: 'timeout', status: null, message: `no answer within ${timeoutMs} ms`, unanswered: true };
    }
    const detail = e.cause?.code ?? e.cause?.message ?? e.message;
    return { outcome: 'retry', reason: 'network', status: null, message: `cannot reach ${new URL(url).host}: ${detail}`, unanswered: !neverSent(e.cause?.code) };
  }
}

/** Errors raised before a connection could carry the request: nothing reached the target. */
function neverSent(code: string | undefined): boolean {
  if (!code) return false;
  return ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'].includes(code) || /CERT|^ERR_TLS|^ERR_SSL/.test(code);
}

/**
 * Server errors after which the request may still have been stored: a gateway's 502/504 (the
 * application died or was still working after the answer), a 500 from anything in between.
 * 503 (no application behind, or Frappe's maintenance mode), 501 and 505 refuse before any work.
 */
export function isUnansweredStatus(status: number): boolean {
  return status >= 500 && status !== 501 && status !== 503 && status !== 505;
}

export function isAnswer(a: HttpAnswer | DeliveryResult): a is HttpAnswer {
  return 'text' in a;
}

/** Retry-After in seconds or as an HTTP date, in milliseconds. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Answers every target kind treats alike: too many requests, server errors, redirects. */
export function transientResult(a: HttpAnswer, message: string | null): DeliveryResult | null {
  if (a.status === 408 || a.status === 429 || a.status >= 500) {
    return { outcome: 'retry', reason: `http_${a.status}`, status: a.status, message, retryAfterMs: retryAfterMs(a.headers), unanswered: isUnansweredStatus(a.status) };
  }
  if (a.status >= 300 && a.status < 400) {
    return { outcome: 'config_error', reason: 'redirect', status: a.status, message: `the URL redirects to ${a.headers.get('location') ?? '?'}; configure the final URL` };
  }
  return null;
}

/** Trims a body for storing and logging. */
export function excerpt(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
