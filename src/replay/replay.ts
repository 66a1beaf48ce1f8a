// Sending captured requests to a server as the device did: same method, query and body bytes
// (the serial may be rewritten), in order, optionally at a fixed rate. Upload replies carry
// X-Iclockd-* counts, so the report tells new, duplicate and rejected records per device.
import type { CapturedRequest } from './capture.js';

export interface ReplayOptions {
  url: string;
  /** Requests per second; unlimited when absent. */
  rate?: number;
  /** Send every request as this serial. */
  asSn?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface DeviceTally {
  requests: number;
  okWithCount: number;
  okPlain: number;
  other: number;
  /** Sum of N in OK:N replies: records stored (new or already there). */
  stored: number;
  created: number;
  duplicate: number;
  rejected: number;
  /** Uploads acknowledged but held: the terminal awaits approval. */
  held: number;
}

export interface ReplayReport {
  sent: number;
  failures: { target: string; status: number; reply: string }[];
  devices: Map<string, DeviceTally>;
}

/** The serial a request names; `as` replaces it in the query. */
export function withSerial(target: string, as?: string): { target: string; sn: string } {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  let sn = '';
  const parts = query.split('&').map((p) => {
    const eq = p.indexOf('=');
    if (eq > 0 && p.slice(0, eq).toLowerCase() === 'sn') {
      sn = decodeURIComponent(p.slice(eq + 1));
      if (as !== undefined) {
        sn = as;
        return `${p.slice(0, eq)}=${encodeURIComponent(as)}`;
      }
    }
    return p;
  });
  return { target: q < 0 ? path : `${path}?${parts.join('&')}`, sn };
}

const tally = (): DeviceTally => ({ requests: 0, okWithCount: 0, okPlain: 0, other: 0, stored: 0, created: 0, duplicate: 0, rejected: 0, held: 0 });

export async function replay(requests: CapturedRequest[], options: ReplayOptions): Promise<ReplayReport> {
  const report: ReplayReport = { sent: 0, failures: [], devices: new Map() };
  const base = options.url.replace(/\/+$/, '');
  const gap = options.rate ? 1000 / options.rate : 0;
  const started = Date.now();
  for (const [i, r] of requests.entries()) {
    if (gap) {
      const due = started + i * gap;
      if (due > Date.now()) await new Promise((res) => setTimeout(res, due - Date.now()));
    }
    const { target, sn } = withSerial(r.target, options.asSn);
    const res = await fetch(base + target, {
      method: r.method,
      headers: Object.fromEntries(r.headers),
      body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body,
    });
    const reply = await res.text();
    report.sent++;
    const t = report.devices.get(sn) ?? tally();
    report.devices.set(sn, t);
    t.requests++;
    const ok = /^OK:(\d+)\s*$/.exec(reply);
    if (res.status === 200 && ok) {
      t.okWithCount++;
      t.stored += Number(ok[1]);
    } else if (res.status === 200) t.okPlain++;
    else {
      t.other++;
      report.failures.push({ target, status: res.status, reply: reply.slice(0, 200) });
    }
    t.created += Number(res.headers.get('x-iclockd-created') ?? 0);
    t.duplicate += Number(res.headers.get('x-iclockd-duplicate') ?? 0);
    t.rejected += Number(res.headers.get('x-iclockd-rejected') ?? 0);
    t.held += res.headers.get('x-iclockd-held') === '1' ? 1 : 0;
    options.onProgress?.(i + 1, requests.length);
  }
  return report;
}
