// The load generator of `npm run bench`: runs in its own process (so it does not share the
// server's event loop), drives autocannon with the requests a fleet sends, and prints one JSON
// result line. Request bodies are generated from a running counter, so a run with the same
// `firstRequest` and `amount` sends exactly the same requests again (the resend storm).
import autocannon from 'autocannon';
import { scheduledPunch } from './schedule.js';

export type LoadKind = 'heartbeat' | 'attlog' | 'adms_single' | 'json_single' | 'json_bulk';

export interface LoadSpec {
  baseUrl: string;
  kind: LoadKind;
  connections: number;
  /** Seconds to run (time-bounded), or … */
  seconds?: number;
  /** … exactly this many requests. */
  amount?: number;
  /** Serials BENCH00000… (heartbeats and ADMS uploads rotate through them). */
  devices: number;
  /** PINs 1…employees. */
  employees: number;
  /** Punches per request (ATTLOG lines or JSON logs). */
  perRequest: number;
  /** Counter value of the first request: scenarios use disjoint ranges of punch times. */
  firstRequest: number;
  /** YYYY-MM-DD: day 0 of the punch schedule (./schedule.ts: check-ins and check-outs of a day shift). */
  firstDay: string;
  authorization?: string;
}

export interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  p50_ms: number;
  p99_ms: number;
  /** Requests generated (counter advance): the next scenario's firstRequest can start after it. */
  generated: number;
}

export const serialOf = (n: number) => `BENCH${String(n).padStart(5, '0')}`;

/** The i-th request of a load: method, path, body and headers. */
export function requestOf(spec: LoadSpec, i: number): { method: 'GET' | 'POST'; path: string; body?: string; headers?: Record<string, string> } {
  const serial = serialOf(i % spec.devices);
  if (spec.kind === 'heartbeat') return { method: 'GET', path: `/iclock/getrequest?SN=${serial}` };
  const punches = Array.from({ length: spec.perRequest }, (_, j) => scheduledPunch(i * spec.perRequest + j, spec.employees, spec.firstDay));
  if (spec.kind === 'attlog' || spec.kind === 'adms_single') {
    const body = punches.map((p) => `${p.pin}\t${p.time}\t${p.state}\t1\t0\t0\t0\t0\t0\t0\n`).join('');
    return { method: 'POST', path: `/iclock/cdata?SN=${serial}&table=ATTLOG&Stamp=9999`, body, headers: { 'content-type': 'text/plain' } };
  }
  const logs = punches.map((p) => ({ employee_id: p.pin, timestamp: p.time, device_id: serial, log_type: p.state === 0 ? 'IN' : 'OUT' }));
  const headers = { 'content-type': 'application/json', authorization: spec.authorization ?? '' };
  if (spec.kind === 'json_single') return { method: 'POST', path: '/api/v1/punches', body: JSON.stringify(logs[0]), headers };
  return { method: 'POST', path: '/api/v1/punches/bulk', body: JSON.stringify({ logs }), headers };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let next = spec.firstRequest;
  const last = spec.amount === undefined ? Infinity : spec.firstRequest + spec.amount;
  const result = await autocannon({
    url: spec.baseUrl,
    // autocannon refuses more connections than requests.
    connections: spec.amount === undefined ? spec.connections : Math.max(1, Math.min(spec.connections, spec.amount)),
    ...(spec.amount === undefined ? { duration: spec.seconds ?? 10 } : { amount: spec.amount }),
    timeout: 30,
    requests: [
      {
        setupRequest: (req) => {
          const r = requestOf(spec, next < last ? next++ : next);
          return { ...req, method: r.method, path: r.path, body: r.body, headers: { ...req.headers, ...r.headers } };
        },
      },
    ],
  });
  return {
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    generated: next - spec.firstRequest,
  };
}
