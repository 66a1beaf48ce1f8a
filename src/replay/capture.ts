// The capture format (fixtures/README.md): device requests as files, byte-exact and binary-safe.
//
//   # comment lines (provenance, arrival time, …)
//   # --- [boundary]
//   METHOD /path?query
//   Header: value            (optional)
//                            (one empty line)
//   body bytes, exactly
//
// A file with one request may end its body at the end of the file (the bare `# ---` form of
// the captures in fixtures/adms/captures). Several requests in one file are separated by
// "\n# --- <boundary>\n", with a boundary the writer chose so that no body contains it.
import { randomBytes } from 'node:crypto';

export interface CapturedRequest {
  method: string;
  /** Path and query, as sent. */
  target: string;
  headers: [string, string][];
  body: Buffer;
  /** Comment lines before the request (without '# '). */
  comments: string[];
}

const SEPARATOR = /^# ---(?: (\S+))?$/;

function lineAt(buf: Buffer, from: number): { text: string; next: number } {
  const nl = buf.indexOf(0x0a, from);
  const end = nl < 0 ? buf.length : nl;
  return { text: buf.subarray(from, end).toString('utf8').replace(/\r$/, ''), next: nl < 0 ? buf.length : nl + 1 };
}

/** Reads every request of a capture file. */
export function parseCaptureFile(buf: Buffer): CapturedRequest[] {
  const requests: CapturedRequest[] = [];
  let pos = 0;
  let comments: string[] = [];
  let boundary: string | undefined;
  // Comments up to the first separator.
  for (;;) {
    if (pos >= buf.length) return requests;
    const { text, next } = lineAt(buf, pos);
    pos = next;
    const m = SEPARATOR.exec(text);
    if (m) {
      boundary = m[1];
      break;
    }
    if (text.startsWith('#')) comments.push(text.replace(/^# ?/, ''));
    else if (text.trim() !== '') throw new Error(`not a capture file: expected "# ---" before "${text.slice(0, 40)}"`);
  }
  for (;;) {
    const request = lineAt(buf, pos);
    pos = request.next;
    const [method, target] = request.text.split(' ');
    if (!method || !target) throw new Error(`bad request line "${request.text}"`);
    const headers: [string, string][] = [];
    for (;;) {
      const h = lineAt(buf, pos);
      pos = h.next;
      if (h.text === '') break;
      const colon = h.text.indexOf(':');
      if (colon <= 0) throw new Error(`bad header line "${h.text}"`);
      headers.push([h.text.slice(0, colon).trim(), h.text.slice(colon + 1).trim()]);
    }
    const marker = boundary ? Buffer.from(`\n# --- ${boundary}\n`) : null;
    const end = marker ? buf.indexOf(marker, pos) : -1;
    const body = buf.subarray(pos, end < 0 ? buf.length : end);
    requests.push({ method, target, headers, body: Buffer.from(body), comments });
    if (end < 0) return requests;
    pos = end + marker!.length;
    comments = [];
  }
}

/** Writes requests as one capture file, with a boundary no body contains. */
export function formatCaptureFile(requests: CapturedRequest[]): Buffer {
  let boundary = '';
  do boundary = randomBytes(8).toString('hex');
  while (requests.some((r) => r.body.includes(boundary)));
  const parts: Buffer[] = [];
  requests.forEach((r, i) => {
    const head = [
      ...(i === 0 ? r.comments.map((c) => `# ${c}`) : []),
      `# --- ${boundary}`,
      `${r.method} ${r.target}`,
      ...r.headers.map(([k, v]) => `${k}: ${v}`),
      '',
      '',
    ].join('\n');
    // Between records the separator's leading LF belongs to the separator, not the body.
    parts.push(Buffer.from(i === 0 ? head : `\n${head}`), r.body);
  });
  return Buffer.concat(parts);
}
